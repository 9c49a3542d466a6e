/**
 * Soak benchmark: a steady mixed stream of order-to-cash events through the HTTP API for M
 * minutes, processed by W `waybill worker` processes on PostgreSQL, then a drain and the
 * exactly-once check. Shows whether memory or queue depth grow at a sustainable rate.
 *
 * ```sh
 * pnpm bench:soak -- --minutes 30 --rate 8                 # 8 orders/s (≈ 45 events/s) for 30 min
 * pnpm bench:soak -- --minutes 2 --rate 4 --out /tmp/soak  # a short run, results in /tmp/soak.{json,svg}
 * ```
 *
 * The processes are those of production: the platform serving the HTTP API (its in-process
 * worker off, `soak-api.ts`), W `waybill worker` processes with their health ports, and the ERP
 * simulator, against a fresh database on the server of `--database-url` (created and dropped).
 * Three flows are deployed: billing-readiness, credit-hold-review and dispute-routing, with
 * deadlines and SLAs of minutes so their timers fire during the run.
 *
 * Every `--sample` seconds a line shows the interval's events accepted/s, transitions/s,
 * event-to-transition latency p50/p95/p99 (from the moment the event could be applied: an event
 * that overtook its order is timed from the instance's start, its wait reported apart), queue depth (pending events, pending inbox messages,
 * pending or running effects, due timers), resident memory of each process and the load
 * average. At the end: totals, overall percentiles, the trend of memory and queue depth over the
 * second half of the load, and the exactly-once check. Results go to `<out>.json` and
 * `<out>.svg` (default `docs/img/soak`); the run exits 1 when exactly-once fails.
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { startErpSimulator, type ErpSimulator } from '@waybill/connectors-sdk/simulators';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { generateApiKey } from '../src/api/api-keys.ts';
import type { Database } from '../src/db/schema.ts';
import { serverWarnings } from '../src/db/server-check.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { loadTemplate, withParameters } from '../src/templates.ts';
import { createTestDatabase } from '../src/testing.ts';
import { percentiles, soakSvg, trend, type SoakSample, type Trend } from './soak-report.ts';
import { SoakTraffic, type TrafficCounts } from './soak-traffic.ts';
import { freePort, waitHealthy } from './processes.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '2' },
    /** Orders released per second (each brings about 5.5 events). */
    rate: { type: 'string', default: '4' },
    workers: { type: 'string', default: '2' },
    /** Seconds between samples. */
    sample: { type: 'string', default: '10' },
    'database-url': {
      type: 'string',
      default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    /** Results go to `<out>.json` and `<out>.svg`. */
    out: { type: 'string', default: 'docs/img/soak' },
    /** Give up draining after this many seconds (the check then fails). */
    'drain-timeout': { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    'max-in-flight': { type: 'string', default: '64' },
    /** Only redraw `<out>.svg` from `<out>.json` (a finished run's results). */
    replot: { type: 'boolean', default: false },
    /** Log level of the API and worker processes (their logs go to files). */
    'log-level': { type: 'string', default: 'warn' },
  },
  allowPositionals: true,
  // `pnpm bench:soak -- --minutes 30` passes the `--` along; options follow it.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
});

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} ${text}: expected a positive number\n`);
    process.exit(2);
  }
  return value;
}

const minutes = positive('minutes', values.minutes);
const rate = positive('rate', values.rate);
const workerCount = Math.round(positive('workers', values.workers));
const sampleSeconds = positive('sample', values.sample);
const drainTimeoutMs = positive('drain-timeout', values['drain-timeout']) * 1000;
const out = resolve(values.out);

const here = dirname(fileURLToPath(import.meta.url));
const cliMain = join(here, '..', 'src', 'cli.ts');
const apiMain = join(here, 'soak-api.ts');

function log(line: string): void {
  process.stdout.write(line + '\n');
}

const round = (value: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
const loads = (): string =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

/** One process of the system under test. */
interface Member {
  name: string;
  child: ChildProcess;
  metricsUrl: string;
}

/** The flows of the run with parameters that make their timers fire within minutes. */
const flows = [
  { template: 'billing-readiness', params: { podDeadline: 'PT2M' } },
  { template: 'credit-hold-review', params: { reviewSla: 'PT3M', escalateAfter: 'PT6M' } },
  { template: 'dispute-routing', params: { resolutionSla: 'PT3M', escalateAfter: 'PT6M' } },
];

function chartTitle(options: {
  minutes: number;
  rate: number;
  workers: number;
  eventsPerSec: number;
  date: string;
}): string {
  return (
    `Soak: ${options.minutes} min at ${options.rate} orders/s (${round(options.eventsPerSec)} events/s), ` +
    `${options.workers} workers, PostgreSQL — ${options.date.slice(0, 10)}`
  );
}

/** Redraws the chart of a finished run from its JSON. */
function replot(): number {
  const report = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as {
    date: string;
    settings: { minutes: number; ratePerSec: number; workers: number };
    totals: { acceptedPerSec: number };
    samples: SoakSample[];
  };
  writeFileSync(
    `${out}.svg`,
    soakSvg(
      report.samples,
      chartTitle({
        minutes: report.settings.minutes,
        rate: report.settings.ratePerSec,
        workers: report.settings.workers,
        eventsPerSec: report.totals.acceptedPerSec,
        date: report.date,
      }),
    ),
  );
  log(`  chart: ${out}.svg`);
  return 0;
}

async function main(): Promise<number> {
  if (values.replot) return replot();
  const startedAt = new Date();
  log(
    `soak: ${minutes} min at ${rate} orders/s, ${workerCount} worker process(es) on PostgreSQL, ` +
      `sample every ${sampleSeconds} s; ${cpus().length} cores, load average ${loads()}`,
  );
  const erp = await startErpSimulator();
  const testDb = await createTestDatabase({ databaseUrl: values['database-url'] });
  const db = testDb.db;
  for (const w of await serverWarnings(db)) log(`  warning: ${w.message}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'waybill-soak-'));
  const members: Member[] = [];
  let cleanedUp: Promise<void> | undefined;
  const cleanUp = () =>
    (cleanedUp ??= (async () => {
      await stopAll(members);
      await erp.close();
      await testDb.drop();
      rmSync(dataDir, { recursive: true, force: true });
    })());
  // Interrupted (Ctrl-C, a CI timeout): leave no process running and no database behind.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n  ${signal}: stopping the processes and dropping the database`);
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const catalogue = new ConnectorRegistry([erpSandboxConnector]).catalogue();
    for (const flow of flows) {
      const { definition } = loadTemplate(flow.template);
      await deployFlow(db, withParameters(definition, flow.params), {
        publishedBy: 'bench',
        catalogue,
      });
    }
    log(
      `  flows: ${flows.map((f) => f.template).join(', ')}; database ${new URL(testDb.url).pathname.slice(1)}; logs in ${dataDir}`,
    );

    const apiKey = generateApiKey();
    const env = {
      ...process.env,
      DATABASE_URL: testDb.url,
      WAYBILL_DATA_DIR: dataDir,
      WAYBILL_ERP_URL: erp.url,
      WAYBILL_LOG_LEVEL: values['log-level'],
      WAYBILL_API_KEY: apiKey,
    };
    const api = await startApi(env, dataDir);
    members.push(api.member);
    for (let i = 1; i <= workerCount; i++) members.push(await startWorker(i, env, dataDir));
    log(
      `  API at ${api.url}; workers ${members
        .slice(1)
        .map((m) => `pid ${m.child.pid}`)
        .join(', ')}`,
    );

    const result = await run(db, erp, api.url, apiKey, members);
    const exactlyOnce = result.exactlyOnce.ok;
    await stopAll(members);
    const report = { ...result, date: startedAt.toISOString(), settings: settings() };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(`${out}.json`, JSON.stringify(report, null, 2) + '\n');
    writeFileSync(
      `${out}.svg`,
      soakSvg(
        result.samples,
        chartTitle({
          minutes,
          rate,
          workers: workerCount,
          eventsPerSec: result.totals.acceptedPerSec,
          date: startedAt.toISOString(),
        }),
      ),
    );
    log(`  results: ${out}.json, ${out}.svg`);
    return exactlyOnce ? 0 : 1;
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

function settings(): Record<string, unknown> {
  return {
    minutes,
    ratePerSec: rate,
    workers: workerCount,
    sampleSeconds,
    seed: Number(values.seed),
    flows,
    cores: cpus().length,
    node: process.version,
  };
}

async function run(
  db: Kysely<Database>,
  erp: ErpSimulator,
  apiUrl: string,
  apiKey: string,
  members: Member[],
) {
  const traffic = new SoakTraffic({
    baseUrl: apiUrl,
    apiKey,
    erpUrl: erp.url,
    rate,
    seed: Number(values.seed),
    maxInFlight: Number(values['max-in-flight']),
  });
  const samples: SoakSample[] = [];
  const latencies: number[] = [];
  /** How long events that came before their instance waited for it. */
  const earlyWaits: number[] = [];
  let auditCursor = 0;
  let transitions = 0;
  let lastSampleAt = performance.now();
  const loadStarted = performance.now();
  let phase: SoakSample['phase'] = 'load';
  const loadAverages: number[] = [];

  const sample = async (): Promise<SoakSample> => {
    const now = performance.now();
    const seconds = Math.max(0.001, (now - lastSampleAt) / 1000);
    lastSampleAt = now;
    const counts: TrafficCounts = traffic.takeInterval();
    // Latency runs from the moment the event could be applied: its arrival, or, for an event
    // that overtook its order (sent before the order was released), the start of the instance
    // it waited for. That wait is the sender's doing and is reported on its own.
    const rows = await sql<{ id: number; ms: number | null; waitedMs: number | null }>`
      select a.id,
        case when e.id is not null then
          extract(epoch from (a.at - greatest(e.received_at, case when a.kind <> 'started' then i.created_at end))) * 1000
        end as ms,
        case when a.kind <> 'started' and e.received_at < i.created_at
          then extract(epoch from (i.created_at - e.received_at)) * 1000 end as "waitedMs"
      from audit_log a
      join instances i on i.id = a.instance_id
      left join events e on e.id = (a.details->'cause'->>'eventId')::uuid
      where a.id > ${auditCursor} and a.kind in ('started', 'transition', 'completed')
      order by a.id`.execute(db);
    const interval: number[] = [];
    for (const row of rows.rows) {
      auditCursor = Math.max(auditCursor, Number(row.id));
      if (row.ms !== null) interval.push(Number(row.ms));
      if (row.waitedMs !== null) earlyWaits.push(Number(row.waitedMs));
    }
    transitions += rows.rows.length;
    latencies.push(...interval);
    const q = await queueDepth(db);
    const lat = percentiles(interval);
    const rssMb: Record<string, number> = {};
    const heapMb: Record<string, number | null> = {};
    await Promise.all(
      members.map(async (m) => {
        rssMb[m.name] = round(rssKb(m.child.pid) / 1024);
        heapMb[m.name] = await heapUsedMb(m.metricsUrl);
      }),
    );
    const load1 = round(loadavg()[0] ?? 0, 2);
    loadAverages.push(load1);
    const s: SoakSample = {
      t: round((now - loadStarted) / 1000),
      phase,
      sentPerSec: round(counts.sent / seconds),
      acceptedPerSec: round(counts.accepted / seconds),
      repeatsPerSec: round(counts.repeats / seconds),
      errors: counts.errors,
      transitionsPerSec: round(rows.rows.length / seconds),
      p50Ms: lat.p50,
      p95Ms: lat.p95,
      p99Ms: lat.p99,
      ackP99Ms: percentiles(counts.ackMs).p99,
      lagP99Ms: percentiles(counts.lagMs).p99,
      queue: q.queue,
      parked: q.parked,
      stranded: q.stranded,
      deferred: q.deferred,
      runningInstances: q.running,
      openTasks: q.openTasks,
      rssMb,
      heapMb,
      dbMb: q.dbMb,
      load1,
    };
    samples.push(s);
    const ms = (v: number | null) => (v === null ? '–' : String(Math.round(v)));
    log(
      `  ${String(Math.round(s.t)).padStart(5)} s ${s.phase}: ${s.acceptedPerSec} ev/s accepted` +
        `${s.errors > 0 ? ` (${s.errors} errors)` : ''}, ${s.transitionsPerSec} tr/s, ` +
        `latency p50/p95/p99 ${ms(s.p50Ms)}/${ms(s.p95Ms)}/${ms(s.p99Ms)} ms, ` +
        `queue ${s.queue.total} (ev ${s.queue.events}, inbox ${s.queue.inbox}, eff ${s.queue.effects}, tim ${s.queue.timers}` +
        `${s.stranded > 0 ? `; ${s.stranded} stranded` : ''}), ` +
        `RSS ${members.map((m) => `${m.name} ${Math.round(rssMb[m.name] ?? 0)}`).join(' / ')} MB, ` +
        `db ${Math.round(s.dbMb)} MB, load ${s.load1}`,
    );
    return s;
  };

  // Load: the stream for M minutes, a sample every N seconds.
  traffic.start();
  const loadEnd = loadStarted + minutes * 60_000;
  while (performance.now() < loadEnd) {
    await sleep(
      Math.min(
        sampleSeconds * 1000 - (performance.now() - lastSampleAt),
        loadEnd - performance.now(),
      ),
    );
    if (performance.now() - lastSampleAt >= sampleSeconds * 1000 - 5) await sample();
  }
  const { unsent } = await traffic.stop();
  await sample();
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  // Drain: until nothing is waiting (future timers such as SLA escalations may stay scheduled).
  phase = 'drain';
  const drainStarted = performance.now();
  let drained = false;
  while (performance.now() - drainStarted < drainTimeoutMs) {
    if ((await queueDepth(db)).queue.total === 0) {
      drained = true;
      break;
    }
    await sleep(1000);
    if (performance.now() - lastSampleAt >= sampleSeconds * 1000) await sample();
  }
  await sample();
  if (!drained) await explainLeftovers(db);
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  log(
    drained
      ? `  drained in ${round(drainSeconds)} s`
      : `  not drained after ${round(drainSeconds)} s (the check fails)`,
  );

  const total = traffic.total;
  const overall = percentiles(latencies);
  const exactlyOnce = await checkExactlyOnce(db, erp, total, drained);
  const trends: Record<string, Trend> = {};
  for (const m of members)
    trends[`rss ${m.name}`] = trend(samples, (s) => s.rssMb[m.name] ?? 0, {
      unit: 'MB',
      tolerance: 10,
    });
  for (const m of members)
    trends[`heap ${m.name}`] = trend(samples, (s) => s.heapMb[m.name] ?? 0, {
      unit: 'MB',
      tolerance: 10,
    });
  // A queue that keeps up wobbles around a few seconds' worth of events; one that falls behind climbs.
  trends['queue depth'] = trend(samples, (s) => s.queue.total, {
    unit: 'items',
    tolerance: Math.max(50, rate * 5.5 * 5),
  });
  const loadSamples = samples.filter((s) => s.phase === 'load');
  const totals = {
    loadSeconds: round(loadSeconds),
    drainSeconds: round(drainSeconds),
    orders: traffic.orderNumbers.length,
    sent: total.sent,
    accepted: total.accepted,
    repeats: total.repeats,
    errors: total.errors,
    errorStatuses: total.errorStatuses,
    unsentAfterEnd: unsent,
    acceptedPerSec: round(total.accepted / loadSeconds),
    transitions,
    transitionsPerSec: round(transitions / (loadSeconds + drainSeconds)),
    latencyMs: overall,
    earlyEvents: { count: earlyWaits.length, waitedMs: percentiles(earlyWaits) },
    ackMs: percentiles(total.ackMs),
    sendLagMs: percentiles(total.lagMs),
    loadAverage: {
      min: Math.min(...loadAverages),
      mean: round(loadAverages.reduce((a, b) => a + b, 0) / Math.max(1, loadAverages.length), 2),
      max: Math.max(...loadAverages),
    },
    peakQueueDuringLoad: Math.max(0, ...loadSamples.map((s) => s.queue.total)),
    ordersByException: traffic.orders,
    noise: traffic.noise,
  };
  log('');
  log(
    `totals: ${totals.orders} orders, ${total.sent} requests (${total.accepted} accepted, ` +
      `${total.repeats} repeats, ${total.errors} errors${total.errors > 0 ? ` ${JSON.stringify(total.errorStatuses)}` : ''}), ` +
      `${totals.acceptedPerSec} events/s accepted over ${round(loadSeconds)} s, ${transitions} transitions; ` +
      `${unsent} events scheduled after the end not sent`,
  );
  log(
    `latency event→transition p50 ${overall.p50} ms, p95 ${overall.p95} ms, p99 ${overall.p99} ms; ` +
      `${earlyWaits.length} events came before their order and waited for it (p50 ${totals.earlyEvents.waitedMs.p50} ms, not counted); ` +
      `API ack p50 ${totals.ackMs.p50} ms, p99 ${totals.ackMs.p99} ms; send lag p99 ${totals.sendLagMs.p99} ms; ` +
      `load average ${totals.loadAverage.min}–${totals.loadAverage.max} (mean ${totals.loadAverage.mean})`,
  );
  for (const [name, t] of Object.entries(trends))
    log(
      `trend ${name.padEnd(16)} start ${t.start}, middle ${t.middle}, end ${t.end}: ${t.verdict}`,
    );
  for (const [name, check] of Object.entries(exactlyOnce.checks))
    log(`check ${name.padEnd(22)} ${check.ok ? 'ok  ' : 'FAIL'} ${check.detail}`);
  log(`exactlyOnce ${exactlyOnce.ok}`);
  return { totals, trends, exactlyOnce, samples };
}

interface QueueDepth {
  queue: SoakSample['queue'];
  parked: number;
  stranded: number;
  deferred: number;
  running: number;
  openTasks: number;
  dbMb: number;
}

async function queueDepth(db: Kysely<Database>): Promise<QueueDepth> {
  const result = await sql<{
    events: number;
    parked: number;
    inbox: number;
    stranded: number;
    deferred: number;
    effects: number;
    timers: number;
    running: number;
    tasks: number;
    bytes: string;
  }>`
    select
      (select count(*) from events where status = 'pending')::int as events,
      (select count(*) from events where status = 'parked')::int as parked,
      (select count(*) from inbox i join instances n on n.id = i.instance_id
        where i.status = 'pending' and n.status = 'running')::int as inbox,
      (select count(*) from inbox i join instances n on n.id = i.instance_id
        where i.status = 'pending' and n.status <> 'running')::int as stranded,
      (select count(*) from inbox where status = 'deferred')::int as deferred,
      (select count(*) from effects where status in ('pending', 'running'))::int as effects,
      (select count(*) from timers where status = 'scheduled' and due_at <= now())::int as timers,
      (select count(*) from instances where status = 'running')::int as running,
      (select count(*) from tasks where status = 'open')::int as tasks,
      pg_database_size(current_database())::text as bytes`.execute(db);
  const r = result.rows[0];
  if (!r) throw new Error('queue depth query returned nothing');
  return {
    queue: {
      events: r.events,
      inbox: r.inbox,
      effects: r.effects,
      timers: r.timers,
      total: r.events + r.inbox + r.effects + r.timers,
    },
    parked: r.parked,
    stranded: r.stranded,
    deferred: r.deferred,
    running: r.running,
    openTasks: r.tasks,
    dbMb: round(Number(r.bytes) / 1024 / 1024),
  };
}

/** What is still waiting after the drain, grouped, for the log. */
async function explainLeftovers(db: Kysely<Database>): Promise<void> {
  const inbox = await sql<Record<string, unknown>>`
    select i.kind, i.body->>'type' as type, n.flow_key, n.status as instance_status, n.outcome,
           count(*)::int as messages, min(i.created_at) as oldest, max(n.updated_at) as instance_updated
    from inbox i join instances n on n.id = i.instance_id
    where i.status = 'pending'
    group by 1, 2, 3, 4, 5 order by messages desc`.execute(db);
  for (const row of inbox.rows) log(`  left in the inbox: ${JSON.stringify(row)}`);
  const effects = await sql<Record<string, unknown>>`
    select operation, status, count(*)::int as n, max(attempts) as attempts from effects
    where status in ('pending', 'running') group by 1, 2`.execute(db);
  for (const row of effects.rows) log(`  effects left: ${JSON.stringify(row)}`);
}

interface Check {
  ok: boolean;
  detail: string;
}

/**
 * Every accepted event stored once and routed, nothing left waiting, one audited transition per
 * consumed message and none for the others, and the ERP holding exactly one invoice for each
 * invoiced order and none for any other.
 */
async function checkExactlyOnce(
  db: Kysely<Database>,
  erp: ErpSimulator,
  total: TrafficCounts,
  drained: boolean,
): Promise<{ ok: boolean; checks: Record<string, Check> }> {
  const checks: Record<string, Check> = {};
  const one = async <T>(query: RawBuilder<T>): Promise<T> => {
    const row = (await query.execute(db)).rows[0];
    if (!row) throw new Error('query returned nothing');
    return row;
  };
  const events = await one(sql<{ stored: number; pending: number; parked: number }>`
    select count(*)::int as stored,
           count(*) filter (where status = 'pending')::int as pending,
           count(*) filter (where status = 'parked')::int as parked
    from events`);
  checks.storedOnce = {
    ok: events.stored === total.accepted,
    detail: `${events.stored} events stored for ${total.accepted} answered 202 (${total.repeats} repeats answered 200)`,
  };
  checks.everyEventRouted = {
    ok: events.pending === 0,
    detail: `${events.pending} pending; ${events.parked} parked (no instance of their key takes them)`,
  };
  // Deadlines keep falling due after the drain (a POD deadline of an order released late in the
  // run): what the workers fire within a few seconds is not left over.
  let left = await queueDepth(db);
  for (let i = 0; i < 30 && left.queue.total > 0; i++) {
    await sleep(1000);
    left = await queueDepth(db);
  }
  checks.everyMessageConsumed = {
    ok: left.stranded === 0,
    detail: `${left.stranded} messages pending for instances that had ended (delivered as the instance finished; never consumed)`,
  };
  checks.drained = {
    ok: drained && left.queue.total === 0,
    detail: `inbox ${left.queue.inbox} pending, effects ${left.queue.effects} pending or running, timers ${left.queue.timers} due`,
  };
  const audit = await one(sql<{ messages: number; done: number; mismatched: number }>`
    select count(*)::int as messages,
           count(*) filter (where status = 'done')::int as done,
           count(*) filter (where (status = 'done' and n <> 1) or (status <> 'done' and n <> 0))::int as mismatched
    from (
      select i.id, i.status, count(a.id) as n
      from inbox i left join audit_log a on a.details->'cause'->>'inboxId' = i.id::text
      group by i.id, i.status
    ) t`);
  checks.oneAuditRowPerMessage = {
    ok: audit.mismatched === 0,
    detail: `${audit.done} of ${audit.messages} inbox messages consumed; ${audit.mismatched} without exactly one audit row (or with one while not consumed)`,
  };
  const invoiced = await db
    .selectFrom('instances')
    .select('correlation_key')
    .where('flow_key', '=', 'billing-readiness')
    .where('outcome', '=', 'invoiced')
    .execute();
  const invoicedKeys = new Set(invoiced.map((i) => i.correlation_key));
  const booked = erp.invoices();
  const bookedOrders = booked.map((i) => i.request.orderNumber);
  const bookedSet = new Set(bookedOrders);
  const postings = await one(sql<{ n: number }>`
    select count(*)::int as n from effects where operation = 'postInvoice' and status = 'succeeded'`);
  const missing = [...invoicedKeys].filter((k) => !bookedSet.has(k)).length;
  const unexpected = [...bookedSet].filter((k) => !invoicedKeys.has(k)).length;
  checks.erpInvoicedOnce = {
    ok:
      bookedSet.size === bookedOrders.length &&
      missing === 0 &&
      unexpected === 0 &&
      postings.n === booked.length,
    detail:
      `ERP booked ${booked.length} invoices for ${bookedSet.size} orders; ${invoicedKeys.size} instances invoiced; ` +
      `${missing} invoiced without an ERP invoice, ${unexpected} ERP invoices without an invoiced instance; ` +
      `${postings.n} postings succeeded; ${booked.filter((i) => i.requestCount > 1).length} posted more than once (deduplicated by key)`,
  };
  const health = await one(sql<{ failed: number; incidents: number; instances: number }>`
    select (select count(*) from instances where status = 'failed')::int as failed,
           (select count(*) from incidents)::int as incidents,
           (select count(*) from instances)::int as instances`);
  checks.noFailures = {
    ok: health.failed === 0,
    detail: `${health.instances} instances, ${health.failed} failed, ${health.incidents} incidents`,
  };
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}

async function startApi(
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Promise<{ url: string; member: Member }> {
  const port = await freePort();
  const child = spawn(process.execPath, [apiMain], {
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logFile = createWriteStream(join(dataDir, 'api.log'));
  child.stderr?.pipe(logFile);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the API did not start within 60 s')), 60_000);
    child.once('exit', (code) =>
      reject(new Error(`the API exited with ${code}; see ${dataDir}/api.log`)),
    );
    lines.on('line', (line) => {
      const match = /^listening (\S+)/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      } else logFile.write(line + '\n');
    });
  });
  return { url, member: { name: 'api', child, metricsUrl: `${url}/metrics` } };
}

async function startWorker(
  index: number,
  env: NodeJS.ProcessEnv,
  dataDir: string,
): Promise<Member> {
  const healthPort = await freePort();
  const log = createWriteStream(join(dataDir, `worker-${index}.log`));
  const child = spawn(
    process.execPath,
    [cliMain, 'worker', '--health-port', String(healthPort), '--health-host', '127.0.0.1'],
    { env: { ...env, WAYBILL_POOL_SIZE: '4' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  await waitHealthy(healthPort, child);
  return {
    name: `worker-${index}`,
    child,
    metricsUrl: `http://127.0.0.1:${healthPort}/metrics`,
  };
}

async function stopAll(members: Member[]): Promise<void> {
  await Promise.all(
    members.splice(0).map(
      (m) =>
        new Promise<void>((resolve) => {
          if (m.child.exitCode !== null || m.child.signalCode !== null) return resolve();
          const timer = setTimeout(() => m.child.kill('SIGKILL'), 30_000);
          m.child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          m.child.kill('SIGTERM');
        }),
    ),
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Resident memory of a process in kB (Linux `VmRSS`; 0 once it is gone). */
function rssKb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** `nodejs_heap_used_bytes` from a process's `/metrics`, in MB (null when unavailable). */
async function heapUsedMb(url: string): Promise<number | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    const text = await response.text();
    const match = /^nodejs_heap_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text);
    return match?.[1] ? round(Number(match[1]) / 1024 / 1024) : null;
  } catch {
    return null;
  }
}

process.exit(await main());
