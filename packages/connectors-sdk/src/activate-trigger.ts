/**
 * `activateTrigger`: how the runtime (and tests) start a connector's trigger. It validates the
 * config, gives the trigger a context whose `publish` checks every event against its canonical
 * schema before it reaches the sink, and returns a handle that stops it.
 *
 * @module
 */
import { publishableEvents } from '@waybill/shared';
import type { z } from 'zod';
import { secretFieldsOf, secretValuesOf } from './config-secrets.ts';
import { ConnectorError, isConnectorError } from './connector.error.ts';
import { createRedactingLogger, noopLogger } from './connector-logger.ts';
import type { ConnectorLogger } from './connector-logger.ts';
import type { AnyConnector } from './define-connector.ts';
import type {
  AnyTrigger,
  EventSink,
  PublishEvent,
  PublishResult,
  TriggerContext,
  TriggerInstance,
  TriggerState,
  WebhookHost,
} from './define-trigger.ts';
import { createHttpClient } from './http-client.ts';
import { describeIssues, formatIssues } from './zod-issues.ts';

/**
 * What {@link activateTrigger} needs.
 *
 * ```ts
 * const options: ActivateTriggerOptions<WmsConfigInput> = { config, sink, webhookHost: webhooks, state: createMemoryTriggerState() };
 * ```
 */
export interface ActivateTriggerOptions<TConfigInput> {
  config: TConfigInput;
  /** Where published events go. */
  sink: EventSink;
  logger?: ConnectorLogger;
  /** Durable state (polling cursors); defaults to memory, which forgets on restart. */
  state?: TriggerState;
  /** Required by webhook triggers. */
  webhookHost?: WebhookHost;
}

/**
 * State kept in memory: enough for tests and the demo; the runtime passes a durable one.
 *
 * ```ts
 * const state = createMemoryTriggerState();
 * await state.set('cursor', '42');
 * ```
 */
export function createMemoryTriggerState(): TriggerState {
  const values = new Map<string, string>();
  return {
    get: (key) => Promise.resolve(values.get(key)),
    set: (key, value) => {
      values.set(key, value);
      return Promise.resolve();
    },
  };
}

/**
 * Starts one trigger of a connector. Rejects with a `VALIDATION` `ConnectorError` when the config
 * is invalid and with `PERMANENT` when the trigger does not exist.
 *
 * ```ts
 * const running = await activateTrigger(wmsConnector, 'shipmentWebhook', {
 *   config: { baseUrl: wms.url, apiKey: WMS_SIMULATOR_API_KEY },
 *   sink: httpEventSink({ baseUrl: 'http://localhost:3000', apiKey }),
 *   webhookHost: webhooks,
 * });
 * // ...
 * await running.deactivate();
 * ```
 */
export async function activateTrigger<TConnector extends AnyConnector>(
  connector: TConnector,
  triggerName: string,
  options: ActivateTriggerOptions<z.input<TConnector['config']>>,
): Promise<TriggerInstance> {
  const triggerId = `${connector.id}.${triggerName}`;
  const where = `${connector.id}@${connector.version} trigger ${triggerName}`;
  const triggers: Readonly<Record<string, AnyTrigger>> = connector.triggers ?? {};
  const trigger = Object.hasOwn(triggers, triggerName) ? triggers[triggerName] : undefined;
  if (!trigger) {
    const known = Object.keys(triggers).join(', ') || 'none';
    throw new ConnectorError('PERMANENT', `${where}: no such trigger (it has: ${known})`);
  }
  const parsed = connector.config.safeParse(options.config);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error.issues);
    throw new ConnectorError('VALIDATION', `${where}: invalid config: ${describeIssues(issues)}`, {
      details: { target: 'config', issues },
    });
  }
  const config = parsed.data;
  const logger = createRedactingLogger(options.logger ?? noopLogger, {
    secrets: secretValuesOf(connector.config, config),
    secretKeys: secretFieldsOf(connector.config),
    bindings: {
      connector: connector.id,
      connectorVersion: connector.version,
      trigger: triggerName,
    },
  });
  const controller = new AbortController();
  const ctx: TriggerContext<unknown> = {
    config,
    logger,
    signal: controller.signal,
    http: createHttpClient({ signal: controller.signal, logger }),
    state: options.state ?? createMemoryTriggerState(),
    webhook: options.webhookHost ?? missingWebhookHost(where),
    triggerId,
    publish: (event) => publishChecked({ event, trigger, sink: options.sink, where }),
  };
  const instance = await trigger.activate(ctx);
  let stopped: Promise<void> | undefined;
  return {
    deactivate: () => {
      stopped ??= (async () => {
        controller.abort(new ConnectorError('RETRYABLE', `${where}: deactivated`));
        await instance.deactivate();
        logger.info('trigger deactivated');
      })();
      return stopped;
    },
  };
}

interface Publication {
  event: PublishEvent;
  trigger: AnyTrigger;
  sink: EventSink;
  where: string;
}

async function publishChecked({
  event,
  trigger,
  sink,
  where,
}: Publication): Promise<PublishResult> {
  if (!trigger.events.includes(event.type)) {
    throw new ConnectorError(
      'PERMANENT',
      `${where}: may not publish ${event.type} (declared: ${trigger.events.join(', ')})`,
    );
  }
  for (const key of ['correlationKey', 'idempotencyKey'] as const) {
    if (typeof event[key] !== 'string' || event[key].trim() === '') {
      throw new ConnectorError('VALIDATION', `${where}: ${event.type} needs a non-empty ${key}`, {
        details: { target: 'event', issues: [{ path: key, message: 'required' }] },
      });
    }
  }
  const schema: z.ZodType = publishableEvents[event.type];
  const result = schema.safeParse(event.payload);
  if (!result.success) {
    const issues = formatIssues(result.error.issues);
    throw new ConnectorError(
      'VALIDATION',
      `${where}: invalid ${event.type} payload (${event.idempotencyKey}): ${describeIssues(issues)}`,
      { details: { target: 'event', eventType: event.type, issues } },
    );
  }
  try {
    // The parsed payload has the schema's defaults applied; its type is the event's own.
    return await sink.publish({ ...event, payload: result.data } as PublishEvent);
  } catch (error) {
    if (isConnectorError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ConnectorError('RETRYABLE', `${where}: publishing failed: ${message}`, {
      cause: error,
    });
  }
}

function missingWebhookHost(where: string): WebhookHost {
  return {
    mount: () => {
      throw new ConnectorError('PERMANENT', `${where}: activated without a webhook host`);
    },
  };
}
