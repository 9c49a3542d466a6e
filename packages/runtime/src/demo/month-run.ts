/**
 * Runs a planned month (`month-plan.ts`) through the real ingestion — the idempotent,
 * correlated event store the HTTP API writes to — in the order the events happened, then lets a
 * worker move every instance against the ERP simulator, with progress and a summary.
 * @module
 */
import type { ExceptionCategory } from '@waybill/shared';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ingestEvents, type EventSubmission } from '../engine/ingest.ts';
import { fireDueTimers } from '../engine/timers.ts';
import { silentLogger } from '../log.ts';
import type { Worker } from '../engine/worker.ts';
import { planMonth, type MonthPlanOptions, type PlannedEvent } from './month-plan.ts';

export interface MonthProgress {
  phase: 'ingest' | 'process';
  done: number;
  total: number;
  perSecond: number;
}

export interface MonthSummary {
  orders: number;
  warehouses: Record<string, number>;
  /** Orders per exception they run into (`none`: touchless). */
  exceptions: Record<ExceptionCategory | 'none', number>;
  events: {
    planned: number;
    /** Sent to the ingestion (events dated after `now` have not happened yet). */
    sent: number;
    accepted: number;
    /** Repeats of an idempotency key already stored (middleware retries): not stored again. */
    repeats: number;
    notYetHappened: number;
    /** Noisy events among those sent. */
    byNoise: Record<'retry' | 'resent' | 'outOfOrder' | 'late', number>;
  };
  ingestSeconds: number;
  /** Filled once the worker has processed the month. */
  processing: {
    seconds: number;
    instances: Record<string, number>;
    openTasks: number;
    /** Timers fired as of the end of the month (see `processMonth`). */
    timersFired: number;
  } | null;
}

export interface RunMonthOptions extends MonthPlanOptions {
  /** Events per ingestion transaction (default 500, as `POST /api/v1/events/batch`). */
  batchSize?: number;
  /** Events dated after this are left out (default: now). */
  now?: Date;
  onProgress?: (progress: MonthProgress) => void;
}

/**
 * Plans the month and ingests its events in the order they happened.
 *
 * ```ts
 * const summary = await ingestMonth(db, { invoices: 40_000, seed: 1, onProgress: print });
 * summary.events.accepted; // ≈ 250,000
 * ```
 */
export async function ingestMonth(
  db: Kysely<Database>,
  options: RunMonthOptions,
): Promise<MonthSummary> {
  const now = (options.now ?? new Date()).toISOString();
  const summary: MonthSummary = {
    orders: 0,
    warehouses: {},
    exceptions: {
      none: 0,
      pricingVariance: 0,
      quantityMismatch: 0,
      missingPod: 0,
      freightCharge: 0,
      taxDiscrepancy: 0,
      creditHold: 0,
      duplicateBilling: 0,
      customerDispute: 0,
      integrationFailure: 0,
    },
    events: {
      planned: 0,
      sent: 0,
      accepted: 0,
      repeats: 0,
      notYetHappened: 0,
      byNoise: { retry: 0, resent: 0, outOfOrder: 0, late: 0 },
    },
    ingestSeconds: 0,
    processing: null,
  };
  const events: PlannedEvent[] = [];
  for (const order of planMonth(options)) {
    summary.orders += 1;
    summary.warehouses[order.warehouse] = (summary.warehouses[order.warehouse] ?? 0) + 1;
    summary.exceptions[order.exception ?? 'none'] += 1;
    for (const event of order.events) {
      summary.events.planned += 1;
      if (event.occurredAt > now) {
        summary.events.notYetHappened += 1;
        continue;
      }
      if (event.noise) summary.events.byNoise[event.noise] += 1;
      events.push(event);
    }
  }
  // What the systems send, in the order they send it (ISO-8601 strings sort by time).
  events.sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0));
  const started = Date.now();
  const batchSize = options.batchSize ?? 500;
  for (let i = 0; i < events.length; i += batchSize) {
    const batch: EventSubmission[] = events.slice(i, i + batchSize).map((e) => ({
      idempotencyKey: e.idempotencyKey,
      event: {
        type: e.type,
        correlationKey: e.correlationKey,
        payload: e.payload,
        occurredAt: e.occurredAt,
      },
    }));
    const results = await ingestEvents(db, batch);
    for (const result of results) {
      if (result.outcome === 'accepted') summary.events.accepted += 1;
      else summary.events.repeats += 1;
    }
    summary.events.sent += batch.length;
    const seconds = (Date.now() - started) / 1000;
    options.onProgress?.({
      phase: 'ingest',
      done: summary.events.sent,
      total: events.length,
      perSecond: seconds > 0 ? summary.events.sent / seconds : 0,
    });
  }
  summary.ingestSeconds = (Date.now() - started) / 1000;
  return summary;
}

/**
 * Lets `worker` route and advance everything ingested until nothing is left to do now (timers
 * due later stay scheduled), reporting how many events are routed as it goes.
 */
export async function processMonth(
  db: Kysely<Database>,
  worker: Worker,
  options: {
    onProgress?: (progress: MonthProgress) => void;
    /**
     * Then fire the timers due until this time and drain again: deadlines that would have
     * passed during the month (a POD not received in two days) raise their tasks now, so the
     * inbox shows what a month leaves open.
     */
    fireTimersUntil?: Date;
  } = {},
): Promise<NonNullable<MonthSummary['processing']>> {
  const started = Date.now();
  const pendingOf = async () =>
    Number(
      (
        await db
          .selectFrom('events')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('status', '=', 'pending')
          .executeTakeFirstOrThrow()
      ).n,
    );
  const total = await pendingOf();
  await drain(db, worker, total, pendingOf, started, options.onProgress);
  let timersFired = 0;
  const until = options.fireTimersUntil;
  // Timers fire in batches; the steps they cause may schedule more (task due dates).
  for (
    let fired = until ? await fireDueTimers(db, { logger: silentLogger, now: until }) : 0;
    fired > 0 && until;
    fired = await fireDueTimers(db, { logger: silentLogger, now: until })
  ) {
    timersFired += fired;
    await drain(db, worker, total, pendingOf, started, options.onProgress);
  }
  const rows = await db
    .selectFrom('instances')
    .select(['status', 'outcome', (eb) => eb.fn.countAll().as('n')])
    .groupBy(['status', 'outcome'])
    .execute();
  const instances: Record<string, number> = {};
  for (const row of rows)
    instances[row.outcome ?? row.status] =
      (instances[row.outcome ?? row.status] ?? 0) + Number(row.n);
  const tasks = await db
    .selectFrom('tasks')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  return {
    seconds: (Date.now() - started) / 1000,
    instances,
    openTasks: Number(tasks.n),
    timersFired,
  };
}

/** Runs worker rounds until two in a row find nothing to do. */
async function drain(
  db: Kysely<Database>,
  worker: Worker,
  total: number,
  pendingOf: () => Promise<number>,
  started: number,
  onProgress: ((progress: MonthProgress) => void) | undefined,
): Promise<void> {
  let idleRounds = 0;
  let round = 0;
  while (idleRounds < 2) {
    const result = await worker.runOnce();
    const work = result.routed + result.advanced + result.effects + result.timersFired;
    idleRounds = work === 0 ? idleRounds + 1 : 0;
    round += 1;
    if (round % 20 === 0 || idleRounds > 0) {
      const done = total - (await pendingOf());
      const seconds = (Date.now() - started) / 1000;
      onProgress?.({ phase: 'process', done, total, perSecond: seconds > 0 ? done / seconds : 0 });
    }
  }
}

/** The summary as text for a terminal. */
export function formatMonthSummary(summary: MonthSummary): string {
  const pct = (n: number) => `${((n / Math.max(1, summary.orders)) * 100).toFixed(1)}%`;
  const lines = [
    `orders (invoices)   ${summary.orders}`,
    `warehouses          ${Object.entries(summary.warehouses)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([w, n]) => `${w} ${n}`)
      .join(', ')}`,
    `exceptions          ${Object.entries(summary.exceptions)
      .filter(([category]) => category !== 'none')
      .map(([category, n]) => `${category} ${n} (${pct(n)})`)
      .join(', ')}`,
    `touchless           ${summary.exceptions.none} (${pct(summary.exceptions.none)})`,
    `events              ${summary.events.planned} planned, ${summary.events.sent} sent, ${summary.events.accepted} accepted, ` +
      `${summary.events.repeats} repeats answered from the idempotency key, ${summary.events.notYetHappened} not happened yet`,
    `noise               ${summary.events.byNoise.retry} middleware retries, ${summary.events.byNoise.resent} confirmations sent twice, ` +
      `${summary.events.byNoise.outOfOrder} out of order, ${summary.events.byNoise.late} late freight`,
    `ingestion           ${summary.ingestSeconds.toFixed(1)} s (${(summary.events.sent / Math.max(0.001, summary.ingestSeconds)).toFixed(0)} events/s)`,
  ];
  if (summary.processing) {
    lines.push(
      `processing          ${summary.processing.seconds.toFixed(1)} s`,
      `instances           ${Object.entries(summary.processing.instances)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
      `open tasks          ${summary.processing.openTasks} (after ${summary.processing.timersFired} deadlines of the month came due)`,
    );
  }
  return lines.join('\n');
}

export type { PlannedEvent };
