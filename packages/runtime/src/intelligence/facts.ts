/**
 * Daily facts read from the runtime's own tables: the one definition of every figure, used both
 * by the rollup (closed days) and by live reads (the days after the rollup). Each fact row is
 * `(day, flow_key, business_unit, warehouse, customer, metric, key, n, total)`.
 * @module
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { exceptionTaxonomy } from '@waybill/shared';
import type { ResolvedFilters } from './filters.ts';

/**
 * The metrics of the fact rows. Instance metrics are attributed to the day the instance started
 * (`started`) or finished (the rest); exception metrics to the day the exception opened or was
 * resolved.
 */
export const Metric = {
  /** Instances started; n = count. */
  started: 'started',
  /** Instances finished; key = status (completed, failed, cancelled); n = count. */
  finished: 'finished',
  /** Completed instances no person touched (no task, no exception); n = count. */
  touchless: 'touchless',
  /** Touchless completed instances whose every connector call succeeded the first time and that raised no incident. */
  firstPass: 'firstPass',
  /** Finished instances that raised at least one exception; n = count. */
  touched: 'touched',
  /** Shipment-to-invoice latency of completed instances; key = bucket index; total = sum of ms. */
  latency: 'latency',
  /** Time spent at a node by finished instances; key = node id; n = instances; total = ms. */
  node: 'node',
  /** Exceptions opened; key = category; n = count. */
  exOpened: 'exOpened',
  /** Exceptions resolved; key = category; n = count; total = ms from opened to resolved. */
  exResolved: 'exResolved',
  /** Resolved exceptions with an SLA; key = category; n = count; total = how many met it. */
  exSla: 'exSla',
} as const;
export type Metric = (typeof Metric)[keyof typeof Metric];

/**
 * Metrics kept per customer in the rollup (the others with customer ''): enough for the top
 * customers by exception volume; a customer filter reads everything live, from indexed rows.
 */
export const customerMetrics: readonly Metric[] = [Metric.exOpened];

/**
 * Upper bounds (ms) of the latency histogram buckets; the last bucket is open. Percentiles
 * interpolate linearly inside a bucket.
 */
export const latencyBucketsMs: readonly number[] = [
  5, 15, 30, 60, 120, 240, 480, 720, 1440, 2160, 2880, 4320, 5760, 7200, 10080, 14400, 20160, 30240,
  43200,
].map((minutes) => minutes * 60_000);

/**
 * Runs `read` in a transaction with JIT compilation off. The figures' queries are large and
 * estimated expensive, so Postgres would JIT-compile them, which costs seconds (measured: 12 s of
 * a 14 s daily rollup) for queries that run in tens of milliseconds once planned.
 */
export async function withoutJit<T>(
  db: Kysely<Database>,
  read: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return read(trx);
  });
}

/** A task stands for an exception of the category its first candidate role owns. */
function categoryOfRole(role: RawBuilder<unknown>): RawBuilder<string> {
  const cases = exceptionTaxonomy.map((c) => sql`when ${c.ownerRole} then ${c.id}`);
  return sql<string>`(case ${role} ${sql.join(cases, sql` `)} else 'other' end)`;
}

function bucketOf(ms: RawBuilder<unknown>): RawBuilder<string> {
  const cases = latencyBucketsMs.map((bound, i) => sql`when ${ms} <= ${bound} then ${String(i)}`);
  return sql<string>`(case ${sql.join(cases, sql` `)} else ${String(latencyBucketsMs.length)} end)`;
}

/** The instance filters of `f`, as a predicate over the alias `i`. */
function instanceFilter(f: ResolvedFilters): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`i.parent_instance_id is null`];
  if (f.flowKey !== null) parts.push(sql`i.flow_key = ${f.flowKey}`);
  if (f.businessUnit !== null) parts.push(sql`i.business_unit = ${f.businessUnit}`);
  if (f.warehouse !== null) parts.push(sql`i.warehouse = ${f.warehouse}`);
  if (f.customer !== null) parts.push(sql`i.customer = ${f.customer}`);
  return sql.join(parts, sql` and `);
}

const dims = sql`i.flow_key, coalesce(i.business_unit, '') as business_unit,
  coalesce(i.warehouse, '') as warehouse, coalesce(i.customer, '') as customer`;

function utcDay(column: RawBuilder<unknown>): RawBuilder<string> {
  return sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD')`;
}

/**
 * Exceptions as people meet them: rows of `exceptions`, and human tasks not tied to one (a task is
 * an exception routed to its owner). `column` is `created_at` or the resolution time; the range
 * predicate sits inside each branch so the indexes on those columns serve it.
 */
function exceptionRows(
  on: 'opened' | 'resolved',
  range: { from: string; to: string },
  f: ResolvedFilters,
): RawBuilder<unknown> {
  const fromTs = `${range.from}T00:00:00Z`;
  const toTs = `${range.to}T00:00:00Z`;
  // A customer's exceptions are found from its instances (indexed), not by scanning the range.
  const ofCustomer =
    f.customer === null
      ? sql``
      : sql`and instance_id in (select i.id from instances i where ${instanceFilter(f)})`;
  const exceptionsAt = on === 'opened' ? sql`e.created_at` : sql`e.resolved_at`;
  const tasksAt = on === 'opened' ? sql`t.created_at` : sql`t.completed_at`;
  return sql`
    select e.instance_id, e.category, e.created_at, e.resolved_at, e.sla_due_at
      from exceptions e
     where ${exceptionsAt} >= ${fromTs} and ${exceptionsAt} < ${toTs} ${ofCustomer}
    union all
    select t.instance_id, ${categoryOfRole(sql`t.candidate_roles->>0`)}, t.created_at,
           case when t.status <> 'open' then t.completed_at end, t.due_at
      from tasks t
     where ${tasksAt} >= ${fromTs} and ${tasksAt} < ${toTs} ${ofCustomer}
       and not exists (select 1 from exceptions e2
                        where e2.instance_id = t.instance_id and e2.task_key = t.task_key)`;
}

/**
 * Every fact of the UTC days `[from, to)` for instances matching `f`'s dimension filters, as a
 * SQL query (its date range is `from`/`to`, not `f`'s).
 */
export function factsQuery(f: ResolvedFilters, from: string, to: string): RawBuilder<unknown> {
  const fromTs = `${from}T00:00:00Z`;
  const toTs = `${to}T00:00:00Z`;
  const where = instanceFilter(f);
  const latencyMs = sql`extract(epoch from (fin.completed_at - fin.shipped_at)) * 1000`;
  return sql`
  with fin as (
    select i.id, ${dims}, ${utcDay(sql`i.completed_at`)} as day, i.status, i.completed_at,
      (exists (select 1 from tasks t where t.instance_id = i.id)
        or exists (select 1 from exceptions e where e.instance_id = i.id)) as touched,
      (exists (select 1 from incidents x where x.instance_id = i.id)
        or exists (select 1 from effects ef where ef.instance_id = i.id
                    and (ef.attempts > 1 or ef.status = 'failed'))) as reworked,
      (select min(coalesce(ev.occurred_at, ev.received_at)) from events ev
        where ev.correlation_key = i.correlation_key and ev.type = 'shipment.confirmed') as shipped_at
    from instances i
    where i.completed_at >= ${fromTs} and i.completed_at < ${toTs} and ${where}
  ),
  steps as (
    select a.instance_id, a.to_nodes, a.at,
           lead(a.at) over (partition by a.instance_id order by a.id) as next_at
      from audit_log a join fin on fin.id = a.instance_id
     where a.to_nodes is not null
  )
  select ${utcDay(sql`i.created_at`)} as day, ${dims}, 'started' as metric, '' as key,
         count(*)::float8 as n, 0::float8 as total
    from instances i
   where i.created_at >= ${fromTs} and i.created_at < ${toTs} and ${where}
   group by 1, 2, 3, 4, 5
  union all
  select day, flow_key, business_unit, warehouse, customer, 'finished', status, count(*), 0
    from fin group by 1, 2, 3, 4, 5, 7
  union all
  select day, flow_key, business_unit, warehouse, customer, 'touchless', '',
         count(*) filter (where status = 'completed' and not touched), 0
    from fin group by 1, 2, 3, 4, 5
  union all
  select day, flow_key, business_unit, warehouse, customer, 'firstPass', '',
         count(*) filter (where status = 'completed' and not touched and not reworked), 0
    from fin group by 1, 2, 3, 4, 5
  union all
  select day, flow_key, business_unit, warehouse, customer, 'touched', '',
         count(*) filter (where touched), 0
    from fin group by 1, 2, 3, 4, 5
  union all
  select day, flow_key, business_unit, warehouse, customer, 'latency', ${bucketOf(latencyMs)},
         count(*), sum(${latencyMs})
    from fin
   where status = 'completed' and shipped_at is not null and completed_at >= shipped_at
   group by 1, 2, 3, 4, 5, 7
  union all
  select fin.day, fin.flow_key, fin.business_unit, fin.warehouse, fin.customer, 'node', node.id,
         count(distinct s.instance_id), sum(extract(epoch from (s.next_at - s.at)) * 1000)
    from steps s join fin on fin.id = s.instance_id
         cross join lateral jsonb_array_elements_text(s.to_nodes) as node(id)
   where s.next_at is not null
   group by 1, 2, 3, 4, 5, 7
  union all
  select ${utcDay(sql`x.created_at`)}, ${dims}, 'exOpened', x.category, count(*), 0
    from (${exceptionRows('opened', { from, to }, f)}) as x(instance_id, category, created_at, resolved_at, sla_due_at)
    join instances i on i.id = x.instance_id
   where ${where}
   group by 1, 2, 3, 4, 5, 7
  union all
  select ${utcDay(sql`x.resolved_at`)}, ${dims}, 'exResolved', x.category, count(*),
         sum(extract(epoch from (x.resolved_at - x.created_at)) * 1000)
    from (${exceptionRows('resolved', { from, to }, f)}) as x(instance_id, category, created_at, resolved_at, sla_due_at)
    join instances i on i.id = x.instance_id
   where ${where} and x.resolved_at is not null
   group by 1, 2, 3, 4, 5, 7
  union all
  select ${utcDay(sql`x.resolved_at`)}, ${dims}, 'exSla', x.category, count(*),
         count(*) filter (where x.resolved_at <= x.sla_due_at)
    from (${exceptionRows('resolved', { from, to }, f)}) as x(instance_id, category, created_at, resolved_at, sla_due_at)
    join instances i on i.id = x.instance_id
   where ${where} and x.resolved_at is not null and x.sla_due_at is not null
   group by 1, 2, 3, 4, 5, 7`;
}
