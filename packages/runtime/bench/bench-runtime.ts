/**
 * Runtime benchmark: billing-readiness orders through W workers against `DATABASE_URL` (a fresh
 * database on that server, dropped afterwards) or the embedded PGlite, with the ERP simulator.
 *
 * ```sh
 * pnpm bench:runtime -- --invoices 1000 --workers 2
 * ```
 *
 * Prints a results line per measurement and, last, the ★ JSON object:
 * `{"invoices","workers","seconds","invoicesPerSec","transitionsPerSec","p50LatencyMs",
 *   "p99LatencyMs","peakRssMb","exactlyOnce", …}` plus, on Postgres, the raw commit rate of a
 * transaction of the same shape (one UPDATE of a jsonb row + two INSERTs) and our ratio to it.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from '@waybill/connectors-sdk/simulators';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { connect, type Connection } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import { Worker } from '../src/engine/worker.ts';
import { createTestDatabase } from '../src/testing.ts';
import { deployBillingReadiness, ingestOrders } from './billing-load.ts';

const { values } = parseArgs({
  options: {
    invoices: { type: 'string', default: '500' },
    workers: { type: 'string', default: '1' },
    /** Run workers as separate processes (Postgres only; default on Postgres). */
    'in-process': { type: 'boolean', default: false },
    'raw-seconds': { type: 'string', default: '3' },
    /**
     * Accept every event before the workers start and time only the draining: the engine's
     * capacity without the per-event commits of ingestion (latencies then include queueing).
     */
    backlog: { type: 'boolean', default: false },
    /** Concurrent event senders (default 8). */
    senders: { type: 'string', default: '8' },
  },
  allowPositionals: true,
  // `pnpm bench:runtime -- --invoices N` passes the `--` along; options follow it.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
});
const invoices = Number(values.invoices);
const workers = Number(values.workers);
const databaseUrl = process.env.DATABASE_URL;
const inProcess = values['in-process'] || !databaseUrl;
const workerMain = fileURLToPath(new URL('../src/engine/worker.main.ts', import.meta.url));

const erp = await startErpSimulator();
const connectors = {
  registry: new ConnectorRegistry([erpSandboxConnector]),
  configs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
};

let db: Kysely<Database>;
let url = 'memory://';
let main: Connection;
let drop: () => Promise<void>;
if (databaseUrl) {
  const testDb = await createTestDatabase({ databaseUrl });
  db = testDb.db;
  url = testDb.url;
  main = testDb.connection;
  drop = () => testDb.drop();
} else {
  main = await connect({ dataDir: 'memory://' });
  await migrateToLatest(main.db);
  db = main.db;
  drop = () => main.close();
}
await deployBillingReadiness(db);

// The upstream systems: their own connections, as the API's would be.
const senders = Number(values.senders);
const ingress = databaseUrl ? await connect({ databaseUrl: url, poolSize: senders }) : main;
let events = 0;
let ingestSeconds = 0;
async function ingest(): Promise<void> {
  const from = performance.now();
  events = (await ingestOrders(ingress.db, invoices, 'SO-B', senders)).events;
  ingestSeconds = (performance.now() - from) / 1000;
}
if (values.backlog) await ingest();

// Live mode: workers first, then the load arrives while they run (latency is event → transition).
const spawnedAt = performance.now();
const inProcessWorkers: Worker[] = [];
const children: ChildProcess[] = [];
const childRss: number[] = [];
for (let i = 0; i < workers; i++) {
  if (inProcess) {
    const connection = databaseUrl ? await connect({ databaseUrl: url, poolSize: 4 }) : main;
    const worker = new Worker({ connection, connectors, pollIntervalMs: 50 });
    worker.start();
    inProcessWorkers.push(worker);
  } else {
    const child = spawn(process.execPath, [workerMain], {
      env: { ...process.env, DATABASE_URL: url, ERP_URL: erp.url, WAYBILL_POLL_MS: '50' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      const match = /rss (\d+)/.exec(chunk.toString());
      if (match?.[1]) childRss.push(Number(match[1]));
    });
    await new Promise<void>((resolve) =>
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('worker ready')) resolve();
      }),
    );
    children.push(child);
  }
}

// A backlog starts draining as soon as the first worker is up.
const started = values.backlog ? spawnedAt : performance.now();
if (!values.backlog) await ingest();
while (true) {
  const left = await sql<{ n: number }>`
    select count(*)::int as n from instances where status = 'running'`.execute(db);
  const done = await sql<{ n: number }>`select count(*)::int as n from instances`.execute(db);
  if (left.rows[0]?.n === 0 && done.rows[0]?.n === invoices) break;
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const seconds = (performance.now() - started) / 1000;

for (const worker of inProcessWorkers) await worker.stop();
if (ingress !== main) await ingress.close();
await Promise.all(
  children.map(
    (child) =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  ),
);

const transitions = await sql<{ n: number }>`
  select count(*)::int as n from audit_log where kind in ('started', 'transition', 'completed')`.execute(
  db,
);
const latency = await sql<{ p50: number; p99: number }>`
  select percentile_cont(0.5) within group (order by ms) as p50,
         percentile_cont(0.99) within group (order by ms) as p99
  from (
    select extract(epoch from (a.at - e.received_at)) * 1000 as ms
    from audit_log a join events e on e.id::text = coalesce(a.details->'cause'->>'eventId', '')
    where a.kind in ('started', 'transition', 'completed')
  ) t`.execute(db);
const exactlyOnce = await checkExactlyOnce(db);
const raw = databaseUrl ? await rawCommitRate(url, workers, Number(values['raw-seconds'])) : null;

await erp.close();
await drop();

const transitionsPerSec = (transitions.rows[0]?.n ?? 0) / seconds;
const peakRssMb = Math.round(
  Math.max(process.resourceUsage().maxRSS / 1024, ...childRss.map((kb) => kb / 1024)),
);
const result = {
  invoices,
  workers,
  seconds: round(seconds),
  invoicesPerSec: round(invoices / seconds),
  transitionsPerSec: round(transitionsPerSec),
  p50LatencyMs: round(Number(latency.rows[0]?.p50 ?? 0)),
  p99LatencyMs: round(Number(latency.rows[0]?.p99 ?? 0)),
  peakRssMb,
  exactlyOnce,
  database: databaseUrl ? 'postgres' : 'pglite',
  mode: values.backlog ? 'backlog' : 'live',
  events,
  ingestSeconds: round(ingestSeconds),
  ...(raw === null
    ? {}
    : { rawCommitsPerSec: round(raw), ratioToRaw: round(transitionsPerSec / raw) }),
};
process.stdout.write(
  `billing-readiness: ${invoices} invoices, ${workers} worker(s) on ${result.database}: ` +
    `${result.invoicesPerSec} invoices/s, ${result.transitionsPerSec} transitions/s, ` +
    `p50 ${result.p50LatencyMs} ms, p99 ${result.p99LatencyMs} ms` +
    (raw === null ? '' : `; raw commits ${round(raw)}/s, ratio ${result.ratioToRaw}`) +
    '\n',
);
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(0);

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Every order invoiced, the ERP booked each once, and every consumed message caused exactly
 * one audited transition.
 */
async function checkExactlyOnce(db: Kysely<Database>): Promise<boolean> {
  const instances = await db
    .selectFrom('instances')
    .select(['correlation_key', 'outcome'])
    .execute();
  const invoiced = new Set(
    instances.filter((i) => i.outcome === 'invoiced').map((i) => i.correlation_key),
  );
  const booked = erp.invoices().map((i) => i.request.orderNumber);
  const mismatched = await sql<{ id: number }>`
    select inbox.id from inbox
    left join audit_log on audit_log.details->'cause'->>'inboxId' = inbox.id::text
    group by inbox.id having count(audit_log.id) <> 1`.execute(db);
  return (
    instances.length === invoices &&
    invoiced.size === invoices &&
    booked.length === invoices &&
    new Set(booked).size === invoices &&
    booked.every((orderNumber) => invoiced.has(orderNumber)) &&
    mismatched.rows.length === 0
  );
}

/**
 * Commits per second of the transaction shape of one transition (UPDATE one jsonb row, INSERT
 * two rows) over `clients` connections for `seconds`, on the same Postgres.
 */
async function rawCommitRate(url: string, clients: number, seconds: number): Promise<number> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`CREATE TABLE raw_state (id int PRIMARY KEY, doc jsonb NOT NULL);
    CREATE TABLE raw_a (id bigserial PRIMARY KEY, state_id int, body jsonb);
    CREATE TABLE raw_b (id bigserial PRIMARY KEY, state_id int, body jsonb);
    INSERT INTO raw_state SELECT g, '{"value":"x"}' FROM generate_series(1, 1000) g;`);
  await setup.end();
  const doc = JSON.stringify({ value: 'readyToBill', context: { order: { lines: [1, 2, 3] } } });
  const until = performance.now() + seconds * 1000;
  const counts = await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      let n = 0;
      while (performance.now() < until) {
        const id = 1 + ((n * clients + c) % 1000);
        await client.query('BEGIN');
        await client.query('UPDATE raw_state SET doc = $1 WHERE id = $2', [doc, id]);
        await client.query('INSERT INTO raw_a (state_id, body) VALUES ($1, $2)', [id, doc]);
        await client.query('INSERT INTO raw_b (state_id, body) VALUES ($1, $2)', [id, doc]);
        await client.query('COMMIT');
        n += 1;
      }
      await client.end();
      return n;
    }),
  );
  return counts.reduce((a, b) => a + b, 0) / seconds;
}
