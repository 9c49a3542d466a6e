/** Queue depths for `/healthz` (and later `/metrics`). */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface QueueDepths {
  /** Events not yet routed to instances. */
  pendingEvents: number;
  /** Events no instance took yet (kept until one starts for their key). */
  parkedEvents: number;
  /** Inbox messages waiting for their instance to advance. */
  pendingMessages: number;
  /** Connector calls waiting or running. */
  pendingEffects: number;
  /** Timers not yet fired. */
  scheduledTimers: number;
  openTasks: number;
}

/**
 * Counts the work waiting in each queue.
 *
 * ```ts
 * const { pendingEvents, pendingEffects } = await queueDepths(db);
 * ```
 */
export async function queueDepths(db: Kysely<Database>): Promise<QueueDepths> {
  const row = await sql<QueueDepths>`
    select
      (select count(*) from events where status = 'pending')::int as "pendingEvents",
      (select count(*) from events where status = 'parked')::int as "parkedEvents",
      (select count(*) from inbox where status = 'pending')::int as "pendingMessages",
      (select count(*) from effects where status in ('pending', 'running'))::int as "pendingEffects",
      (select count(*) from timers where status = 'scheduled')::int as "scheduledTimers",
      (select count(*) from tasks where status = 'open')::int as "openTasks"
  `.execute(db);
  const depths = row.rows[0];
  if (!depths) throw new Error('queue depth query returned no row');
  return depths;
}

/** Which kinds of work a worker would find now. */
export interface PendingWork {
  /** Events waiting to be routed. */
  events: boolean;
  /** Timers that are due. */
  timers: boolean;
  /** Inbox messages waiting for their instance to advance. */
  messages: boolean;
  /** Connector calls that are due (or whose lease ran out). */
  effects: boolean;
}

/**
 * One round trip that tells a worker which of its phases have anything to do, so an idle or
 * lightly loaded worker does not open a transaction per empty phase (each costs three round
 * trips, times every worker, times every poll). Answers from the partial indexes of each queue.
 *
 * ```ts
 * const work = await pendingWork(db);
 * if (work.events) await routeEvents(db, options);
 * ```
 */
export async function pendingWork(db: Kysely<Database>): Promise<PendingWork> {
  const row = await sql<PendingWork>`
    select
      exists(select 1 from events where status = 'pending') as events,
      exists(select 1 from timers where status = 'scheduled' and due_at <= now()) as timers,
      exists(select 1 from inbox where status = 'pending') as messages,
      (exists(select 1 from effects where status = 'pending' and next_run_at <= now())
        or exists(select 1 from effects where status = 'running' and lease_until < now()))
        as effects
  `.execute(db);
  const work = row.rows[0];
  if (!work) throw new Error('pending work query returned no row');
  return work;
}
