/**
 * The platform's metrics: what the API process counts itself (requests, ingested events,
 * refusals), the engine's per-process counters, and what it reads from the database on each
 * scrape (queue depths, open tasks and incidents, routing and connector call latencies).
 * @module
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../db/schema.ts';
import { queueDepths } from '../engine/stats.ts';
import {
  LATENCY_BUCKETS,
  MetricsRegistry,
  type Counter,
  type Gauge,
  type Histogram,
} from './metrics.ts';

/** The API's own instruments. */
export interface ApiMetrics {
  registry: MetricsRegistry;
  /** `type`, `outcome` (accepted, duplicate, conflict). */
  eventsIngested: Counter;
  /** Time to store an event (auth excluded), by `outcome`. */
  ingestDuration: Histogram;
  /** `method`, `route`, `status`. */
  httpRequests: Counter;
  /** `method`, `route`. */
  httpDuration: Histogram;
  /** Refused API requests by `reason` (unauthorized, forbidden, rate_limited). */
  refused: Counter;
  /** Label value for an event type, bounded so arbitrary types cannot explode the series. */
  eventTypeLabel(type: string): string;
}

/** Distinct event types labelled before the rest are counted as `other`. */
const MAX_EVENT_TYPE_LABELS = 200;

/**
 * Registers the API's metrics on `registry` (a new one by default).
 *
 * ```ts
 * const metrics = createApiMetrics();
 * metrics.eventsIngested.inc({ type: 'order.released', outcome: 'accepted' });
 * ```
 */
export function createApiMetrics(registry = new MetricsRegistry()): ApiMetrics {
  const seenTypes = new Set<string>();
  return {
    registry,
    eventsIngested: registry.counter(
      'waybill_events_ingested_total',
      'Events received by POST /api/v1/events in this process, by type and outcome.',
    ),
    ingestDuration: registry.histogram(
      'waybill_event_ingest_duration_seconds',
      'Time to store an event and notify the workers, by outcome.',
    ),
    httpRequests: registry.counter(
      'waybill_http_requests_total',
      'HTTP requests answered by this process, by method, route and status.',
    ),
    httpDuration: registry.histogram(
      'waybill_http_request_duration_seconds',
      'HTTP request duration in this process, by method and route.',
    ),
    refused: registry.counter(
      'waybill_api_refused_total',
      'External API requests refused before the handler, by reason (unauthorized, forbidden, rate_limited).',
    ),
    eventTypeLabel(type) {
      if (seenTypes.has(type)) return type;
      if (seenTypes.size >= MAX_EVENT_TYPE_LABELS) return 'other';
      seenTypes.add(type);
      return type;
    },
  };
}

/**
 * Adds collectors that read queue depths, status counts and database-wide latency histograms on
 * each scrape (the same on every process: expose them from the platform only). The engine's own
 * counters (transitions, connector attempts and failures) are per process and come from
 * `engineMetrics`.
 *
 * ```ts
 * addDatabaseCollectors(metrics.registry, db);
 * ```
 */
export function addDatabaseCollectors(registry: MetricsRegistry, db: Kysely<Database>): void {
  const queue = registry.gauge(
    'waybill_queue_depth',
    'Work waiting in each queue (pending_events, parked_events, inbox, effects, timers).',
  );
  const openTasks = registry.gauge('waybill_tasks_open', 'Human tasks waiting for a person.');
  const incidents = registry.gauge(
    'waybill_incidents',
    'Incidents (connector calls that failed for good) by status.',
  );
  const instances = registry.gauge('waybill_instances', 'Instances by status.');
  const effects = registry.gauge('waybill_effects', 'Connector calls (outbox rows) by status.');
  const routing = registry.histogram(
    'waybill_event_routing_latency_seconds',
    'Time from accepting an event to routing it to its instances (all events routed so far).',
  );
  registry.addCollector(async () => {
    const depths = await queueDepths(db);
    queue.set({ queue: 'pending_events' }, depths.pendingEvents);
    queue.set({ queue: 'parked_events' }, depths.parkedEvents);
    queue.set({ queue: 'inbox' }, depths.pendingMessages);
    queue.set({ queue: 'effects' }, depths.pendingEffects);
    queue.set({ queue: 'timers' }, depths.scheduledTimers);
    openTasks.set({}, depths.openTasks);
  });
  registry.addCollector(async () => {
    await setByStatus(instances, db, 'instances', ['running', 'completed', 'failed', 'cancelled']);
    await setByStatus(effects, db, 'effects', ['pending', 'running', 'succeeded', 'failed']);
    // The incidents table comes with a later migration; report none until it exists.
    const exists = await sql<{ present: boolean }>`
      select to_regclass('incidents') is not null as present`.execute(db);
    if (exists.rows[0]?.present)
      await setByStatus(incidents, db, 'incidents', ['open', 'retried', 'resolved']);
    else incidents.set({ status: 'open' }, 0);
  });
  const effectDuration = registry.histogram(
    'waybill_effect_duration_seconds',
    'Time from scheduling a connector call to its final result (retries included), by status.',
  );
  registry.addCollector(async () => {
    routing.replace(
      {},
      await durationHistogram(db, {
        table: 'events',
        from: 'received_at',
        to: 'routed_at',
        where: sql`routed_at is not null`,
      }),
    );
    for (const status of ['succeeded', 'failed'] as const) {
      effectDuration.replace(
        { status },
        await durationHistogram(db, {
          table: 'effects',
          from: 'created_at',
          to: 'updated_at',
          where: sql`status = ${status}`,
        }),
      );
    }
  });
}

/** Cumulative bucket counts of `to - from` over the rows of `table` matching `where`. */
async function durationHistogram(
  db: Kysely<Database>,
  options: { table: 'events' | 'effects'; from: string; to: string; where: RawBuilder<unknown> },
): Promise<{ buckets: number[]; sum: number; count: number }> {
  const span = sql`${sql.ref(options.to)} - ${sql.ref(options.from)}`;
  const bounds = LATENCY_BUCKETS.map(
    (bound, i) =>
      sql`count(*) filter (where ${span} <= ${`${bound} seconds`}::interval)::float8 as ${sql.ref(`b${i}`)}`,
  );
  const result = await sql<Record<string, number>>`
    select ${sql.join(bounds)},
      count(*)::float8 as "count",
      coalesce(sum(extract(epoch from ${span})), 0)::float8 as "sum"
    from ${sql.table(options.table)} where ${options.where}`.execute(db);
  const row = result.rows[0] ?? {};
  return {
    buckets: LATENCY_BUCKETS.map((_, i) => row[`b${i}`] ?? 0),
    sum: row.sum ?? 0,
    count: row.count ?? 0,
  };
}

async function setByStatus(
  gauge: Gauge,
  db: Kysely<Database>,
  table: 'instances' | 'effects' | 'incidents',
  statuses: string[],
): Promise<void> {
  const result = await sql<{ status: string; n: number }>`
    select status, count(*)::int as n from ${sql.table(table)} group by status`.execute(db);
  gauge.reset();
  // Known statuses are always present (as 0), so alerts on them never see a missing series.
  for (const status of statuses) gauge.set({ status }, 0);
  for (const row of result.rows) gauge.set({ status: row.status }, row.n);
}
