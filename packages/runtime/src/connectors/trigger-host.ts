/**
 * Inbound triggers activated by the platform: for each configured connector and each trigger
 * enabled in its config, a webhook endpoint on the platform's own server (`POST /hooks/<path>`),
 * a poller or a folder watcher, each publishing canonical events straight into ingestion (the
 * same idempotent path as `POST /api/v1/events`). Polling cursors are kept in the database.
 * @module
 */
import { activateTrigger, ConnectorError, isConnectorError } from '@waybill/connectors-sdk';
import type {
  AnyConnector,
  ConnectorLogger,
  ConnectorRegistry,
  EventSink,
  TriggerInstance,
  TriggerKind,
  TriggerState,
  WebhookHost,
  WebhookRequest,
  WebhookResponse,
} from '@waybill/connectors-sdk';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ingestEvent } from '../engine/ingest.ts';
import type { Logger } from '../log.ts';

/** Where webhook triggers are served on the platform's HTTP server. */
export const WEBHOOK_PREFIX = '/hooks/';

/** One running trigger. */
export interface ActiveTrigger {
  connectorId: string;
  trigger: string;
  kind: TriggerKind;
  /** The URL a webhook trigger listens on. */
  url: string | null;
}

interface RunningTrigger {
  instance: TriggerInstance;
  info: ActiveTrigger;
}

/**
 * Runs the triggers of a platform.
 *
 * ```ts
 * const host = new TriggerHost({ db, registry, logger });
 * await host.mountRoutes(app);             // before the server listens
 * host.setBaseUrl('http://127.0.0.1:3000'); // once it listens
 * await host.activate('waybill.wms-sandbox', config, ['webhook']);
 * await host.stopAll();
 * ```
 */
export class TriggerHost {
  readonly #db: Kysely<Database>;
  readonly #registry: ConnectorRegistry;
  readonly #logger: Logger;
  readonly #handlers = new Map<string, (request: WebhookRequest) => Promise<WebhookResponse>>();
  readonly #running = new Map<string, RunningTrigger[]>();
  readonly #restarts = new Map<string, NodeJS.Timeout>();
  #baseUrl: string | null = null;

  constructor(options: { db: Kysely<Database>; registry: ConnectorRegistry; logger: Logger }) {
    this.#db = options.db;
    this.#registry = options.registry;
    this.#logger = options.logger;
  }

  /** Serves `POST /hooks/*` on `app` (bodies passed to triggers as received, for signatures). */
  async mountRoutes(app: FastifyInstance): Promise<void> {
    await app.register((scope, _options, done) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, parsed) => {
        parsed(null, body);
      });
      scope.post(`${WEBHOOK_PREFIX}*`, async (request, reply) => {
        const path = request.url.split('?')[0] ?? '';
        const handler = this.#handlers.get(path);
        if (!handler) {
          return reply.code(404).send({ error: 'not_found', message: `No webhook at ${path}` });
        }
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) {
          if (typeof value === 'string') headers[name.toLowerCase()] = value;
        }
        const response = await handler({
          method: request.method,
          headers,
          body: typeof request.body === 'string' ? request.body : '',
        });
        return reply.code(response.status).send(response.body ?? null);
      });
      done();
    });
  }

  /** The base URL webhook triggers advertise (the platform's, once it listens). */
  setBaseUrl(url: string): void {
    this.#baseUrl = url.replace(/\/+$/, '');
  }

  /** Triggers running now. */
  active(): ActiveTrigger[] {
    return [...this.#running.values()].flat().map((r) => ({ ...r.info }));
  }

  /**
   * (Re)starts the named triggers of a connector with `config` (decrypted); the connector's
   * triggers running before are stopped first. A trigger that fails to start is logged and, when
   * the failure may pass (the system is down), started again later with backoff (1 s doubling
   * up to a minute); the others start at once. Returns the triggers that run now.
   */
  async activate(
    connectorId: string,
    config: Record<string, unknown>,
    triggers: readonly string[],
  ): Promise<ActiveTrigger[]> {
    await this.deactivate(connectorId);
    const connector = this.#latest(connectorId);
    if (!connector) {
      this.#logger.error('triggers not started: connector not registered', { connectorId });
      return [];
    }
    const running: RunningTrigger[] = [];
    this.#running.set(connectorId, running);
    await this.#startAll(connector, config, triggers, { running, attempt: 1 });
    return running.map((r) => ({ ...r.info }));
  }

  /** Stops a connector's triggers (and its pending restarts). */
  async deactivate(connectorId: string): Promise<void> {
    clearTimeout(this.#restarts.get(connectorId));
    this.#restarts.delete(connectorId);
    const running = this.#running.get(connectorId) ?? [];
    this.#running.delete(connectorId);
    await Promise.all(
      running.map(async (r) => {
        await r.instance.deactivate();
      }),
    );
  }

  async #startAll(
    connector: AnyConnector,
    config: Record<string, unknown>,
    names: readonly string[],
    round: { running: RunningTrigger[]; attempt: number },
  ): Promise<void> {
    const retry: string[] = [];
    for (const name of names) {
      const started = await this.#startOne(connector, name, config);
      if ('error' in started) {
        if (started.retryable) retry.push(name);
        continue;
      }
      // Deactivated (or re-activated) meanwhile: this round's trigger must not keep running.
      if (this.#running.get(connector.id) !== round.running) {
        await started.instance.deactivate();
        return;
      }
      round.running.push(started);
    }
    if (retry.length === 0 || this.#running.get(connector.id) !== round.running) return;
    const delayMs = Math.min(60_000, 1_000 * 2 ** (round.attempt - 1));
    this.#logger.warn('triggers will be activated again', {
      connectorId: connector.id,
      triggers: retry,
      delayMs,
    });
    const timer = setTimeout(() => {
      this.#restarts.delete(connector.id);
      void this.#startAll(connector, config, retry, { ...round, attempt: round.attempt + 1 });
    }, delayMs);
    timer.unref();
    this.#restarts.set(connector.id, timer);
  }

  async #startOne(
    connector: AnyConnector,
    name: string,
    config: Record<string, unknown>,
  ): Promise<RunningTrigger | { error: string; retryable: boolean }> {
    const trigger = Object.hasOwn(connector.triggers, name) ? connector.triggers[name] : undefined;
    const mounted: string[] = [];
    try {
      const instance = await activateTrigger(connector, name, {
        config,
        sink: this.#sink(),
        logger: this.#connectorLogger(connector.id, name),
        state: this.#state(`${connector.id}.${name}`),
        webhookHost: this.#webhookHost(mounted),
      });
      const info: ActiveTrigger = {
        connectorId: connector.id,
        trigger: name,
        kind: trigger?.kind ?? 'webhook',
        url: mounted[0] ?? null,
      };
      this.#logger.info('trigger activated', { ...info });
      return { instance, info };
    } catch (error) {
      for (const path of mounted) this.#handlers.delete(path);
      const message = error instanceof Error ? error.message : String(error);
      // A bad config or a missing folder setting stays wrong until the config is saved again.
      const retryable = isConnectorError(error) ? error.retryable : true;
      this.#logger.error('trigger could not be activated', {
        connectorId: connector.id,
        trigger: name,
        error: message,
        retryable,
      });
      return { error: message, retryable };
    }
  }

  /** Stops every trigger (platform shutdown). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((id) => this.deactivate(id)));
  }

  #latest(connectorId: string): AnyConnector | undefined {
    const version = this.#registry.versionsOf(connectorId).at(-1);
    return version === undefined ? undefined : this.#registry.get(connectorId, version);
  }

  /** Publishes into ingestion: deduplicated by idempotency key like `POST /api/v1/events`. */
  #sink(): EventSink {
    return {
      publish: async (event) => {
        const result = await ingestEvent(
          this.#db,
          {
            type: event.type,
            correlationKey: event.correlationKey,
            payload: event.payload,
            occurredAt: event.occurredAt,
          },
          { idempotencyKey: event.idempotencyKey },
        );
        if (result.outcome === 'conflict') {
          throw new ConnectorError(
            'PERMANENT',
            `idempotency key ${event.idempotencyKey} was already used for a different ${event.type} event`,
            { details: { eventId: result.eventId, idempotencyKey: event.idempotencyKey } },
          );
        }
        return { duplicate: result.outcome === 'duplicate' };
      },
    };
  }

  #state(triggerId: string): TriggerState {
    const db = this.#db;
    return {
      get: async (key) => {
        const row = await db
          .selectFrom('connector_trigger_state')
          .select('value')
          .where('trigger_id', '=', triggerId)
          .where('key', '=', key)
          .executeTakeFirst();
        return row?.value;
      },
      set: async (key, value) => {
        await db
          .insertInto('connector_trigger_state')
          .values({ trigger_id: triggerId, key, value })
          .onConflict((oc) =>
            oc.columns(['trigger_id', 'key']).doUpdateSet({ value, updated_at: sql<Date>`now()` }),
          )
          .execute();
      },
    };
  }

  #webhookHost(mounted: string[]): WebhookHost {
    return {
      mount: (path, handler) => {
        if (this.#baseUrl === null) {
          throw new ConnectorError(
            'RETRYABLE',
            'webhook triggers start once the platform listens (no base URL yet)',
          );
        }
        const route = WEBHOOK_PREFIX + path.replace(/^\/+/, '');
        if (this.#handlers.has(route)) {
          throw new ConnectorError('PERMANENT', `a webhook is already mounted at ${route}`);
        }
        this.#handlers.set(route, handler);
        mounted.push(`${this.#baseUrl}${route}`);
        return {
          url: `${this.#baseUrl}${route}`,
          unmount: () => {
            if (this.#handlers.get(route) === handler) this.#handlers.delete(route);
          },
        };
      },
    };
  }

  #connectorLogger(connectorId: string, trigger: string): ConnectorLogger {
    // activateTrigger redacts the connector's secrets before anything reaches this logger.
    return this.#logger.child({ connectorId, trigger });
  }
}
