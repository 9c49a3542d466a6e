import { afterAll, beforeAll, expect, test } from 'vitest';
import { httpEventSink } from './event-sinks.ts';
import { startTestServer } from './testing/test-server.ts';
import type { TestServer } from './testing/test-server.ts';

// Stands in for Waybill's `POST /api/v1/events` (202 new, 200 repeat, 400 invalid, 401).
let api: TestServer;
const received: unknown[] = [];
beforeAll(async () => {
  const keys = new Set<string>();
  api = await startTestServer({
    handle: async ({ method, path, headers, json, reply }) => {
      if (method !== 'POST' || path !== '/api/v1/events') return reply(404);
      if (headers.authorization !== 'Bearer k-1') return reply(401, { message: 'bad key' });
      const key = String(headers['idempotency-key']);
      const body = await json();
      if (keys.has(key)) return reply(200, { eventId: key });
      keys.add(key);
      received.push(body);
      return reply(202, { eventId: key });
    },
  });
});
afterAll(() => api.close());

const event = {
  type: 'pod.received' as const,
  correlationKey: 'SO-1',
  idempotencyKey: 'carrier:n-1',
  occurredAt: '2026-11-24T09:00:00Z',
  payload: { documentId: 'POD-1', receivedAt: '2026-11-24T09:30:00Z' },
};

test('posts events to the ingestion API with their idempotency key', async () => {
  const sink = httpEventSink({ baseUrl: `${api.url}/`, apiKey: 'k-1' });
  expect(await sink.publish(event)).toEqual({ duplicate: false });
  expect(await sink.publish(event)).toEqual({ duplicate: true });
  expect(received).toEqual([
    {
      type: 'pod.received',
      correlationKey: 'SO-1',
      occurredAt: '2026-11-24T09:00:00Z',
      payload: event.payload,
    },
  ]);
  await expect(
    httpEventSink({ baseUrl: api.url, apiKey: 'wrong' }).publish(event),
  ).rejects.toMatchObject({ code: 'PERMANENT' });
});
