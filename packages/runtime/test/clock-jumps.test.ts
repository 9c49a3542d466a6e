/**
 * Timers and wall-clock jumps (an NTP step, a VM resumed after hours). The database's clock is
 * the one source of "now" for timers: due times are computed by it when a timer is scheduled
 * and compared with it when timers are fired, so a worker whose clock is hours off neither fires
 * a timer early nor late. When the machine's clock itself steps (the embedded database runs on
 * the platform's clock), a jump forward fires what became due exactly once, a jump back neither
 * fires a timer again nor loses one, and timers that came due while no worker ran fire once
 * when one starts. Every instance's invoice reaches the ERP exactly once.
 *
 * The worker's clock is moved with vitest's fake `Date` (the rest of the timers stay real).
 * With Postgres (`DATABASE_URL`) that moves only the worker's clock; with the embedded database
 * it moves the database's clock too, as a step of the machine's clock would.
 */
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import {
  ERP_SIMULATOR_API_KEY,
  startErpSimulator,
  type ErpSimulator,
} from '@waybill/connectors-sdk/simulators';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { Worker } from '../src/engine/worker.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { waitThenInvoiceFlow } from './flows.ts';

const HOUR = 3_600_000;
const ORDERS = 8;
const registry = new ConnectorRegistry([erpSandboxConnector]);

let testDb: TestDatabase;
let erp: ErpSimulator;
let sent: { orderNumber: string; flowKey: string }[];

/** The flow of the fault tests with another key, trigger and delay. */
function waitingFlow(key: string, event: string, delay: string) {
  return {
    ...waitThenInvoiceFlow,
    key,
    trigger: { ...waitThenInvoiceFlow.trigger, event },
    nodes: waitThenInvoiceFlow.nodes.map((node) =>
      node.type === 'timer' ? { ...node, delay } : node,
    ),
  };
}

function newWorker(): Worker {
  return new Worker({
    connection: testDb.connection,
    connectors: {
      registry,
      configs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
    },
  });
}

/** Moves this process's clock (and with the embedded database, the database's) by `ms`. */
function jump(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

async function send(flowKey: string, event: string, prefix: string): Promise<void> {
  for (let i = 0; i < ORDERS; i++) {
    const orderNumber = `${prefix}-${i}`;
    sent.push({ orderNumber, flowKey });
    await ingestEvent(
      testDb.db,
      {
        type: event,
        correlationKey: orderNumber,
        payload: {
          orderNumber,
          customerId: 'C-100',
          currency: 'USD',
          shipmentId: `SH-${orderNumber}`,
          lines: [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 }],
        },
      },
      { idempotencyKey: randomUUID() },
    );
  }
}

async function timerCounts(flowKey: string): Promise<{ scheduled: number; fired: number }> {
  const rows = await sql<{ status: string; n: number }>`
    select t.status, count(*)::int as n from timers t
    join instances i on i.id = t.instance_id
    where i.flow_key = ${flowKey} group by t.status`.execute(testDb.db);
  const count = (status: string) => rows.rows.find((r) => r.status === status)?.n ?? 0;
  return { scheduled: count('scheduled'), fired: count('fired') };
}

/**
 * No timer of the flow fired before its delay had passed by the database's clock: each timer is
 * due `delay` after it was scheduled (to the millisecond), and its message came no sooner.
 */
async function expectNoneFiredEarly(flowKey: string, delay: string): Promise<void> {
  const early = await sql<{ correlation_key: string }>`
    select i.correlation_key from timers t
    join instances i on i.id = t.instance_id
    left join inbox m on m.instance_id = t.instance_id and m.kind = 'timer'
    where i.flow_key = ${flowKey}
      and (t.due_at <> date_trunc('milliseconds', t.created_at + ${delay}::interval)
           or m.created_at < t.due_at)`.execute(testDb.db);
  expect(early.rows).toEqual([]);
}

/** Each finished instance fired its timer once, got one result, and was invoiced once. */
async function expectExactlyOnce(finished: string[]): Promise<void> {
  const instances = await testDb.db
    .selectFrom('instances')
    .select(['correlation_key', 'outcome'])
    .where('status', '=', 'completed')
    .execute();
  expect(instances.map((i) => [i.correlation_key, i.outcome]).sort()).toEqual(
    [...finished].sort().map((n) => [n, 'invoiced']),
  );
  expect(
    erp
      .invoices()
      .map((i) => i.request.orderNumber)
      .sort(),
  ).toEqual([...finished].sort());
  const repeated = await sql<{ correlation_key: string }>`
    select i.correlation_key from instances i
    where (select count(*) from timers t where t.instance_id = i.id) <> 1
       or (select count(*) from inbox m where m.instance_id = i.id and m.kind = 'timer') > 1
       or (select count(*) from inbox m where m.instance_id = i.id and m.kind = 'effect') > 1
       or (select count(*) from effects e where e.instance_id = i.id) > 1`.execute(testDb.db);
  expect(repeated.rows).toEqual([]);
}

function ordersOf(flowKey: string): string[] {
  return sent.filter((s) => s.flowKey === flowKey).map((s) => s.orderNumber);
}

describe('timers when clocks jump', () => {
  beforeEach(async () => {
    sent = [];
    testDb = await createTestDatabase();
    erp = await startErpSimulator();
    // Only Date is faked, and it keeps running: a clock that can be stepped.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await erp.close();
    await testDb.drop();
  });

  it.skipIf(!process.env.DATABASE_URL)(
    "a worker whose clock is hours off fires timers by the database's clock, once each (Postgres)",
    async () => {
      await deployFlow(testDb.db, waitThenInvoiceFlow, {
        publishedBy: 'test',
        catalogue: registry.catalogue(),
      });
      const key = waitThenInvoiceFlow.key;
      // Six hours ahead: instances started now wait one second by the database's clock.
      jump(6 * HOUR);
      await send(key, 'order.released', 'AHEAD');
      let worker = newWorker();
      await worker.runUntilIdle();
      // Twelve hours back: the next ones too, and none of the first fires before its time.
      jump(-12 * HOUR);
      await send(key, 'order.released', 'BEHIND');
      await worker.runUntilIdle();
      await expectNoneFiredEarly(key, '1 second');

      // No worker runs while they come due; a new one fires each once, its clock still behind.
      worker = newWorker();
      await vi.waitFor(
        async () => {
          const due = await sql<{ all: boolean }>`
            select bool_and(due_at <= now()) as all from timers`.execute(testDb.db);
          expect(due.rows[0]?.all).toBe(true);
        },
        { timeout: 10_000, interval: 100 },
      );
      await worker.runUntilIdle();
      await vi.waitFor(
        async () => {
          await worker.runUntilIdle();
          expect(await timerCounts(key)).toEqual({ scheduled: 0, fired: 2 * ORDERS });
          expect(erp.invoices()).toHaveLength(2 * ORDERS);
        },
        { timeout: 10_000, interval: 100 },
      );
      // Stepping the worker's clock back and forth again fires nothing twice.
      jump(12 * HOUR);
      await worker.runUntilIdle();
      jump(-24 * HOUR);
      await worker.runUntilIdle();
      await expectNoneFiredEarly(key, '1 second');
      await expectExactlyOnce(ordersOf(key));
    },
    30_000,
  );

  it.skipIf(!process.env.DATABASE_URL)(
    "a worker whose clock is hours ahead retries a failed call after its backoff by the database's clock (Postgres)",
    async () => {
      await deployFlow(testDb.db, waitThenInvoiceFlow, {
        publishedBy: 'test',
        catalogue: registry.catalogue(),
      });
      const key = waitThenInvoiceFlow.key;
      erp.faults.configure({ serverErrorRate: 1 });
      jump(6 * HOUR);
      await send(key, 'order.released', 'RETRY');
      const worker = newWorker();
      // Every first call fails (503); each is scheduled again after its backoff (at most 100 ms).
      await vi.waitFor(
        async () => {
          await worker.runUntilIdle();
          const failed = await sql<{ n: number }>`
            select count(*)::int as n from effects where attempts >= 1 and status = 'pending'`.execute(
            testDb.db,
          );
          expect(failed.rows[0]?.n).toBe(ORDERS);
        },
        { timeout: 10_000, interval: 100 },
      );
      const late = await sql<{ n: number }>`
        select count(*)::int as n from effects where next_run_at > now() + interval '1 second'`.execute(
        testDb.db,
      );
      expect(late.rows[0]?.n).toBe(0);
      erp.faults.configure({});
      await vi.waitFor(
        async () => {
          await worker.runUntilIdle();
          expect(erp.invoices()).toHaveLength(ORDERS);
        },
        { timeout: 10_000, interval: 100 },
      );
      await expectExactlyOnce(ordersOf(key));
    },
    30_000,
  );

  it.skipIf(Boolean(process.env.DATABASE_URL))(
    "when the machine's clock jumps, due timers fire once and none is fired again or lost (embedded)",
    async () => {
      const hour = waitingFlow('wait-an-hour', 'order.hour', 'PT1H');
      const tenHours = waitingFlow('wait-ten-hours', 'order.ten-hours', 'PT10H');
      for (const flow of [hour, tenHours])
        await deployFlow(testDb.db, flow, { publishedBy: 'test', catalogue: registry.catalogue() });
      await send(hour.key, 'order.hour', 'HOUR');
      await send(tenHours.key, 'order.ten-hours', 'TEN');
      let worker = newWorker();
      await worker.runUntilIdle();
      expect(await timerCounts(hour.key)).toEqual({ scheduled: ORDERS, fired: 0 });

      // Two hours forward: the one-hour timers fire, once, and the invoices go out once.
      jump(2 * HOUR);
      await worker.runUntilIdle();
      await worker.runUntilIdle();
      expect(await timerCounts(hour.key)).toEqual({ scheduled: 0, fired: ORDERS });
      expect(await timerCounts(tenHours.key)).toEqual({ scheduled: ORDERS, fired: 0 });
      await expectExactlyOnce(ordersOf(hour.key));

      // Three hours back (before the one-hour timers were due): nothing fires again, the
      // ten-hour timers are still there.
      jump(-3 * HOUR);
      await worker.runUntilIdle();
      expect(await timerCounts(hour.key)).toEqual({ scheduled: 0, fired: ORDERS });
      expect(await timerCounts(tenHours.key)).toEqual({ scheduled: ORDERS, fired: 0 });
      await expectExactlyOnce(ordersOf(hour.key));

      // Twelve hours forward while no worker runs: a new worker fires each ten-hour timer once.
      jump(12 * HOUR);
      worker = newWorker();
      await worker.runUntilIdle();
      await worker.runUntilIdle();
      expect(await timerCounts(tenHours.key)).toEqual({ scheduled: 0, fired: ORDERS });
      await expectNoneFiredEarly(hour.key, '1 hour');
      await expectNoneFiredEarly(tenHours.key, '10 hours');
      await expectExactlyOnce(sent.map((s) => s.orderNumber));
    },
    30_000,
  );
});
