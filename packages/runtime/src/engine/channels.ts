/** The NOTIFY channel every kind of new work (events, inbox messages, effects, timers) is announced on. */
import { notify } from '../db/connect.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export const WORK_CHANNEL = 'waybill_work';

/**
 * Wakes sleeping workers, after the transaction that created the work committed. Not inside it:
 * a NOTIFY holds a database-wide lock from its commit until the end of the commit's disk flush,
 * so notifying transactions would commit one at a time instead of sharing flushes. A wake-up lost
 * to a crash just waits for the workers' next poll.
 *
 * ```ts
 * const eventId = await db.transaction().execute(insertEvent);
 * await wakeWorkers(db, 'event');
 * ```
 */
export async function wakeWorkers(db: Kysely<Database>, what: string): Promise<void> {
  await notify(db, WORK_CHANNEL, what).catch(() => undefined);
}
