/**
 * Crash safety at exact places: for each dangerous point of the worker (inside a transition's
 * transaction before COMMIT, after COMMIT before the wake-up, between a connector call and the
 * recording of its result, between recording and feeding it back, inside the timer and routing
 * transactions), a `waybill worker` started with `WAYBILL_CRASH_AT=<point>` dies there by SIGKILL;
 * a normal worker is then started. Afterwards every instance finished, the ERP booked each
 * invoice once, nothing accepted is left unprocessed, and nothing was written twice: one audit
 * row per transition, one timer and one result message per instance.
 *
 * Needs real Postgres (`DATABASE_URL`): a killed worker must be another process, and an embedded
 * PGlite database cannot be shared between processes.
 */
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { startErpSimulator, type ErpSimulator } from '@waybill/connectors-sdk/simulators';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrashPoint } from '../src/engine/crash-points.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { waitThenInvoiceFlow } from './flows.ts';
import { spawnWorkerProcess } from './worker-process.ts';

const ORDERS_PER_POINT = 8;

/** The points a worker passes, and on which pass it dies. */
const WORKER_POINTS: { point: CrashPoint; nth: number }[] = [
  { point: 'route.before-commit', nth: 1 },
  { point: 'timer.before-commit', nth: 1 },
  { point: 'advance.before-commit', nth: 1 },
  { point: 'advance.after-commit', nth: 1 },
  { point: 'effect.after-call', nth: 1 },
  { point: 'effect.before-record-commit', nth: 1 },
  { point: 'effect.after-record', nth: 1 },
];

let testDb: TestDatabase;
let erp: ErpSimulator;
const children = new Set<ChildProcess>();
const orderNumbers: string[] = [];

interface Spawned {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnWorker(crashAt?: string): Spawned {
  let output = '';
  const child = spawnWorkerProcess({
    databaseUrl: testDb.url,
    erpUrl: erp.url,
    ...(crashAt ? { env: { WAYBILL_CRASH_AT: crashAt } } : {}),
    onOutput: (text) => (output += text),
  });
  children.add(child);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => output, exit };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function remainingWork(): Promise<number> {
  const result = await sql<{ n: number }>`
    select
      (select count(*) from events where status <> 'routed')
      + (select count(*) from inbox where status <> 'done')
      + (select count(*) from timers where status = 'scheduled')
      + (select count(*) from effects where status in ('pending', 'running'))
      + (select count(*) from instances where status = 'running') as n`.execute(testDb.db);
  return Number(result.rows[0]?.n ?? 0);
}

async function ingestOrders(prefix: string): Promise<void> {
  for (let i = 0; i < ORDERS_PER_POINT; i++) {
    const orderNumber = `${prefix}-${i}`;
    orderNumbers.push(orderNumber);
    await ingestEvent(
      testDb.db,
      {
        type: 'order.released',
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

/** Counts rows of a query that lists violations (expected: none). */
async function rowsOf<T>(query: ReturnType<typeof sql<T>>): Promise<T[]> {
  return (await query.execute(testDb.db)).rows;
}

/** Everything accepted so far was processed exactly once. */
async function expectExactlyOnce(context: string): Promise<void> {
  const instances = await testDb.db
    .selectFrom('instances')
    .select(['correlation_key', 'status', 'outcome'])
    .execute();
  expect(instances.map((i) => i.correlation_key).sort(), context).toEqual([...orderNumbers].sort());
  expect(
    instances.filter((i) => i.outcome !== 'invoiced'),
    context,
  ).toEqual([]);

  // The ERP booked each order's invoice once (a repeated call is answered as a duplicate).
  const booked = erp.invoices().map((i) => i.request.orderNumber);
  expect(booked.sort(), context).toEqual([...orderNumbers].sort());

  const events = await rowsOf(sql<{ n: number }>`
    select count(*)::int as n from events where status = 'routed'`);
  expect(events[0]?.n, context).toBe(orderNumbers.length);

  // One audit row per transition: a start and a completion per instance, one row per message.
  const kinds = await rowsOf(sql<{ kind: string; n: number }>`
    select kind, count(*)::int as n from audit_log where instance_id is not null
    group by kind order by kind`);
  expect(kinds, context).toEqual([
    { kind: 'completed', n: orderNumbers.length },
    { kind: 'started', n: orderNumbers.length },
    { kind: 'transition', n: orderNumbers.length },
  ]);
  const unaudited = await rowsOf(sql<{ id: number; rows: number }>`
    select inbox.id, count(audit_log.id)::int as rows from inbox
    left join audit_log on audit_log.details->'cause'->>'inboxId' = inbox.id::text
    group by inbox.id having count(audit_log.id) <> 1`);
  expect(unaudited, context).toEqual([]);

  // Per instance: one timer, fired once; one call, one result fed back.
  const perInstance = await rowsOf(sql<{ correlation_key: string }>`
    select i.correlation_key from instances i
    where (select count(*) from timers t where t.instance_id = i.id and t.status = 'fired') <> 1
       or (select count(*) from inbox m where m.instance_id = i.id and m.kind = 'timer') <> 1
       or (select count(*) from effects e where e.instance_id = i.id and e.status = 'succeeded') <> 1
       or (select count(*) from inbox m where m.instance_id = i.id and m.kind = 'effect') <> 1`);
  expect(perInstance, context).toEqual([]);
}

describe.skipIf(!process.env.DATABASE_URL)(
  'crash points (needs Postgres: set DATABASE_URL)',
  () => {
    beforeAll(async () => {
      testDb = await createTestDatabase();
      erp = await startErpSimulator();
      await deployFlow(testDb.db, waitThenInvoiceFlow, {
        publishedBy: 'test',
        catalogue: new ConnectorRegistry([erpSandboxConnector]).catalogue(),
      });
    });
    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL');
      await erp?.close();
      await testDb?.drop();
    });

    it.each(WORKER_POINTS)(
      'a worker killed at $point (pass $nth) loses and repeats nothing',
      async ({ point, nth }) => {
        await ingestOrders(point);
        const calls = erp.requests();

        const crashing = spawnWorker(`${point}:${nth}`);
        const died = await within(crashing.exit, 20_000, `worker crashing at ${point}`);
        expect(died.signal, crashing.output()).toBe('SIGKILL');
        expect(crashing.output()).toContain(`waybill crash point ${point} reached`);
        if (point === 'effect.after-call') {
          // The ERP booked a call whose result the engine never saw.
          expect(erp.requests()).toBeGreaterThan(calls);
          const unrecorded = await rowsOf(sql<{ n: number }>`
            select count(*)::int as n from effects where status = 'running'`);
          expect(unrecorded[0]?.n).toBeGreaterThan(0);
        }
        if (point === 'effect.after-record') {
          // A result was recorded (and committed) before the worker died.
          const recorded = await rowsOf(sql<{ n: number }>`
            select count(*)::int as n from effects where status = 'succeeded'`);
          expect(recorded[0]?.n).toBeGreaterThan(orderNumbers.length - ORDERS_PER_POINT);
        }

        const worker = spawnWorker();
        const deadline = Date.now() + 20_000;
        while ((await remainingWork()) > 0 && Date.now() < deadline) await sleep(100);
        worker.child.kill('SIGTERM');
        const stopped = await within(worker.exit, 10_000, 'worker stopping');
        expect(stopped.code, worker.output()).toBe(0);
        expect(await remainingWork(), worker.output()).toBe(0);
        await expectExactlyOnce(`after a crash at ${point}:${nth}\n${worker.output()}`);
        if (point === 'effect.after-call' || point === 'effect.before-record-commit') {
          // The call was made again after the crash, with the same idempotency key.
          expect(erp.invoices().some((i) => i.requestCount > 1)).toBe(true);
        }
      },
      45_000,
    );
  },
);
