/**
 * Crash safety when the database goes away: a private throwaway Postgres cluster (initdb under
 * the temp directory, its own port) is restarted twice while a worker process runs billing-
 * readiness orders. The worker reconnects and goes on; nothing is lost or repeated.
 *
 * Runs only where the PostgreSQL server binaries are installed and can be run (as the `postgres`
 * user when we are root); the shared server of `DATABASE_URL` is never restarted.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startErpSimulator, type ErpSimulator } from '@waybill/connectors-sdk/simulators';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Connection } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { deployBillingReadiness, ingestOrders } from '../bench/billing-load.ts';
import { spawnWorkerProcess } from './worker-process.ts';

const BIN = '/usr/lib/postgresql/15/bin';
const ORDERS = 80;
const available = existsSync(join(BIN, 'initdb')) && process.platform === 'linux';
const asRoot = process.getuid?.() === 0;
const port = 55_000 + Math.floor(Math.random() * 1000);
const url = `postgres://postgres@127.0.0.1:${port}/postgres`;

let dir = '';
let erp: ErpSimulator;
let connection: Connection | null = null;
let worker: ChildProcess | null = null;
let output = '';

/** Runs a server binary, as `postgres` when we are root (the server refuses to run as root). */
function pgCommand(binary: string, args: string[]): void {
  const [command, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(BIN, binary), ...args]]
    : [join(BIN, binary), args];
  execFileSync(command, argv, { stdio: 'ignore' });
}

function pgCtl(action: 'start' | 'stop' | 'restart'): void {
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  pgCommand('pg_ctl', ['-D', join(dir, 'data'), '-o', options, '-m', 'fast', '-w', action]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function remainingWork(): Promise<number> {
  try {
    const result = await sql<{ n: number }>`
      select
        (select count(*) from events where status <> 'routed')
        + (select count(*) from inbox where status <> 'done')
        + (select count(*) from effects where status in ('pending', 'running'))
        + (select count(*) from instances where status = 'running') as n`.execute(connection!.db);
    return Number(result.rows[0]?.n ?? -1);
  } catch {
    return -1; // the server is restarting
  }
}

describe.skipIf(!available)('crash safety: Postgres restarts (private cluster)', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'waybill-pg-'));
    chmodSync(dir, 0o777);
    pgCommand('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres']);
    pgCtl('start');
    erp = await startErpSimulator();
    connection = await connect({ databaseUrl: url, poolSize: 4 });
    await migrateToLatest(connection.db);
    await deployBillingReadiness(connection.db);
  }, 60_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await connection?.close().catch(() => undefined);
    await erp?.close();
    try {
      pgCtl('stop');
    } catch {
      // already stopped
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the worker reconnects and finishes every order exactly once', async () => {
    const { orderNumbers } = await ingestOrders(connection!.db, ORDERS, 'SO-PG', 4);
    worker = spawnWorkerProcess({
      databaseUrl: url,
      erpUrl: erp.url,
      onOutput: (text) => (output += text),
    });
    for (let restart = 0; restart < 2; restart++) {
      await sleep(700 + Math.random() * 600);
      pgCtl('restart');
    }
    const deadline = Date.now() + 80_000;
    while (worker.exitCode === null && (await remainingWork()) !== 0 && Date.now() < deadline) {
      await sleep(250);
    }
    expect(worker.exitCode, `the worker died:\n${output.slice(-2000)}`).toBeNull();
    expect(await remainingWork(), output.slice(-2000)).toBe(0);

    const instances = await connection!.db
      .selectFrom('instances')
      .select(['correlation_key', 'outcome'])
      .execute();
    expect(instances).toHaveLength(ORDERS);
    expect(instances.filter((i) => i.outcome !== 'invoiced')).toEqual([]);
    const booked = erp.invoices().map((i) => i.request.orderNumber);
    expect(booked).toHaveLength(ORDERS);
    expect(new Set(booked)).toEqual(new Set(orderNumbers));
    const mismatched = await sql<{ id: number }>`
      select inbox.id from inbox
      left join audit_log on audit_log.details->'cause'->>'inboxId' = inbox.id::text
      group by inbox.id having count(audit_log.id) <> 1`.execute(connection!.db);
    expect(mismatched.rows).toEqual([]);
  }, 120_000);
});
