/**
 * The process intelligence figures finance reads (see docs/intelligence.md for each definition):
 * touchless rate, exception rate and volume by category, business unit, warehouse and customer,
 * exception aging and backlog, SLA compliance, shipment-to-invoice latency, first-pass accuracy,
 * time per node and trends. Closed days come from the rollup, later days live.
 * @module
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { exceptionCategoryInfo } from '@waybill/shared';
import type { Database } from '../db/schema.ts';
import { factsQuery, latencyBucketsMs, Metric, withoutJit } from './facts.ts';
import {
  intelligenceFiltersSchema,
  resolveFilters,
  type IntelligenceFiltersInput,
  type ResolvedFilters,
} from './filters.ts';
import { refreshRollup, rolledUntil } from './rollup.ts';

export interface KpiFigures {
  started: number;
  finished: number;
  completed: number;
  failed: number;
  /** Completed without any human touch ÷ completed (null without completions). */
  touchlessRate: number | null;
  /** Finished instances that raised an exception ÷ finished. */
  exceptionRate: number | null;
  /** Touchless, first-time-right completions ÷ completed. */
  firstPassRate: number | null;
  exceptionsOpened: number;
  exceptionsResolved: number;
  /** Resolved within SLA ÷ resolved with an SLA. */
  slaCompliance: number | null;
  avgResolveMs: number | null;
  openExceptions: number;
  runningInstances: number;
  /** Open exceptions ÷ exceptions resolved per day over the range. */
  backlogDays: number | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export interface CategoryFigure {
  category: string;
  label: string;
  opened: number;
  /** Exceptions of the category opened per instance started in the range. */
  rate: number | null;
  resolved: number;
  slaTracked: number;
  slaMet: number;
  slaCompliance: number | null;
  avgResolveMs: number | null;
}

export interface DimensionFigure {
  name: string;
  /** Null for customers: instance counts are not kept per customer over closed days. */
  started: number | null;
  finished: number | null;
  exceptionsOpened: number;
  exceptionRate: number | null;
}

export interface AgingFigure {
  bucket: string;
  count: number;
  overdue: number;
}

export interface LatencyFigure {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  buckets: { upToMs: number | null; count: number }[];
}

export interface TrendPoint {
  period: string;
  started: number;
  completed: number;
  touchless: number;
  touchlessRate: number | null;
  exceptionsOpened: number;
}

export interface NodeFigure {
  flowKey: string;
  nodeId: string;
  instances: number;
  totalMs: number;
  avgMs: number;
}

export interface IntelligenceReport {
  filters: {
    from: string;
    to: string;
    businessUnit: string | null;
    warehouse: string | null;
    customer: string | null;
    flowKey: string | null;
    interval: 'day' | 'week';
  };
  /** Days before this date were read from the rollup, later days live. */
  rolledUntil: string | null;
  kpis: KpiFigures;
  categories: CategoryFigure[];
  businessUnits: DimensionFigure[];
  warehouses: DimensionFigure[];
  customers: DimensionFigure[];
  aging: AgingFigure[];
  latency: LatencyFigure;
  trend: TrendPoint[];
  nodes: NodeFigure[];
}

type GroupSet = 'total' | 'businessUnit' | 'warehouse' | 'customer' | 'period' | 'node';

interface Aggregate {
  set: GroupSet;
  metric: string;
  key: string;
  dim: string;
  n: number;
  total: number;
}

interface FactRow {
  day: string;
  flow_key: string;
  business_unit: string;
  warehouse: string;
  customer: string;
  metric: string;
  key: string;
  n: number | string;
  total: number | string;
}

/** Monday of the ISO week of a `YYYY-MM-DD` date. */
function weekOf(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** The metrics each grouping reads (see the figure builders below). */
const dimensionMetrics: readonly string[] = [
  Metric.started,
  Metric.finished,
  Metric.touched,
  Metric.exOpened,
];
const trendMetrics: readonly string[] = [
  Metric.started,
  Metric.finished,
  Metric.touchless,
  Metric.exOpened,
];

class Accumulator {
  readonly #rows = new Map<string, Aggregate>();

  add(set: GroupSet, metric: string, key: string, dim: string, n: number, total: number): void {
    const id = `${set}\u0000${metric}\u0000${key}\u0000${dim}`;
    const row = this.#rows.get(id);
    if (row) {
      row.n += n;
      row.total += total;
    } else this.#rows.set(id, { set, metric, key, dim, n, total });
  }

  /** Adds one fact row to every grouping the report reads. */
  addFact(f: FactRow, interval: 'day' | 'week'): void {
    const n = Number(f.n);
    const total = Number(f.total);
    this.add('total', f.metric, f.key, '', n, total);
    if (dimensionMetrics.includes(f.metric)) {
      this.add('businessUnit', f.metric, '', f.business_unit, n, total);
      this.add('warehouse', f.metric, '', f.warehouse, n, total);
    }
    if (f.metric === Metric.exOpened) this.add('customer', f.metric, '', f.customer, n, total);
    if (trendMetrics.includes(f.metric))
      this.add('period', f.metric, f.key, interval === 'week' ? weekOf(f.day) : f.day, n, total);
    if (f.metric === Metric.node) this.add('node', f.metric, f.key, f.flow_key, n, total);
  }

  rows(set: GroupSet, metric?: string): Aggregate[] {
    return [...this.#rows.values()].filter(
      (r) => r.set === set && (metric === undefined || r.metric === metric),
    );
  }

  sum(set: GroupSet, metric: string, dim?: string): number {
    return this.rows(set, metric)
      .filter((r) => dim === undefined || r.dim === dim)
      .reduce((s, r) => s + r.n, 0);
  }
}

function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

function rollupFilter(f: ResolvedFilters, until: string): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`day >= ${f.from}::date`, sql`day < ${until}::date`];
  if (f.flowKey !== null) parts.push(sql`flow_key = ${f.flowKey}`);
  if (f.businessUnit !== null) parts.push(sql`business_unit = ${f.businessUnit}`);
  if (f.warehouse !== null) parts.push(sql`warehouse = ${f.warehouse}`);
  return sql.join(parts, sql` and `);
}

/**
 * Reads the rollup's part of the range: one plain aggregate per grouping, each over only the
 * metrics it needs, run side by side (plain GROUP BYs run in parallel and hash in memory, where
 * one GROUPING SETS query sorted the whole range once per set).
 */
async function readRollup(
  db: Kysely<Database>,
  f: ResolvedFilters,
  until: string,
  acc: Accumulator,
): Promise<void> {
  const where = rollupFilter(f, until);
  const metricIn = (metrics: readonly string[]): RawBuilder<unknown> =>
    sql`metric in (${sql.join(metrics.map((m) => sql`${m}`))})`;
  interface Row {
    metric: string;
    key: string;
    dim: string;
    n: string;
    total: number;
  }
  const read = (query: RawBuilder<Row>): Promise<Row[]> =>
    withoutJit(db, async (trx) => (await query.execute(trx)).rows);
  const [totals, units, warehouses, customers, days, nodes] = await Promise.all([
    read(sql<Row>`select metric, key, '' as dim, sum(n) as n, sum(total) as total
      from intelligence_daily where ${where} group by 1, 2`),
    read(sql<Row>`select metric, '' as key, business_unit as dim, sum(n) as n, sum(total) as total
      from intelligence_daily where ${where} and ${metricIn(dimensionMetrics)} group by 1, 3`),
    read(sql<Row>`select metric, '' as key, warehouse as dim, sum(n) as n, sum(total) as total
      from intelligence_daily where ${where} and ${metricIn(dimensionMetrics)} group by 1, 3`),
    read(sql<Row>`select metric, '' as key, customer as dim, sum(n) as n, sum(total) as total
      from intelligence_daily where ${where} and metric = ${Metric.exOpened} group by 1, 3`),
    read(sql<Row>`select metric, key, to_char(day, 'YYYY-MM-DD') as dim, sum(n) as n,
             sum(total) as total
      from intelligence_daily where ${where} and ${metricIn(trendMetrics)} group by 1, 2, day`),
    read(sql<Row>`select metric, key, flow_key as dim, sum(n) as n, sum(total) as total
      from intelligence_daily where ${where} and metric = ${Metric.node} group by 1, 2, 3`),
  ]);
  const add = (set: GroupSet, rows: Row[], keyed: boolean): void => {
    for (const r of rows)
      acc.add(set, r.metric, keyed ? r.key : '', r.dim, Number(r.n), Number(r.total));
  };
  add('total', totals, true);
  add('businessUnit', units, false);
  add('warehouse', warehouses, false);
  add('customer', customers, false);
  for (const r of days)
    acc.add(
      'period',
      r.metric,
      r.key,
      f.interval === 'week' ? weekOf(r.dim) : r.dim,
      Number(r.n),
      Number(r.total),
    );
  add('node', nodes, true);
}

/** Exceptions open now (whatever the date range), by age, for the dimension filters. */
async function readAging(
  db: Kysely<Database>,
  f: ResolvedFilters,
  now: Date,
): Promise<{ aging: AgingFigure[]; open: number; running: number }> {
  const parts: RawBuilder<unknown>[] = [sql`true`];
  if (f.flowKey !== null) parts.push(sql`i.flow_key = ${f.flowKey}`);
  if (f.businessUnit !== null) parts.push(sql`i.business_unit = ${f.businessUnit}`);
  if (f.warehouse !== null) parts.push(sql`i.warehouse = ${f.warehouse}`);
  if (f.customer !== null) parts.push(sql`i.customer = ${f.customer}`);
  const where = sql.join(parts, sql` and `);
  const nowIso = now.toISOString();
  const aged = await sql<{ bucket: number; count: string; overdue: string }>`
    with open_ex as (
      select e.instance_id, e.created_at, e.sla_due_at from exceptions e where e.status = 'open'
      union all
      select t.instance_id, t.created_at, t.due_at from tasks t
       where t.status = 'open'
         and not exists (select 1 from exceptions e2
                          where e2.instance_id = t.instance_id and e2.task_key = t.task_key)
    )
    select width_bucket(extract(epoch from (${nowIso}::timestamptz - o.created_at)) / 86400,
                        array[1, 3, 7, 14]::float8[]) as bucket,
           count(*) as count,
           count(*) filter (where o.sla_due_at < ${nowIso}::timestamptz) as overdue
      from open_ex o join instances i on i.id = o.instance_id
     where ${where}
     group by 1
  `.execute(db);
  const labels = ['under 1 day', '1–3 days', '3–7 days', '7–14 days', 'over 14 days'];
  const aging = labels.map((bucket, i) => {
    const row = aged.rows.find((r) => Number(r.bucket) === i);
    return { bucket, count: Number(row?.count ?? 0), overdue: Number(row?.overdue ?? 0) };
  });
  const running = await sql<{ count: string }>`
    select count(*) as count from instances i
     where i.status = 'running' and i.parent_instance_id is null and ${where}
  `.execute(db);
  return {
    aging,
    open: aging.reduce((s, a) => s + a.count, 0),
    running: Number(running.rows[0]?.count ?? 0),
  };
}

/** The `q`-quantile (0–1) of a latency histogram, interpolated inside its bucket. */
export function histogramQuantile(counts: number[], sums: number[], q: number): number | null {
  const total = counts.reduce((s, c) => s + c, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] ?? 0;
    if (count === 0) continue;
    if (seen + count >= rank) {
      const upper = latencyBucketsMs[i];
      // The open last bucket has no upper bound: its mean stands for it.
      if (upper === undefined) return (sums[i] ?? 0) / count;
      const lower = i === 0 ? 0 : (latencyBucketsMs[i - 1] ?? 0);
      return lower + ((upper - lower) * (rank - seen)) / count;
    }
    seen += count;
  }
  return null;
}

function dimensionFigures(acc: Accumulator, set: GroupSet): DimensionFigure[] {
  const names = new Set(
    acc
      .rows(set)
      .filter((r) => r.n > 0)
      .map((r) => r.dim),
  );
  return [...names]
    .map((name) => {
      const finished = acc.sum(set, Metric.finished, name);
      return {
        name: name === '' ? '(none)' : name,
        started: acc.sum(set, Metric.started, name),
        finished,
        exceptionsOpened: acc.sum(set, Metric.exOpened, name),
        exceptionRate: ratio(acc.sum(set, Metric.touched, name), finished),
      };
    })
    .sort(
      (a, b) =>
        b.exceptionsOpened - a.exceptionsOpened ||
        (b.started ?? 0) - (a.started ?? 0) ||
        a.name.localeCompare(b.name),
    );
}

export interface ReportOptions {
  now?: Date;
  /** Days the read may roll up first (default 7; 0 reads without rolling up). */
  rollupDays?: number;
}

/**
 * Every figure for the filters. Closed days not rolled up yet are rolled up first (a week at a
 * time), so the live part of a read stays a day or two.
 *
 * ```ts
 * const report = await intelligenceReport(db, { from: '2026-11-01', businessUnit: 'east' });
 * report.kpis.touchlessRate; // 0.82
 * ```
 * @throws ZodError when a filter is malformed (field and message in its issues).
 */
export async function intelligenceReport(
  db: Kysely<Database>,
  input: IntelligenceFiltersInput = {},
  options: ReportOptions = {},
): Promise<IntelligenceReport> {
  const now = options.now ?? new Date();
  const f = resolveFilters(intelligenceFiltersSchema.parse(input), now);
  const rollupDays = options.rollupDays ?? 7;
  const rolled =
    rollupDays > 0 ? await refreshRollup(db, { now, maxDays: rollupDays }) : await rolledUntil(db);
  const acc = new Accumulator();
  // Per-customer instance figures are not rolled up: a customer filter reads live (indexed).
  const rollupEnd =
    f.customer !== null || rolled === null
      ? f.from
      : rolled < f.toExclusive
        ? rolled
        : f.toExclusive;
  const liveFrom = rollupEnd > f.from ? rollupEnd : f.from;
  const [, live, aging] = await Promise.all([
    rollupEnd > f.from ? readRollup(db, f, rollupEnd, acc) : Promise.resolve(),
    liveFrom < f.toExclusive
      ? withoutJit(db, (trx) =>
          sql<FactRow>`${factsQuery(f, liveFrom, f.toExclusive)}`.execute(trx),
        )
      : Promise.resolve({ rows: [] as FactRow[] }),
    withoutJit(db, (trx) => readAging(trx, f, now)),
  ]);
  for (const row of live.rows) acc.addFact(row, f.interval);

  const completed = sumKey(acc, 'completed');
  const finished = acc.sum('total', Metric.finished);
  const categories = categoryFigures(acc);
  const exceptionsResolved = acc.sum('total', Metric.exResolved);
  const resolveMs = acc.rows('total', Metric.exResolved).reduce((s, r) => s + r.total, 0);
  const slaTracked = acc.sum('total', Metric.exSla);
  const slaMet = acc.rows('total', Metric.exSla).reduce((s, r) => s + r.total, 0);
  const latency = latencyFigure(acc);
  const days =
    (Date.parse(`${f.toExclusive}T00:00:00Z`) - Date.parse(`${f.from}T00:00:00Z`)) / 86_400_000;
  return {
    filters: {
      from: f.from,
      to: new Date(Date.parse(`${f.toExclusive}T00:00:00Z`) - 86_400_000)
        .toISOString()
        .slice(0, 10),
      businessUnit: f.businessUnit,
      warehouse: f.warehouse,
      customer: f.customer,
      flowKey: f.flowKey,
      interval: f.interval,
    },
    rolledUntil: rolled,
    kpis: {
      started: acc.sum('total', Metric.started),
      finished,
      completed,
      failed: sumKey(acc, 'failed'),
      touchlessRate: ratio(acc.sum('total', Metric.touchless), completed),
      exceptionRate: ratio(acc.sum('total', Metric.touched), finished),
      firstPassRate: ratio(acc.sum('total', Metric.firstPass), completed),
      exceptionsOpened: acc.sum('total', Metric.exOpened),
      exceptionsResolved,
      slaCompliance: ratio(slaMet, slaTracked),
      avgResolveMs: exceptionsResolved > 0 ? resolveMs / exceptionsResolved : null,
      openExceptions: aging.open,
      runningInstances: aging.running,
      backlogDays: exceptionsResolved > 0 ? aging.open / (exceptionsResolved / days) : null,
      latencyP50Ms: latency.p50Ms,
      latencyP95Ms: latency.p95Ms,
    },
    categories,
    businessUnits: dimensionFigures(acc, 'businessUnit'),
    warehouses: dimensionFigures(acc, 'warehouse'),
    customers: customerFigures(acc),
    aging: aging.aging,
    latency,
    trend: trendFigures(acc),
    nodes: acc
      .rows('node', Metric.node)
      .map((r) => ({
        flowKey: r.dim,
        nodeId: r.key,
        instances: r.n,
        totalMs: r.total,
        avgMs: r.n > 0 ? r.total / r.n : 0,
      }))
      .sort(
        (a, b) =>
          b.totalMs - a.totalMs ||
          a.flowKey.localeCompare(b.flowKey) ||
          a.nodeId.localeCompare(b.nodeId),
      ),
  };
}

function sumKey(acc: Accumulator, status: string): number {
  return acc
    .rows('total', Metric.finished)
    .filter((r) => r.key === status)
    .reduce((s, r) => s + r.n, 0);
}

function categoryFigures(acc: Accumulator): CategoryFigure[] {
  const started = acc.sum('total', Metric.started);
  const ids = new Set(
    [Metric.exOpened, Metric.exResolved, Metric.exSla].flatMap((m) =>
      acc.rows('total', m).map((r) => r.key),
    ),
  );
  const pick = (metric: string, key: string): Aggregate | undefined =>
    acc.rows('total', metric).find((r) => r.key === key);
  return [...ids]
    .map((category) => {
      const resolved = pick(Metric.exResolved, category);
      const sla = pick(Metric.exSla, category);
      return {
        category,
        label: exceptionCategoryInfo(category)?.label ?? 'Other',
        opened: pick(Metric.exOpened, category)?.n ?? 0,
        rate: ratio(pick(Metric.exOpened, category)?.n ?? 0, started),
        resolved: resolved?.n ?? 0,
        slaTracked: sla?.n ?? 0,
        slaMet: sla?.total ?? 0,
        slaCompliance: ratio(sla?.total ?? 0, sla?.n ?? 0),
        avgResolveMs: resolved && resolved.n > 0 ? resolved.total / resolved.n : null,
      };
    })
    .sort((a, b) => b.opened - a.opened || a.category.localeCompare(b.category));
}

function customerFigures(acc: Accumulator): DimensionFigure[] {
  // Instance counts per customer exist only for live days; the exception volume is complete.
  return acc
    .rows('customer', Metric.exOpened)
    .filter((r) => r.n > 0)
    .map((r) => ({
      name: r.dim === '' ? '(none)' : r.dim,
      started: null,
      finished: null,
      exceptionsOpened: r.n,
      exceptionRate: null,
    }))
    .sort((a, b) => b.exceptionsOpened - a.exceptionsOpened || a.name.localeCompare(b.name))
    .slice(0, 25);
}

function latencyFigure(acc: Accumulator): LatencyFigure {
  const counts = latencyBucketsMs.map(() => 0).concat([0]);
  const sums = [...counts];
  for (const r of acc.rows('total', Metric.latency)) {
    const i = Number(r.key);
    counts[i] = (counts[i] ?? 0) + r.n;
    sums[i] = (sums[i] ?? 0) + r.total;
  }
  return {
    count: counts.reduce((s, c) => s + c, 0),
    p50Ms: histogramQuantile(counts, sums, 0.5),
    p95Ms: histogramQuantile(counts, sums, 0.95),
    buckets: counts.map((count, i) => ({ upToMs: latencyBucketsMs[i] ?? null, count })),
  };
}

function trendFigures(acc: Accumulator): TrendPoint[] {
  const periods = [...new Set(acc.rows('period').map((r) => r.dim))].sort();
  return periods.map((period) => {
    const of = (metric: string, key?: string): number =>
      acc
        .rows('period', metric)
        .filter((r) => r.dim === period && (key === undefined || r.key === key))
        .reduce((s, r) => s + r.n, 0);
    const completed = of(Metric.finished, 'completed');
    const touchless = of(Metric.touchless);
    return {
      period,
      started: of(Metric.started),
      completed,
      touchless,
      touchlessRate: ratio(touchless, completed),
      exceptionsOpened: of(Metric.exOpened),
    };
  });
}
