/**
 * The two inbound triggers the WMS and TMS sandbox connectors share: a webhook the simulator
 * pushes to (subscribed on activation) and a polling trigger on `GET /events?after=<cursor>`.
 * Each connector supplies `toEvent`, its mapping from a native event to a canonical one.
 *
 * @module
 */
import type { PublishableEventType } from '@waybill/shared';
import { z } from 'zod';
import { ConnectorError, isConnectorError } from '../connector.error.ts';
import type { TriggerHelpers } from '../define-connector.ts';
import type { PublishEvent, TriggerContext, TriggerDefinition } from '../define-trigger.ts';

/** What a sandbox connector's config holds for its feed. */
export interface SandboxFeedConfig {
  baseUrl: string;
  apiKey: string;
  webhookSecret: string;
  pollIntervalMs: number;
}

/** A native event on the wire, before mapping. */
export const wireEventSchema = z.object({
  eventId: z.string().min(1),
  eventType: z.string().min(1),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
});
/** A native event. */
export type WireEvent = z.infer<typeof wireEventSchema>;

const pageSchema = z.object({
  events: z.array(z.unknown()),
  nextCursor: z.string(),
  hasMore: z.boolean(),
});

interface FeedSpec {
  system: string;
  events: readonly PublishableEventType[];
  /** Maps a native event; throws a `VALIDATION` ConnectorError for a malformed one, returns `null` to ignore it. */
  toEvent(event: WireEvent): PublishEvent | null;
}

/** Builds the `webhook` and `feed` triggers of a sandbox connector. */
export function sandboxFeedTriggers<TConfig extends SandboxFeedConfig>(
  { definePollingTrigger, defineTrigger }: TriggerHelpers<TConfig>,
  spec: FeedSpec,
): { webhook: TriggerDefinition<TConfig>; feed: TriggerDefinition<TConfig> } {
  return {
    webhook: defineTrigger({
      kind: 'webhook',
      displayName: `${spec.system} webhook`,
      description: `The ${spec.system} pushes its events here; the trigger subscribes itself on activation.`,
      events: spec.events,
      activate: async (ctx) => {
        const { url, unmount } = ctx.webhook.mount(ctx.triggerId, (request) =>
          receive(ctx, spec, request.headers['x-webhook-secret'], request.body),
        );
        try {
          await ctx.http.request({
            method: 'POST',
            url: `${ctx.config.baseUrl.replace(/\/+$/, '')}/subscriptions`,
            headers: { authorization: `Bearer ${ctx.config.apiKey}` },
            json: { url, secret: ctx.config.webhookSecret },
          });
        } catch (error) {
          unmount();
          throw error;
        }
        ctx.logger.info('webhook subscribed', { url });
        return { deactivate: unmount };
      },
    }),
    feed: definePollingTrigger({
      displayName: `${spec.system} event feed`,
      description: `Polls the ${spec.system}'s event feed with a cursor (for systems that cannot push).`,
      events: spec.events,
      intervalMs: (config) => config.pollIntervalMs,
      poll: async (ctx, cursor) => {
        const { body } = await ctx.http.request({
          method: 'GET',
          url: `${ctx.config.baseUrl.replace(/\/+$/, '')}/events`,
          headers: { authorization: `Bearer ${ctx.config.apiKey}` },
          query: { after: cursor ?? '0', limit: 100 },
          schema: pageSchema,
          timeoutMs: 10_000,
        });
        const events: PublishEvent[] = [];
        for (const raw of body.events) {
          try {
            const event = spec.toEvent(parseWire(raw));
            if (event) events.push(event);
          } catch (error) {
            // A malformed native event cannot be fixed by polling again: log it and move on.
            if (!isConnectorError(error) || error.code !== 'VALIDATION') throw error;
            ctx.logger.error('malformed event skipped', { error: error.message, event: raw });
          }
        }
        return { events, cursor: body.nextCursor, more: body.hasMore };
      },
    }),
  };
}

async function receive<TConfig extends SandboxFeedConfig>(
  ctx: TriggerContext<TConfig>,
  spec: FeedSpec,
  secret: string | undefined,
  body: string,
): Promise<{ status: number; body?: unknown }> {
  if (secret !== ctx.config.webhookSecret) return { status: 401, body: { error: 'bad secret' } };
  try {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ConnectorError('VALIDATION', 'webhook body is not JSON');
    }
    const event = spec.toEvent(parseWire(json));
    if (!event) return { status: 204 };
    const { duplicate } = await ctx.publish(event);
    return { status: duplicate ? 200 : 202, body: { duplicate } };
  } catch (error) {
    const failure = isConnectorError(error)
      ? error
      : new ConnectorError('RETRYABLE', error instanceof Error ? error.message : String(error));
    ctx.logger.warn('webhook event refused', { code: failure.code, error: failure.message });
    // 4xx tells the sender to stop retrying a payload that will never be valid; 503 asks it to retry.
    return { status: failure.retryable ? 503 : 400, body: { error: failure.message } };
  }
}

function parseWire(raw: unknown): WireEvent {
  const parsed = wireEventSchema.safeParse(raw);
  if (!parsed.success) throw new ConnectorError('VALIDATION', 'not an event envelope');
  return parsed.data;
}

/** Parses native `data` with `schema`, or fails with a `VALIDATION` error naming the event and fields. */
export function nativeData<TSchema extends z.ZodType>(
  schema: TSchema,
  event: WireEvent,
): z.output<TSchema> {
  const parsed = schema.safeParse(event.data);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  throw new ConnectorError(
    'VALIDATION',
    `${event.eventType} ${event.eventId} is malformed: ${fields}`,
    {
      details: {
        eventId: event.eventId,
        issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
    },
  );
}
