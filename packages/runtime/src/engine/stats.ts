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
