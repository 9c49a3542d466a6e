import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiKey, registerApiKey } from '../src/api/api-keys.ts';
import { startHttpFixture, type HttpFixture } from './helpers.ts';

let fx: HttpFixture;
beforeAll(async () => {
  fx = await startHttpFixture({ maxEventBytes: 4096 });
});
afterAll(() => fx.close());

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fx.baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${fx.apiKey}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const shipment = {
  type: 'shipment.confirmed',
  correlationKey: 'SO-1001',
  payload: { shipmentId: 'SH-1', lines: [{ sku: 'A-1', qty: 4 }] },
  occurredAt: '2026-11-23T10:00:00Z',
};

describe('POST /api/v1/events', () => {
  it('accepts an event with 202 and stores it once per idempotency key', async () => {
    const first = await post(shipment, { 'idempotency-key': 'wms-1' });
    expect(first.status).toBe(202);
    const { eventId } = (await first.json()) as { eventId: string };
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);

    const again = await post(shipment, { 'idempotency-key': 'wms-1' });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ eventId });

    const rows = await fx.testDb.db
      .selectFrom('events')
      .selectAll()
      .where('idempotency_key', '=', 'wms-1')
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      type: 'shipment.confirmed',
      correlation_key: 'SO-1001',
      status: 'pending',
    });
    expect(rows[0]!.payload).toEqual(shipment.payload);
  });

  it('answers 409 when the idempotency key is reused with a different body', async () => {
    expect((await post(shipment, { 'idempotency-key': 'wms-2' })).status).toBe(202);
    const changed = { ...shipment, payload: { ...shipment.payload, shipmentId: 'SH-2' } };
    const res = await post(changed, { 'idempotency-key': 'wms-2' });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ error: 'idempotency_conflict' });
  });

  it('gives concurrent requests with the same key one event id', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => post(shipment, { 'idempotency-key': 'wms-concurrent' })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
    const ids = new Set(
      await Promise.all(
        responses.map(async (r) => ((await r.json()) as { eventId: string }).eventId),
      ),
    );
    expect(ids.size).toBe(1);
  });

  it('answers 400 with field-level errors', async () => {
    const res = await post(
      { type: 'shipment.confirmed', correlationKey: '', payload: [1, 2], occurredAt: 'yesterday' },
      { 'idempotency-key': 'bad-1' },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: string;
      fieldErrors: { path: string; message: string }[];
    };
    expect(body.error).toBe('invalid_event');
    expect(body.fieldErrors.map((e) => e.path).sort()).toEqual([
      'correlationKey',
      'occurredAt',
      'payload',
    ]);
  });

  it('answers 400 without an Idempotency-Key, for malformed JSON and for reserved types', async () => {
    expect((await post(shipment)).status).toBe(400);
    const malformed = await post('{"type":', { 'idempotency-key': 'bad-2' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: 'invalid_event' });
    const reserved = await post(
      { ...shipment, type: 'waybill.timer.fired' },
      { 'idempotency-key': 'bad-3' },
    );
    expect(reserved.status).toBe(400);
    const count = await fx.testDb.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('idempotency_key', 'like', 'bad-%')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('answers 401 without a key, with a wrong key and with a revoked key', async () => {
    const none = await fetch(`${fx.baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k' },
      body: JSON.stringify(shipment),
    });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(
      (await post(shipment, { authorization: 'Bearer wb_wrong', 'idempotency-key': 'k' })).status,
    ).toBe(401);

    await registerApiKey(fx.testDb.db, { key: 'wb_revoked_key', name: 'old' });
    expect(
      (await post(shipment, { authorization: 'Bearer wb_revoked_key', 'idempotency-key': 'k1' }))
        .status,
    ).toBe(202);
    await revokeApiKey(fx.testDb.db, 'wb_revoked_key');
    expect(
      (await post(shipment, { authorization: 'Bearer wb_revoked_key', 'idempotency-key': 'k2' }))
        .status,
    ).toBe(401);
  });

  it('answers 413 with a JSON error over the size limit', async () => {
    const big = { ...shipment, payload: { notes: 'x'.repeat(5000) } };
    const res = await post(big, { 'idempotency-key': 'big-1' });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'payload_too_large' });
  });
});

describe('POST /api/v1/events/batch', () => {
  function postBatch(body: unknown, apiKey = fx.apiKey): Promise<Response> {
    return fetch(`${fx.baseUrl}/api/v1/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(body),
    });
  }
  interface BatchResult {
    index: number;
    idempotencyKey: string | null;
    status: number;
    eventId?: string;
    fieldErrors?: { path: string; message: string }[];
  }

  it('answers each event as a single post would, and one bad event fails alone', async () => {
    expect((await post(shipment, { 'idempotency-key': 'batch-old' })).status).toBe(202);
    const res = await postBatch({
      events: [
        { ...shipment, idempotencyKey: 'batch-1' },
        { ...shipment, correlationKey: 'SO-1002', idempotencyKey: 'batch-2' },
        { ...shipment, correlationKey: '', idempotencyKey: 'batch-3' },
        { ...shipment, idempotencyKey: 'batch-1' },
        { ...shipment, payload: { changed: true }, idempotencyKey: 'batch-old' },
        { ...shipment, payload: { notes: 'x'.repeat(5000) }, idempotencyKey: 'batch-big' },
        { ...shipment },
      ],
    });
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: BatchResult[] };
    expect(results.map((r) => [r.idempotencyKey, r.status])).toEqual([
      ['batch-1', 202],
      ['batch-2', 202],
      ['batch-3', 400],
      ['batch-1', 200],
      ['batch-old', 409],
      ['batch-big', 413],
      [null, 400],
    ]);
    expect(results[3]!.eventId).toBe(results[0]!.eventId);
    expect(results[2]!.fieldErrors).toEqual([
      { path: 'events.2.correlationKey', message: expect.any(String) },
    ]);
    expect(results[6]!.fieldErrors?.map((e) => e.path)).toEqual(['events.6.idempotencyKey']);
    const rows = await fx.testDb.db
      .selectFrom('events')
      .select(['idempotency_key', 'correlation_key'])
      .where('idempotency_key', 'like', 'batch-%')
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => r.idempotency_key)).toEqual(['batch-old', 'batch-1', 'batch-2']);
  });

  it('refuses a body that is not a batch with 400, and unauthenticated requests with 401', async () => {
    for (const body of [{}, { events: [] }, { events: 'x' }, { events: [shipment], extra: 1 }]) {
      const res = await postBatch(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_batch' });
    }
    const tooMany = await postBatch({
      events: Array.from({ length: 501 }, (_, i) => ({ type: 't', correlationKey: `K${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect((await postBatch({ events: [shipment] }, 'wb_wrong')).status).toBe(401);
  });
});

describe('GET /healthz and the instance API', () => {
  it('reports ready with the database kind and queue depths', async () => {
    const res = await fetch(`${fx.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', version: 'test' });
    expect(['pglite', 'postgres']).toContain(body.database);
    expect(body.queue).toMatchObject({ pendingEvents: expect.any(Number) });
  });

  it('requires a key for instances and answers 404 for unknown ids', async () => {
    expect((await fetch(`${fx.baseUrl}/api/v1/instances?correlationKey=SO-1`)).status).toBe(401);
    const headers = { authorization: `Bearer ${fx.apiKey}` };
    const unknown = await fetch(
      `${fx.baseUrl}/api/v1/instances/00000000-0000-0000-0000-000000000000`,
      { headers },
    );
    expect(unknown.status).toBe(404);
    const list = await fetch(`${fx.baseUrl}/api/v1/instances?correlationKey=SO-1`, { headers });
    expect(await list.json()).toEqual({ instances: [] });
  });

  it('publishes an OpenAPI document of the events endpoint', async () => {
    const doc = (await (await fetch(`${fx.baseUrl}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toContain('/api/v1/events');
    expect(Object.keys(doc.paths)).toContain('/api/v1/events/batch');
  });
});
