/**
 * Inbound triggers: how a connector turns what an external system sends or exposes (a webhook
 * call, a page of a polling API, a file dropped in a folder) into canonical events. A trigger is
 * `activate(ctx) → { deactivate() }`; everything it receives goes out through `ctx.publish`, with
 * an idempotency key (so a redelivery is harmless) and a correlation key (the order number).
 *
 * @module
 */
import type { PublishableEventInput, PublishableEventType } from '@waybill/shared';
import type { ConnectorLogger } from './connector-logger.ts';
import type { HttpClient } from './http-client.ts';

/**
 * How a trigger receives events.
 *
 * ```ts
 * const kind: TriggerKind = 'webhook';
 * ```
 */
export type TriggerKind = 'webhook' | 'polling' | 'fileDrop';

/**
 * One event a trigger publishes. `idempotencyKey` must be derived from the source (the WMS's
 * event id, a file's content hash), never random: a redelivered event must carry the same key.
 *
 * ```ts
 * await ctx.publish({
 *   type: 'shipment.confirmed',
 *   correlationKey: 'SO-1001',
 *   idempotencyKey: `wms:${body.eventId}`,
 *   payload: { shipmentId: 'SH-1', shippedAt: '2026-11-23T14:05:00Z', lines: [{ sku: 'A', shippedQty: 1 }] },
 * });
 * ```
 */
export type PublishEvent = {
  [TType in PublishableEventType]: {
    type: TType;
    payload: PublishableEventInput<TType>;
    correlationKey: string;
    idempotencyKey: string;
    /** When it happened at the source (ISO-8601); defaults to when it was published. */
    occurredAt?: string;
  };
}[PublishableEventType];

/**
 * What the event sink answered: `duplicate` when it had already accepted this idempotency key.
 *
 * ```ts
 * const { duplicate } = await ctx.publish(event);
 * ```
 */
export interface PublishResult {
  duplicate: boolean;
}

/**
 * Where a trigger's events go: the runtime's ingestion (see `httpEventSink`) or, in tests,
 * `createMemoryEventSink` from `@waybill/connectors-sdk/testing`.
 *
 * ```ts
 * const sink: EventSink = { publish: async (event) => ({ duplicate: seen.has(event.idempotencyKey) }) };
 * ```
 */
export interface EventSink {
  publish(event: PublishEvent): Promise<PublishResult>;
}

/**
 * A trigger's durable memory (a polling cursor), kept by the runtime across restarts.
 *
 * ```ts
 * const cursor = await ctx.state.get('cursor');
 * await ctx.state.set('cursor', next);
 * ```
 */
export interface TriggerState {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/**
 * An HTTP request delivered to a webhook trigger (the body as received, for signature checks).
 *
 * ```ts
 * const body: unknown = JSON.parse(request.body);
 * ```
 */
export interface WebhookRequest {
  method: string;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  body: string;
}

/**
 * What a webhook handler answers: 2xx when the events were published (the sender stops
 * retrying), 4xx for a payload it will never accept, 5xx to make the sender retry.
 *
 * ```ts
 * return { status: 202, body: { accepted: 1 } };
 * ```
 */
export interface WebhookResponse {
  status: number;
  body?: unknown;
}

/**
 * Serves webhook triggers: the runtime mounts them on its HTTP server; tests and the demo use
 * `startWebhookServer()`.
 *
 * ```ts
 * const { url, unmount } = host.mount('wms/shipments', handler);
 * ```
 */
export interface WebhookHost {
  mount(
    path: string,
    handler: (request: WebhookRequest) => Promise<WebhookResponse>,
  ): { url: string; unmount: () => void };
}

/**
 * What `activate` receives.
 *
 * ```ts
 * activate: async (ctx) => {
 *   const { url, unmount } = ctx.webhook.mount('shipments', async (request) => { ...; return { status: 202 }; });
 *   ctx.logger.info('listening', { url });
 *   return { deactivate: unmount };
 * }
 * ```
 */
export interface TriggerContext<TConfig> {
  readonly config: TConfig;
  /** Validates the payload against its canonical schema (`VALIDATION` error if not), then hands it to the sink. */
  publish(event: PublishEvent): Promise<PublishResult>;
  /** Secret config values are redacted from everything logged. */
  readonly logger: ConnectorLogger;
  /** Aborted when the trigger is deactivated: stop waiting, stop polling. */
  readonly signal: AbortSignal;
  /** JSON HTTP client bound to `signal`, mapping failures to `ConnectorError`s. */
  readonly http: HttpClient;
  readonly state: TriggerState;
  /** Where webhook triggers mount their handler (throws for a trigger activated without a host). */
  readonly webhook: WebhookHost;
  /** `<connector id>.<trigger name>`, to prefix paths and keys. */
  readonly triggerId: string;
}

/**
 * A running trigger.
 *
 * ```ts
 * const running = await activateTrigger(wmsConnector, 'shipmentWebhook', options);
 * await running.deactivate();
 * ```
 */
export interface TriggerInstance {
  deactivate(): Promise<void> | void;
}

/**
 * One inbound trigger of a connector.
 *
 * ```ts
 * shipmentWebhook: defineTrigger({
 *   kind: 'webhook',
 *   displayName: 'Shipment webhook',
 *   description: 'The WMS posts shipment confirmations here.',
 *   events: ['shipment.confirmed'],
 *   activate: (ctx) => { const { unmount } = ctx.webhook.mount('shipments', handle); return { deactivate: unmount }; },
 * }),
 * ```
 */
export interface TriggerDefinition<TConfig> {
  kind: TriggerKind;
  displayName: string;
  description: string;
  /** The canonical events it may publish (the designer lists them; `publish` refuses others). */
  events: readonly PublishableEventType[];
  // Method syntax for parameter bivariance, as in `OperationDefinition.run`.
  activate(ctx: TriggerContext<TConfig>): Promise<TriggerInstance> | TriggerInstance;
}

/**
 * Any trigger, whatever its config.
 *
 * ```ts
 * const trigger: AnyTrigger | undefined = connector.triggers[name];
 * ```
 */
export type AnyTrigger = TriggerDefinition<unknown>;
