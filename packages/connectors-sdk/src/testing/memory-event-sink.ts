/**
 * An in-memory {@link EventSink} that behaves like Waybill's ingestion: it deduplicates by
 * idempotency key and keeps events in arrival order.
 *
 * @module
 */
import type { EventSink, PublishEvent } from '../define-trigger.ts';

/**
 * A sink that remembers what it accepted.
 *
 * ```ts
 * const sink = createMemoryEventSink();
 * await activateTrigger(connector, 'shipmentWebhook', { config, sink, webhookHost });
 * await sink.waitFor((events) => events.length >= 2);
 * ```
 */
export interface MemoryEventSink extends EventSink {
  /** Accepted events, each idempotency key once, in arrival order. */
  readonly events: readonly PublishEvent[];
  /** How many publishes carried an idempotency key already accepted. */
  readonly duplicates: number;
  /** Resolves once `predicate(events)` holds; rejects after `timeoutMs` (default 5000) naming what it saw. */
  waitFor(
    predicate: (events: readonly PublishEvent[]) => boolean,
    timeoutMs?: number,
  ): Promise<readonly PublishEvent[]>;
}

/**
 * Creates a {@link MemoryEventSink}.
 *
 * ```ts
 * const sink = createMemoryEventSink();
 * await sink.publish(event); // { duplicate: false }
 * await sink.publish(event); // { duplicate: true }
 * ```
 */
export function createMemoryEventSink(): MemoryEventSink {
  const events: PublishEvent[] = [];
  const keys = new Set<string>();
  const waiters = new Set<() => void>();
  let duplicates = 0;
  return {
    events,
    get duplicates() {
      return duplicates;
    },
    publish: (event) => {
      if (keys.has(event.idempotencyKey)) {
        duplicates += 1;
        return Promise.resolve({ duplicate: true });
      }
      keys.add(event.idempotencyKey);
      events.push(structuredClone(event));
      for (const wake of waiters) wake();
      return Promise.resolve({ duplicate: false });
    },
    waitFor: (predicate, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(events)) return;
          cleanup();
          resolve(events);
        };
        const timer = setTimeout(() => {
          cleanup();
          const seen = events.map((e) => `${e.type}:${e.idempotencyKey}`).join(', ') || 'none';
          reject(new Error(`Timed out after ${timeoutMs} ms waiting for events; got: ${seen}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}
