/**
 * An event routed while a worker's step ends its instance: the routing waits for that step and
 * parks the event (no instance of its key takes it any more) instead of delivering it to the
 * ended instance, where it would stay pending forever (found by the soak benchmark: a
 * `tax.calculated` arriving as billing-readiness posted its invoice). Needs PostgreSQL: on the
 * embedded database one connection does everything in turn.
 */
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { MachineCache } from '../src/engine/machines.ts';
import { ROUTING_LOCK, routeEvents } from '../src/engine/router.ts';
import { silentLogger } from '../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { invoiceFlow, releasedOrder } from './flows.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);

describe.skipIf(!onPostgres)('routing to an instance that is ending', () => {
  let testDb: TestDatabase;
  const machines = new MachineCache();

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await deployFlow(testDb.db, invoiceFlow, {
      publishedBy: 'test',
      catalogue: new ConnectorRegistry([erpSandboxConnector]).catalogue(),
    });
  });
  afterAll(async () => {
    await testDb.drop();
  });

  async function send(type: string, key: string, payload: Record<string, unknown>) {
    return ingestEvent(
      testDb.db,
      { type, correlationKey: key, payload },
      { idempotencyKey: randomUUID() },
    );
  }

  it('parks an event that arrives while the step that ends the instance commits', async () => {
    await send('order.released', 'SO-R1', { ...releasedOrder, orderNumber: 'SO-R1' });
    expect(await routeEvents(testDb.db, { machines, logger: silentLogger })).toBe(1);
    const instance = await testDb.db
      .selectFrom('instances')
      .select(['id', 'status'])
      .where('correlation_key', '=', 'SO-R1')
      .executeTakeFirstOrThrow();
    expect(instance.status).toBe('running');

    // A worker's step holds the instance and ends it, not yet committed.
    const step = new pg.Client({ connectionString: testDb.url });
    await step.connect();
    try {
      await step.query('BEGIN');
      await step.query('SELECT id FROM instances WHERE id = $1 FOR UPDATE', [instance.id]);
      await step.query(
        `UPDATE instances SET status = 'completed', outcome = 'cancelled', completed_at = now() WHERE id = $1`,
        [instance.id],
      );
      // Meanwhile an event of the same order arrives and is routed.
      const late = await send('tax.calculated', 'SO-R1', { taxAmount: 12.5 });
      const routing = routeEvents(testDb.db, { machines, logger: silentLogger });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await step.query('COMMIT');
      expect(await routing).toBe(1);

      const event = await testDb.db
        .selectFrom('events')
        .select('status')
        .where('id', '=', late.eventId)
        .executeTakeFirstOrThrow();
      expect(event.status).toBe('parked');
      const stranded = await testDb.db
        .selectFrom('inbox')
        .select('id')
        .where('instance_id', '=', instance.id)
        .where('status', '=', 'pending')
        .execute();
      expect(stranded).toEqual([]);
    } finally {
      await step.end();
    }
  });

  it('delivers an event to an instance whose step keeps it running, once the step commits', async () => {
    await send('order.released', 'SO-R2', { ...releasedOrder, orderNumber: 'SO-R2' });
    await routeEvents(testDb.db, { machines, logger: silentLogger });
    const instance = await testDb.db
      .selectFrom('instances')
      .select('id')
      .where('correlation_key', '=', 'SO-R2')
      .executeTakeFirstOrThrow();
    const step = new pg.Client({ connectionString: testDb.url });
    await step.connect();
    try {
      await step.query('BEGIN');
      await step.query('SELECT id FROM instances WHERE id = $1 FOR UPDATE', [instance.id]);
      await step.query('UPDATE instances SET updated_at = now() WHERE id = $1', [instance.id]);
      const shipped = await send('shipment.confirmed', 'SO-R2', { shipmentId: 'SH-R2' });
      const routing = routeEvents(testDb.db, { machines, logger: silentLogger });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await step.query('COMMIT');
      expect(await routing).toBe(1);
      const delivered = await testDb.db
        .selectFrom('inbox')
        .select(['status', 'event_id'])
        .where('instance_id', '=', instance.id)
        .execute();
      expect(delivered).toEqual([{ status: 'pending', event_id: shipped.eventId }]);
    } finally {
      await step.end();
    }
  });
});

describe.skipIf(!onPostgres)('routers on several workers', () => {
  let testDb: TestDatabase;
  const machines = new MachineCache();

  beforeAll(async () => {
    testDb = await createTestDatabase();
    await deployFlow(testDb.db, invoiceFlow, {
      publishedBy: 'test',
      catalogue: new ConnectorRegistry([erpSandboxConnector]).catalogue(),
    });
  });
  afterAll(async () => {
    await testDb.drop();
  });

  async function send(type: string, key: string, payload: Record<string, unknown>) {
    return ingestEvent(
      testDb.db,
      { type, correlationKey: key, payload },
      { idempotencyKey: randomUUID() },
    );
  }

  async function statusOf(key: string): Promise<string[]> {
    const rows = await testDb.db
      .selectFrom('events')
      .select('status')
      .where('correlation_key', '=', key)
      .orderBy('seq')
      .execute();
    return rows.map((r) => r.status);
  }

  it('route the keys another router does not hold, and that key in order once it is free', async () => {
    await send('order.released', 'SO-L1', { ...releasedOrder, orderNumber: 'SO-L1' });
    await send('order.released', 'SO-L2', { ...releasedOrder, orderNumber: 'SO-L2' });

    // Another router holds SO-L1's routing lock (its transaction is still open).
    const other = new pg.Client({ connectionString: testDb.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ROUTING_LOCK, 'SO-L1']);

      expect(await routeEvents(testDb.db, { machines, logger: silentLogger })).toBe(1);
      expect(await statusOf('SO-L2')).toEqual(['routed']);
      expect(await statusOf('SO-L1')).toEqual(['pending']);

      // A later event of the held key waits behind the first.
      await send('shipment.confirmed', 'SO-L1', { shipmentId: 'SH-L1' });
      expect(await routeEvents(testDb.db, { machines, logger: silentLogger })).toBe(0);
      expect(await statusOf('SO-L1')).toEqual(['pending', 'pending']);
    } finally {
      await other.query('COMMIT').catch(() => undefined);
      await other.end();
    }

    // Free again: both are routed, the release first (it starts the instance the shipment reaches).
    expect(
      await routeEvents(testDb.db, { machines, logger: silentLogger, advanceInlineUpTo: 20 }),
    ).toBe(2);
    expect(await statusOf('SO-L1')).toEqual(['routed', 'routed']);
    const instance = await testDb.db
      .selectFrom('instances')
      .select(['status', 'context'])
      .where('correlation_key', '=', 'SO-L1')
      .executeTakeFirstOrThrow();
    expect(instance.status).toBe('running');
    expect((instance.context as { shipment?: unknown }).shipment).toEqual({ shipmentId: 'SH-L1' });
  });
});
