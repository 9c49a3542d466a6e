/**
 * Polling triggers: ask an external API "what is new since cursor X?" every few seconds, publish
 * what it returns, then remember the new cursor. The cursor is saved only after every event of
 * a page was accepted, so a crash or an outage re-reads a page rather than skipping it; the
 * events' idempotency keys make the re-read harmless.
 *
 * @module
 */
import { isConnectorError } from './connector.error.ts';
import type { PublishableEventType } from '@waybill/shared';
import type { PublishEvent, TriggerContext, TriggerDefinition } from './define-trigger.ts';

/**
 * One page of a poll: the events to publish and the cursor to resume from next time.
 *
 * ```ts
 * return { events, cursor: body.nextCursor, more: body.hasMore };
 * ```
 */
export interface PollPage {
  events: PublishEvent[];
  /** Where to resume; `undefined` keeps the previous cursor. */
  cursor: string | undefined;
  /** True when the source has more right now: poll again without waiting. */
  more?: boolean;
}

/**
 * How to poll, for `definePollingTrigger` (in a connector's `triggers` callback).
 *
 * ```ts
 * shipmentFeed: definePollingTrigger({
 *   displayName: 'Shipment feed', description: 'Polls GET /events?after=<cursor>.',
 *   events: ['shipment.confirmed'],
 *   intervalMs: (config) => config.pollIntervalMs,
 *   poll: async (ctx, cursor) => {
 *     const { body } = await ctx.http.request({ method: 'GET', url: `${ctx.config.baseUrl}/events`, query: { after: cursor }, schema: page });
 *     return { events: body.events.map(toCanonical), cursor: body.nextCursor, more: body.hasMore };
 *   },
 * }),
 * ```
 */
export interface PollingTriggerSpec<TConfig> {
  displayName: string;
  description: string;
  events: readonly PublishableEventType[];
  intervalMs: number | ((config: TConfig) => number);
  poll(ctx: TriggerContext<TConfig>, cursor: string | undefined): Promise<PollPage>;
}

/**
 * What one round of polling did.
 *
 * ```ts
 * const round = await poller.pollOnce(); // { published: 3, duplicates: 1, rejected: 0, more: false }
 * ```
 */
export interface PollRound {
  published: number;
  duplicates: number;
  /** Events whose payload failed its canonical schema: logged as errors and skipped. */
  rejected: number;
  more: boolean;
}

const cursorKey = 'cursor';

/**
 * The loop behind `definePollingTrigger`, usable on its own: `pollOnce()` for one page, `start()`
 * to keep polling until `ctx.signal` aborts (backing off after failures, waiting `retryAfterMs`
 * after a rate limit).
 *
 * ```ts
 * const poller = new PollingTrigger(spec, ctx);
 * await poller.pollOnce();
 * ```
 */
export class PollingTrigger<TConfig> {
  readonly #spec: PollingTriggerSpec<TConfig>;
  readonly #ctx: TriggerContext<TConfig>;
  #loop: Promise<void> | undefined;

  constructor(spec: PollingTriggerSpec<TConfig>, ctx: TriggerContext<TConfig>) {
    this.#spec = spec;
    this.#ctx = ctx;
  }

  /** Polls one page, publishes its events in order, then saves the cursor. */
  async pollOnce(): Promise<PollRound> {
    const ctx = this.#ctx;
    const cursor = await ctx.state.get(cursorKey);
    const page = await this.#spec.poll(ctx, cursor);
    const round: PollRound = { published: 0, duplicates: 0, rejected: 0, more: page.more === true };
    for (const event of page.events) {
      try {
        const { duplicate } = await ctx.publish(event);
        if (duplicate) round.duplicates += 1;
        else round.published += 1;
      } catch (error) {
        // A malformed event never becomes valid by re-reading it: log it whole and move on.
        // Anything else (the sink is down) stops the round before the cursor moves.
        if (!(isConnectorError(error) && error.code === 'VALIDATION')) throw error;
        round.rejected += 1;
        ctx.logger.error('event rejected', {
          error: error.message,
          issues: error.details.issues,
          event,
        });
      }
    }
    if (page.cursor !== undefined && page.cursor !== cursor) {
      await ctx.state.set(cursorKey, page.cursor);
    }
    return round;
  }

  /** Polls until `ctx.signal` aborts; resolves once the loop has stopped. */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#loop;
  }

  async #run(): Promise<void> {
    const { signal, logger, config } = this.#ctx;
    const interval =
      typeof this.#spec.intervalMs === 'number'
        ? this.#spec.intervalMs
        : this.#spec.intervalMs(config);
    let failures = 0;
    while (!signal.aborted) {
      let delay = interval;
      try {
        const round = await this.pollOnce();
        failures = 0;
        if (round.more) delay = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        delay = Math.min(interval * 2 ** failures, interval * 32);
        if (isConnectorError(error) && error.retryAfterMs !== undefined) delay = error.retryAfterMs;
        logger.warn('poll failed', {
          error: error instanceof Error ? error.message : String(error),
          code: isConnectorError(error) ? error.code : undefined,
          retryInMs: delay,
        });
      }
      await sleep(delay, signal);
    }
  }
}

/**
 * Builds a polling trigger definition (given to connectors as `definePollingTrigger`).
 *
 * ```ts
 * const trigger = definePollingTrigger<{ baseUrl: string }>({ displayName, description, events, intervalMs: 5_000, poll });
 * ```
 */
export function definePollingTrigger<TConfig>(
  spec: PollingTriggerSpec<TConfig>,
): TriggerDefinition<TConfig> {
  return Object.freeze({
    kind: 'polling',
    displayName: spec.displayName,
    description: spec.description,
    events: spec.events,
    activate: (ctx: TriggerContext<TConfig>) => {
      const loop = new PollingTrigger(spec, ctx).start();
      // The loop ends when activateTrigger aborts ctx.signal; deactivate waits for it.
      return { deactivate: () => loop };
    },
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
