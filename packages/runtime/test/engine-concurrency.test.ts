/**
 * Scale-out guarantees: several workers never advance one instance twice, claimed instances are
 * skipped by others, timers fire once across a restart, and task due dates / escalations fire.
 */
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import {
  ERP_SIMULATOR_API_KEY,
  startErpSimulator,
  type ErpSimulator,
} from '@waybill/connectors-sdk/simulators';
import type { FlowDefinitionInput } from '@waybill/shared';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../src/db/connect.ts';
import { advanceInstances } from '../src/engine/advance.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { MachineCache } from '../src/engine/machines.ts';
import { fireDueTimers } from '../src/engine/timers.ts';
import { Worker } from '../src/engine/worker.ts';
import { silentLogger } from '../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { invoiceFlow, releasedOrder, timerFlow } from './flows.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);
const registry = new ConnectorRegistry([erpSandboxConnector]);
let testDb: TestDatabase;
let erp: ErpSimulator;
const extra: Connection[] = [];

/** The day-long timer flow, started by an event of its own so it does not join the invoices. */
const dayTimerFlow = { ...timerFlow, trigger: { event: 'reminder.requested' } };

const escalatedFlow = {
  key: 'escalated-approval',
  name: 'Escalated approval',
  trigger: { event: 'dispute.opened' },
  nodes: [
    { id: 'start', type: 'start' },
    {
      id: 'review',
      type: 'humanTask',
      title: 'Review dispute',
      candidateRoles: ['billing'],
      outcomes: [{ id: 'done', label: 'Done' }],
      dueIn: 'PT2H',
      escalation: { after: 'PT1H', toRole: 'billing-lead' },
    },
    { id: 'end', type: 'end' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'review' },
    { id: 'e2', source: 'review', sourceHandle: 'done', target: 'end' },
  ],
} satisfies FlowDefinitionInput;

function configs() {
  return { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } };
}

/** A second connection to the same database, as another worker process would have. */
async function otherConnection(): Promise<Connection> {
  if (!onPostgres) return testDb.connection;
  const connection = await connect({ databaseUrl: testDb.url, poolSize: 4 });
  extra.push(connection);
  return connection;
}

async function send(type: string, key: string, payload: Record<string, unknown>): Promise<void> {
  await ingestEvent(
    testDb.db,
    { type, correlationKey: key, payload },
    { idempotencyKey: randomUUID() },
  );
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  erp = await startErpSimulator();
  for (const flow of [invoiceFlow, dayTimerFlow, escalatedFlow])
    await deployFlow(testDb.db, flow, { publishedBy: 'test', catalogue: registry.catalogue() });
});
afterAll(async () => {
  for (const connection of extra) await connection.close();
  await erp.close();
  await testDb.drop();
});

describe('several workers', () => {
  it('process every instance once when two workers run concurrently', async () => {
    const count = 30;
    for (let i = 0; i < count; i++) {
      const orderNumber = `SO-C${i}`;
      await send('order.released', orderNumber, { ...releasedOrder, orderNumber });
      await send('pricing.validated', orderNumber, { variancePct: 0 });
      await send('shipment.confirmed', orderNumber, { shipmentId: `SH-C${i}` });
    }
    const workers = [
      new Worker({
        connection: await otherConnection(),
        connectors: { registry, configs: configs() },
      }),
      new Worker({
        connection: await otherConnection(),
        connectors: { registry, configs: configs() },
      }),
    ];
    const rounds = await Promise.all(workers.map((w) => w.runUntilIdle()));
    // Both did part of the work on real Postgres (PGlite serialises their transactions).
    expect(rounds.reduce((n, r) => n + r.advanced, 0)).toBeGreaterThan(0);

    const instances = await testDb.db
      .selectFrom('instances')
      .select(['id', 'status', 'outcome'])
      .where('correlation_key', 'like', 'SO-C%')
      .execute();
    expect(instances).toHaveLength(count);
    expect(instances.every((i) => i.status === 'completed' && i.outcome === 'invoiced')).toBe(true);
    const posted = erp.invoices().filter((i) => i.request.orderNumber.startsWith('SO-C'));
    expect(posted).toHaveLength(count);
    expect(posted.every((i) => i.requestCount === 1)).toBe(true);
    // Each inbox message caused at most one transition: no message was applied twice.
    const causes = await sql<{ inbox_id: string; n: number }>`
      select details->'cause'->>'inboxId' as inbox_id, count(*)::int as n from audit_log
      where details->'cause'->>'inboxId' is not null group by 1 having count(*) > 1`.execute(
      testDb.db,
    );
    expect(causes.rows).toEqual([]);
    const open = await testDb.db
      .selectFrom('inbox')
      .select('id')
      .where('status', '=', 'pending')
      .execute();
    expect(open).toEqual([]);
  });

  it.skipIf(!onPostgres)(
    'skips an instance another worker holds (FOR UPDATE SKIP LOCKED) and takes it once released',
    async () => {
      await send('order.released', 'SO-L1', { ...releasedOrder, orderNumber: 'SO-L1' });
      const router = new Worker({
        connection: testDb.connection,
        connectors: { registry, configs: configs() },
      });
      await router.runUntilIdle();
      await send('pricing.validated', 'SO-L1', { variancePct: 0 });
      // Route only: the message waits in the inbox.
      const { routeEvents } = await import('../src/engine/router.ts');
      await routeEvents(testDb.db, { machines: new MachineCache(), logger: silentLogger });
      const holder = await otherConnection();
      const other = await otherConnection();
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked: () => void = () => undefined;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holding = holder.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom('instances')
          .select('id')
          .where('correlation_key', '=', 'SO-L1')
          .forUpdate()
          .execute();
        locked();
        await released;
      });
      await isLocked;
      const machines = new MachineCache();
      expect(await advanceInstances(other.db, { machines, logger: silentLogger })).toBe(0);
      release();
      await holding;
      expect(await advanceInstances(other.db, { machines, logger: silentLogger })).toBe(1);
    },
  );
});

describe('timers', () => {
  it.skipIf(!onPostgres)('fire once after a restart of the worker process', async () => {
    await send('reminder.requested', 'SO-T1', {});
    const first = await otherConnection();
    const before = new Worker({ connection: first, connectors: { registry, configs: configs() } });
    await before.runUntilIdle();
    await first.close();
    extra.splice(extra.indexOf(first), 1);

    // A new process: fresh connections, fresh machine cache; the timer is a day away.
    const second = await otherConnection();
    const later = new Date(Date.now() + 25 * 3600_000);
    const fired = await Promise.all([
      fireDueTimers(second.db, { logger: silentLogger, now: later }),
      fireDueTimers(testDb.db, { logger: silentLogger, now: later }),
    ]);
    expect(fired.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
    expect(await fireDueTimers(second.db, { logger: silentLogger, now: later })).toBe(0);
    const after = new Worker({ connection: second, connectors: { registry, configs: configs() } });
    await after.runUntilIdle();
    const instance = await testDb.db
      .selectFrom('instances')
      .select(['id', 'status', 'outcome'])
      .where('correlation_key', '=', 'SO-T1')
      .executeTakeFirstOrThrow();
    expect(instance).toMatchObject({ status: 'completed', outcome: 'waited' });
    const messages = await testDb.db
      .selectFrom('inbox')
      .select('id')
      .where('instance_id', '=', instance.id)
      .where('kind', '=', 'timer')
      .execute();
    expect(messages).toHaveLength(1);
  });

  it('marks a task overdue and escalates it to the escalation role, once each', async () => {
    await send('dispute.opened', 'SO-E1', {});
    const worker = new Worker({
      connection: testDb.connection,
      connectors: { registry, configs: configs() },
    });
    await worker.runUntilIdle();
    const task = await testDb.db
      .selectFrom('tasks')
      .selectAll()
      .where('title', '=', 'Review dispute')
      .executeTakeFirstOrThrow();
    expect(task.candidate_roles).toEqual(['billing']);
    const inOneAndHalf = new Date(Date.now() + 90 * 60_000);
    expect(await fireDueTimers(testDb.db, { logger: silentLogger, now: inOneAndHalf })).toBe(1);
    const escalated = await testDb.db
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    expect(escalated).toMatchObject({
      candidate_roles: ['billing', 'billing-lead'],
      escalated_to: 'billing-lead',
      overdue_at: null,
    });
    const inThree = new Date(Date.now() + 3 * 3600_000);
    expect(await fireDueTimers(testDb.db, { logger: silentLogger, now: inThree })).toBe(1);
    expect(await fireDueTimers(testDb.db, { logger: silentLogger, now: inThree })).toBe(0);
    const overdue = await testDb.db
      .selectFrom('tasks')
      .select('overdue_at')
      .where('id', '=', task.id)
      .executeTakeFirstOrThrow();
    expect(overdue.overdue_at).not.toBeNull();
    const kinds = await testDb.db
      .selectFrom('audit_log')
      .select('kind')
      .where('instance_id', '=', task.instance_id)
      .where('kind', 'like', 'task.%')
      .execute();
    expect(kinds.map((k) => k.kind).sort()).toEqual(['task.escalated', 'task.overdue']);
    // Nothing reached the machine: the instance still waits at the task.
    const pending = await testDb.db
      .selectFrom('inbox')
      .select('id')
      .where('instance_id', '=', task.instance_id)
      .where('kind', '=', 'timer')
      .execute();
    expect(pending).toEqual([]);
  });
});
