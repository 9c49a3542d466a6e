/**
 * Backup and restore on Postgres: `pg_dump -Fc` of a database while a worker process runs
 * billing-readiness orders (some at the readiness gate with their POD timers, some with invoice
 * calls in flight), `pg_restore` into a fresh database, a worker on the restored copy, the
 * remaining events sent there. Every order ends invoiced, and the ERP booked each invoice once:
 * calls that were in flight at dump time, and completed by the first worker afterwards, are
 * repeated after the restore with the same idempotency key and answered as duplicates.
 *
 * Needs real Postgres (`DATABASE_URL`) and its client tools (`pg_dump`, `pg_restore`).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startErpSimulator, type ErpSimulator } from '@waybill/connectors-sdk/simulators';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployBillingReadiness, orderEvents } from '../bench/billing-load.ts';
import { backupPostgres, restorePostgres } from '../src/db/backup.ts';
import { connect, type Connection } from '../src/db/connect.ts';
import type { Database } from '../src/db/schema.ts';
import { ingestEvents } from '../src/engine/ingest.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { spawnWorkerProcess } from './worker-process.ts';

const ORDERS = 60;
const orderNumbers = Array.from({ length: ORDERS }, (_, i) => `SO-R-${i + 1}`);
/** Each order's events, by step: release, shipment, pricing, POD (C-200 customers only). */
const step = (index: number, from = 0, to = ORDERS) =>
  orderNumbers.flatMap((n, i) => orderEvents(n, i)[index] ?? []).slice(from, to);

/** The Debian server's tools first (matching the test server), else those on PATH. */
const debianBin = '/usr/lib/postgresql/15/bin';
const binDir = existsSync(join(debianBin, 'pg_dump')) ? debianBin : undefined;
const toolsFound = ['pg_dump', 'pg_restore'].every(
  (tool) => spawnSync(binDir ? join(binDir, tool) : tool, ['--version']).status === 0,
);

let source: TestDatabase;
let restored: Connection | undefined;
let restoredName: string | undefined;
let erp: ErpSimulator;
let dir: string;
const children = new Set<ChildProcess>();
let output = '';

function spawnWorker(databaseUrl: string): ChildProcess {
  const child = spawnWorkerProcess({
    databaseUrl,
    erpUrl: erp.url,
    effectLeaseMs: 2000,
    onOutput: (text) => (output += text),
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output}`);
    await sleep(100);
  }
}

async function send(db: Kysely<Database>, events: ReturnType<typeof step>): Promise<void> {
  await ingestEvents(
    db,
    events.map((event) => ({ event, idempotencyKey: randomUUID() })),
  );
}

/** Whether nothing is left to route, consume or call (instances may still wait for events). */
async function idle(db: Kysely<Database>): Promise<boolean> {
  const result = await sql<{ n: number }>`
    select
      (select count(*) from events where status <> 'routed')
      + (select count(*) from inbox where status <> 'done')
      + (select count(*) from effects where status in ('pending', 'running')) as n`.execute(db);
  return Number(result.rows[0]?.n ?? 0) === 0;
}

async function waiting(db: Kysely<Database>): Promise<number> {
  const rows = await db
    .selectFrom('instances')
    .select('id')
    .where('status', '=', 'running')
    .execute();
  return rows.length;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const skipReason = !process.env.DATABASE_URL
  ? ' (needs Postgres: set DATABASE_URL)'
  : toolsFound
    ? ''
    : ' (needs pg_dump and pg_restore on PATH)';

describe.skipIf(!process.env.DATABASE_URL || !toolsFound)(
  `backup and restore on Postgres${skipReason}`,
  () => {
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'waybill-pgdump-'));
      source = await createTestDatabase();
      erp = await startErpSimulator();
      await deployBillingReadiness(source.db);
    });
    afterAll(async () => {
      for (const child of children) await killHard(child);
      await restored?.close();
      if (restoredName) await adminQuery(`DROP DATABASE IF EXISTS ${restoredName} WITH (FORCE)`);
      await erp?.close();
      await source?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('restores a dump taken while a worker runs, and the instances go on', async () => {
      // All released and shipped: every instance waits at the readiness gate.
      await send(source.db, [...step(0), ...step(1)]);
      const first = spawnWorker(source.url);
      await waitFor('the orders to reach the gate', () => idle(source.db));
      // Two thirds priced, and slow invoice calls, so the dump catches some of them in flight.
      erp.faults.configure({ latencyMs: 400 });
      await send(source.db, step(2, 0, 40));
      await waitFor('invoice calls in flight', async () => {
        const running = await source.db
          .selectFrom('effects')
          .select('id')
          .where('node_id', '=', 'postInvoice')
          .where('status', '=', 'running')
          .execute();
        return running.length > 0;
      });
      const file = join(dir, 'waybill.dump');
      await backupPostgres(source.url, file, { binDir });
      // The first site goes on a little, then is lost.
      await waitFor('the first worker to finish', () => idle(source.db));
      await killHard(first);
      const bookedBeforeRestore = new Set(erp.invoices().map((i) => i.request.orderNumber));

      restoredName = `waybill_t_${randomBytes(6).toString('hex')}`;
      await adminQuery(`CREATE DATABASE ${restoredName}`);
      const url = new URL(source.url);
      url.pathname = `/${restoredName}`;
      await restorePostgres(file, url.toString(), { binDir });
      restored = await connect({ databaseUrl: url.toString(), poolSize: 2 });
      const db = restored.db;

      // What the dump held: waiting instances with their timers, invoice calls not yet done.
      const carried = await db
        .selectFrom('effects')
        .innerJoin('instances', 'instances.id', 'effects.instance_id')
        .select(['instances.correlation_key', 'effects.idempotency_key'])
        .where('effects.node_id', '=', 'postInvoice')
        .where('effects.status', 'in', ['pending', 'running'])
        .execute();
      const repeated = carried.filter((c) => bookedBeforeRestore.has(c.correlation_key));
      expect(repeated.length, 'calls in flight at dump time').toBeGreaterThan(0);
      const scheduled = await db
        .selectFrom('timers')
        .select('id')
        .where('status', '=', 'scheduled')
        .execute();
      expect(scheduled.length).toBeGreaterThan(0);

      spawnWorker(url.toString());
      await send(db, [...step(2, 40), ...step(3)]);
      await waitFor(
        'the restored worker to finish',
        async () => (await idle(db)) && (await waiting(db)) === 0,
      );

      const instances = await db
        .selectFrom('instances')
        .select(['correlation_key', 'outcome'])
        .execute();
      expect(instances).toHaveLength(ORDERS);
      expect(instances.filter((i) => i.outcome !== 'invoiced')).toEqual([]);
      // Each invoice booked once, the repeated calls included (same idempotency keys).
      const booked = erp.invoices().map((i) => i.request.orderNumber);
      expect(booked.sort()).toEqual([...orderNumbers].sort());
      const keys = await db
        .selectFrom('effects')
        .select(['idempotency_key', 'status', 'attempts'])
        .where(
          'idempotency_key',
          'in',
          repeated.map((r) => r.idempotency_key),
        )
        .execute();
      expect(keys.map((k) => k.status)).toEqual(repeated.map(() => 'succeeded'));
      // No POD deadline came due: the timers the dump held were cancelled, none fired.
      const timers = await db.selectFrom('timers').select('status').execute();
      expect(timers.filter((t) => t.status !== 'cancelled')).toEqual([]);
    }, 120_000);
  },
);
