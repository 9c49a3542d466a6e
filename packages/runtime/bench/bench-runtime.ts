/**
 * Runtime benchmark: billing-readiness orders through W workers against `DATABASE_URL` (a fresh
 * database on that server, dropped afterwards) or the embedded PGlite, with the ERP simulator.
 *
 * ```sh
 * pnpm bench:runtime -- --invoices 1000 --workers 2        # one run
 * pnpm bench:runtime -- --invoices 300 --matrix            # 1, 2, 4 workers × Postgres, PGlite
 * ```
 *
 * A run prints progress every two seconds, a results line and, last, the ★ JSON object:
 * `{"invoices","workers","seconds","invoicesPerSec","transitionsPerSec","p50LatencyMs",
 *   "p99LatencyMs","peakRssMb","exactlyOnce", …}` plus, on Postgres, the raw commit rate of a
 * transaction of the same shape (one UPDATE of a jsonb row + two INSERTs) and our ratio to it.
 *
 * `--matrix` runs each combination in a child process of its own (so peak RSS and PGlite's
 * memory belong to one run), plus a paced run at `--latency-rate` invoices/s on Postgres with 2
 * workers for the latency goal, prints a Markdown table and, last, the JSON object of the
 * Postgres 2-worker run with every run under `runs`.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from '@waybill/connectors-sdk/simulators';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { connect, type Connection } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import { engineMetrics } from '../src/engine/metrics.ts';
import { Worker } from '../src/engine/worker.ts';
import { createTestDatabase } from '../src/testing.ts';
import { deployBillingReadiness, ingestOrders } from './billing-load.ts';
import { freePort, waitHealthy } from './processes.ts';

const { values } = parseArgs({
  options: {
    invoices: { type: 'string', default: '500' },
    workers: { type: 'string', default: '1' },
    /** Run workers in the benchmark's process (always so on PGlite, which one process owns). */
    'in-process': { type: 'boolean', default: false },
    'raw-seconds': { type: 'string', default: '3' },
    /**
     * Accept every event before the workers start and time only the draining: the engine's
     * capacity without ingestion (latencies then include queueing).
     */
    backlog: { type: 'boolean', default: false },
    /** Concurrent event senders (default 16). */
    senders: { type: 'string', default: '16' },
    /** Offered load in invoices per second (default: as fast as events are acknowledged). */
    rate: { type: 'string' },
    /**
     * With `--rate`: seconds between an order's events (default 1; 0 sends them back to back, so
     * most arrive while the instance still waits for its ERP call and their latency includes it).
     */
    spread: { type: 'string', default: '1' },
    /** Seconds from the first event after which latency also counts as warmed up (default 5). */
    warmup: { type: 'string', default: '5' },
    /** Give up after this many seconds (the run then reports `exactlyOnce: false`). */
    timeout: { type: 'string', default: '300' },
    matrix: { type: 'boolean', default: false },
    /** The paced run of `--matrix` (default 150 invoices/s, half the 300/s goal). */
    'latency-rate': { type: 'string', default: '150' },
  },
  allowPositionals: true,
  // `pnpm bench:runtime -- --invoices N` passes the `--` along; options follow it.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
});

if (values.matrix) await runMatrix();
else await runOnce();

type RunResult = Record<string, unknown> & {
  workers: number;
  database: string;
  exactlyOnce: boolean;
};

function log(line: string): void {
  process.stdout.write(line + '\n');
}

function nullableMs(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : round(Number(value));
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** One measurement: the ★ JSON object as the last line. */
async function runOnce(): Promise<void> {
  const invoices = Number(values.invoices);
  const workers = Number(values.workers);
  const databaseUrl = process.env.DATABASE_URL;
  const inProcess = values['in-process'] || !databaseUrl;
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  const spread = Number(values.spread);
  const warmupSeconds = Number(values.warmup);
  const timeoutMs = Number(values.timeout) * 1000;
  const cliMain = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

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
  const database = databaseUrl ? 'postgres' : 'pglite';
  const mode = values.backlog ? 'backlog' : rate === undefined ? 'live' : 'paced';
  log(
    `bench: ${invoices} invoices, ${workers} worker(s) ${inProcess ? 'in-process' : 'as processes'} ` +
      `on ${database}, ${mode}${rate === undefined ? '' : ` at ${rate}/s, an order's events ${spread} s apart`}; ` +
      `load average ${loadavg()
        .map((n) => n.toFixed(2))
        .join(' ')}`,
  );

  // The upstream systems: their own connections, as the API's would be.
  const senders = Number(values.senders);
  const ingress = databaseUrl ? await connect({ databaseUrl: url, poolSize: 4 }) : main;
  let events = 0;
  let ingestSeconds = 0;
  async function ingest(): Promise<void> {
    const from = performance.now();
    events = (
      await ingestOrders(ingress.db, invoices, 'SO-B', senders, {
        ...(rate === undefined ? {} : { ratePerSec: rate, spreadSeconds: spread }),
      })
    ).events;
    ingestSeconds = (performance.now() - from) / 1000;
    log(`  ${events} events accepted in ${round(ingestSeconds)} s`);
  }
  if (values.backlog) await ingest();

  // Workers first, then the load arrives while they run (latency is event → transition).
  const spawnedAt = performance.now();
  const inProcessWorkers: Worker[] = [];
  const children: ChildProcess[] = [];
  const healthPorts: number[] = [];
  for (let i = 0; i < workers; i++) {
    if (inProcess) {
      const connection = databaseUrl ? await connect({ databaseUrl: url, poolSize: 4 }) : main;
      const worker = new Worker({ connection, connectors, pollIntervalMs: 50 });
      worker.start();
      inProcessWorkers.push(worker);
    } else {
      // The production worker process, with its health endpoint as an orchestrator would use.
      const healthPort = await freePort();
      const child = spawn(
        process.execPath,
        [cliMain, 'worker', '--health-port', String(healthPort), '--health-host', '127.0.0.1'],
        {
          env: {
            ...process.env,
            DATABASE_URL: url,
            WAYBILL_ERP_URL: erp.url,
            WAYBILL_POLL_MS: '50',
            WAYBILL_POOL_SIZE: '4',
            WAYBILL_LOG_LEVEL: 'warn',
          },
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      children.push(child);
      healthPorts.push(healthPort);
      await waitHealthy(healthPort, child);
    }
  }

  // A backlog starts draining as soon as the first worker is up.
  const started = values.backlog ? spawnedAt : performance.now();
  const progress = setInterval(() => {
    void counts(db).then(
      (c) =>
        log(
          `  ${round((performance.now() - started) / 1000)} s: ${c.events} events accepted, ` +
            `${c.finished}/${invoices} instances finished, ${c.transitions} transitions`,
        ),
      () => undefined,
    );
  }, 2_000);
  const ingesting = values.backlog ? Promise.resolve() : ingest();
  let timedOut = false;
  while (true) {
    const c = await counts(db);
    if (c.instances === invoices && c.finished === invoices) break;
    if (performance.now() - started > timeoutMs) {
      timedOut = true;
      log(`  gave up after ${values.timeout} s`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(progress);
  await ingesting;

  for (const worker of inProcessWorkers) await worker.stop();
  if (ingress !== main) await ingress.close();
  const childRssKb = children.map((child) => peakRssKb(child.pid));
  // Where the workers spent their time (the phase timer of each worker process, or of this one).
  const phaseTexts = inProcess
    ? [engineMetrics.toPrometheus()]
    : await Promise.all(
        healthPorts.map((port) =>
          fetch(`http://127.0.0.1:${port}/metrics`).then(
            (r) => r.text(),
            () => '',
          ),
        ),
      );
  phaseTexts.forEach((text, i) =>
    log(`  ${inProcess ? 'workers (summed)' : `worker ${i + 1}`}: ${phaseSummary(text)}`),
  );
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
    select count(*)::int as n from audit_log
    where kind in ('started', 'transition', 'completed')`.execute(db);
  // Over the whole run, and once warmed up: the first seconds include compiling the flows,
  // filling the connection pools and the JIT, which a process that keeps running pays once.
  const latency = await sql<{
    p50: number;
    p99: number;
    steady_p50: number | null;
    steady_p99: number | null;
  }>`
    with l as (
      select e.received_at, extract(epoch from (a.at - e.received_at)) * 1000 as ms
      from audit_log a join events e on e.id::text = coalesce(a.details->'cause'->>'eventId', '')
      where a.kind in ('started', 'transition', 'completed')
    ), warm as (
      select ms from l where received_at >= (select min(received_at) from l) + make_interval(secs => ${warmupSeconds})
    )
    select percentile_cont(0.5) within group (order by ms) as p50,
           percentile_cont(0.99) within group (order by ms) as p99,
           (select percentile_cont(0.5) within group (order by ms) from warm) as steady_p50,
           (select percentile_cont(0.99) within group (order by ms) from warm) as steady_p99
    from l`.execute(db);
  // By event type: an event that arrives while its instance waits for a connector call is
  // applied after that call's result, so its latency includes the call.
  const byType = await sql<{ type: string; n: number; p50: number; p99: number }>`
    select e.type, count(*)::int as n,
           percentile_cont(0.5) within group (order by extract(epoch from (a.at - e.received_at)) * 1000) as p50,
           percentile_cont(0.99) within group (order by extract(epoch from (a.at - e.received_at)) * 1000) as p99
    from audit_log a join events e on e.id::text = coalesce(a.details->'cause'->>'eventId', '')
    where a.kind in ('started', 'transition', 'completed')
    group by e.type order by e.type`.execute(db);
  log(
    '  latency by event type: ' +
      byType.rows
        .map((r) => `${r.type} p50 ${round(Number(r.p50))} ms, p99 ${round(Number(r.p99))} ms`)
        .join('; '),
  );
  const exactlyOnce = !timedOut && (await checkExactlyOnce(db, invoices, erp.invoices()));
  const raw = databaseUrl ? await rawCommitRate(url, workers, Number(values['raw-seconds'])) : null;

  await erp.close();
  await drop();

  const transitionsPerSec = (transitions.rows[0]?.n ?? 0) / seconds;
  const peakRssMb = Math.round(
    Math.max(process.resourceUsage().maxRSS, ...childRssKb.filter((kb) => kb > 0)) / 1024,
  );
  const result = {
    invoices,
    workers,
    seconds: round(seconds),
    invoicesPerSec: round(invoices / seconds),
    transitionsPerSec: round(transitionsPerSec),
    p50LatencyMs: round(Number(latency.rows[0]?.p50 ?? 0)),
    p99LatencyMs: round(Number(latency.rows[0]?.p99 ?? 0)),
    warmupSeconds,
    // Null when the run ended within its warm-up.
    steadyP50LatencyMs: nullableMs(latency.rows[0]?.steady_p50),
    steadyP99LatencyMs: nullableMs(latency.rows[0]?.steady_p99),
    peakRssMb,
    exactlyOnce,
    database,
    mode,
    ...(rate === undefined ? {} : { ratePerSec: rate, spreadSeconds: spread }),
    ...(timedOut ? { timedOut } : {}),
    events,
    ingestSeconds: round(ingestSeconds),
    loadAverage: round(loadavg()[0] ?? 0),
    ...(raw === null
      ? {}
      : { rawCommitsPerSec: round(raw), ratioToRaw: round(transitionsPerSec / raw) }),
  };
  log(
    `billing-readiness: ${invoices} invoices, ${workers} worker(s) on ${database}: ` +
      `${result.invoicesPerSec} invoices/s, ${result.transitionsPerSec} transitions/s, ` +
      `p50 ${result.p50LatencyMs} ms, p99 ${result.p99LatencyMs} ms ` +
      (result.steadyP99LatencyMs === null
        ? `(the run ended within its ${warmupSeconds} s warm-up), `
        : `(after ${warmupSeconds} s: p50 ${result.steadyP50LatencyMs} ms, p99 ${result.steadyP99LatencyMs} ms), `) +
      `exactlyOnce ${exactlyOnce}` +
      (raw === null ? '' : `; raw commits ${round(raw)}/s, ratio ${result.ratioToRaw}`),
  );
  log(JSON.stringify(result));
  process.exit(0);
}

/** Every combination in a child process of its own; a table and the headline JSON last. */
async function runMatrix(): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const databaseUrl = process.env.DATABASE_URL;
  const common = ['--invoices', values.invoices, '--senders', values.senders];
  common.push('--timeout', values.timeout, '--raw-seconds', values['raw-seconds']);
  const plan: { database: 'postgres' | 'pglite'; workers: number; rate?: string }[] = [];
  if (databaseUrl) {
    for (const workers of [1, 2, 4]) plan.push({ database: 'postgres', workers });
    plan.push({ database: 'postgres', workers: 2, rate: values['latency-rate'] });
  } else {
    log('bench: DATABASE_URL is not set; measuring PGlite only');
  }
  for (const workers of [1, 2, 4]) plan.push({ database: 'pglite', workers });

  const runs: RunResult[] = [];
  for (const step of plan) {
    const env = { ...process.env };
    if (step.database === 'pglite') delete env.DATABASE_URL;
    const args = [script, ...common, '--workers', String(step.workers)];
    if (step.rate !== undefined) args.push('--rate', step.rate);
    const last = await new Promise<string>((resolve) => {
      const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        process.stdout.write(chunk);
      });
      child.once('exit', () => resolve(text.trim().split('\n').pop() ?? ''));
    });
    try {
      runs.push(JSON.parse(last) as RunResult);
    } catch {
      runs.push({ workers: step.workers, database: step.database, exactlyOnce: false });
    }
  }

  log('');
  log(
    '| database | workers | mode | seconds | invoices/s | transitions/s | p50 ms | p99 ms | peak RSS MB | exactlyOnce | raw commits/s | ratio | load avg |',
  );
  log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of runs) {
    const cell = (key: string): string => {
      const value = r[key];
      return typeof value === 'number' || typeof value === 'string' ? String(value) : '–';
    };
    const mode = r.ratePerSec === undefined ? cell('mode') : `paced ${cell('ratePerSec')}/s`;
    log(
      `| ${r.database} | ${r.workers} | ${mode} | ${cell('seconds')} | ${cell('invoicesPerSec')} | ` +
        `${cell('transitionsPerSec')} | ${cell('p50LatencyMs')} | ${cell('p99LatencyMs')} | ` +
        `${cell('peakRssMb')} | ${String(r.exactlyOnce)} | ${cell('rawCommitsPerSec')} | ` +
        `${cell('ratioToRaw')} | ${cell('loadAverage')} |`,
    );
  }
  const headline =
    runs.find((r) => r.database === 'postgres' && r.workers === 2 && r.mode === 'live') ??
    runs[runs.length - 1];
  log(JSON.stringify({ ...headline, runs }));
  process.exit(0);
}

async function counts(db: Kysely<Database>): Promise<{
  events: number;
  instances: number;
  finished: number;
  transitions: number;
}> {
  const row = await sql<{
    events: number;
    instances: number;
    finished: number;
    transitions: number;
  }>`
    select (select count(*) from events)::int as events,
           (select count(*) from instances)::int as instances,
           (select count(*) from instances where status <> 'running')::int as finished,
           (select count(*) from audit_log)::int as transitions`.execute(db);
  return row.rows[0] ?? { events: 0, instances: 0, finished: 0, transitions: 0 };
}

/** `route 1.2 s (40 runs, 1667 items), advance …` from a worker's Prometheus text. */
function phaseSummary(text: string): string {
  const parts: string[] = [];
  for (const phase of ['route', 'timers', 'advance', 'effects']) {
    const value = (name: string): number =>
      Number(new RegExp(`^${name}\\{phase="${phase}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    parts.push(
      `${phase} ${round(value('waybill_worker_phase_seconds_total'))} s ` +
        `(${value('waybill_worker_phase_runs_total')} runs, ` +
        `${value('waybill_worker_phase_items_total')} items)`,
    );
  }
  return parts.join(', ');
}

/** Peak resident memory of a process in kB (Linux `VmHWM`; 0 where unknown). */
function peakRssKb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Every order invoiced, the ERP booked each once, and every consumed message caused exactly
 * one audited transition.
 */
async function checkExactlyOnce(
  db: Kysely<Database>,
  invoices: number,
  erpInvoices: { request: { orderNumber: string } }[],
): Promise<boolean> {
  const instances = await db
    .selectFrom('instances')
    .select(['correlation_key', 'outcome'])
    .execute();
  const invoiced = new Set(
    instances.filter((i) => i.outcome === 'invoiced').map((i) => i.correlation_key),
  );
  const booked = erpInvoices.map((i) => i.request.orderNumber);
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
