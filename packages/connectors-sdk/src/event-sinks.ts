/**
 * Event sinks: where triggers' events go. `httpEventSink` posts them to Waybill's ingestion API
 * (`POST /api/v1/events`), which deduplicates by idempotency key.
 *
 * @module
 */
import type { EventSink } from './define-trigger.ts';
import { createHttpClient } from './http-client.ts';
import { noopLogger } from './connector-logger.ts';

/**
 * Posts each event to `POST <baseUrl>/api/v1/events` with its `Idempotency-Key`: `202` is a new
 * event, `200` a duplicate; failures become `ConnectorError`s (5xx/429 retryable, 400 `VALIDATION`).
 *
 * ```ts
 * const sink = httpEventSink({ baseUrl: 'http://localhost:3000', apiKey: process.env.WAYBILL_API_KEY ?? '' });
 * ```
 */
export function httpEventSink(options: {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
}): EventSink {
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    publish: async (event) => {
      const http = createHttpClient({
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        logger: noopLogger,
      });
      const { status } = await http.request({
        method: 'POST',
        url: `${base}/api/v1/events`,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          'idempotency-key': event.idempotencyKey,
        },
        json: {
          type: event.type,
          correlationKey: event.correlationKey,
          payload: event.payload,
          ...(event.occurredAt === undefined ? {} : { occurredAt: event.occurredAt }),
        },
      });
      return { duplicate: status === 200 };
    },
  };
}
