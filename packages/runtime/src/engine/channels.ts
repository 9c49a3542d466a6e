/** The NOTIFY channel every kind of new work (events, inbox messages, effects, timers) is announced on. */
import { notify } from '../db/connect.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export const WORK_CHANNEL = 'waybill_work';

/**
 * Wakes sleeping workers, after the transaction that created the work committed. Not inside it:
 * a NOTIFY holds a database-wide lock from its commit until the end of the commit's disk flush,
 * so notifying transactions would commit one at a time instead of sharing flushes. A wake-up lost
 * to a crash just waits for the workers' next poll. New connector calls go to an idle effect
 * loop of this process first (see {@link wakeLocally}); only when there is none are the others
 * told.
 *
 * ```ts
 * const eventId = await db.transaction().execute(insertEvent);
 * await wakeWorkers(db, 'event');
 * ```
 */
export async function wakeWorkers(db: Kysely<Database>, what: string): Promise<void> {
  // Connector calls: a loop of this process that is asleep takes them at once, without a
  // NOTIFY (a round trip here, and a wasted claim on every other worker that wakes for it).
  if (what === 'effects') {
    for (const wake of localWakers.get(db) ?? []) if (wake(what)) return;
  }
  await notify(db, WORK_CHANNEL, what).catch(() => undefined);
}

/** Wakes a loop of this process if it answers `topic` and is asleep; says whether it did. */
export type LocalWaker = (topic: string) => boolean;

const localWakers = new WeakMap<Kysely<Database>, Set<LocalWaker>>();

/**
 * Registers a loop of this process that {@link wakeWorkers} wakes directly for work created
 * through the same database handle. Returns the function that unregisters it.
 */
export function wakeLocally(db: Kysely<Database>, waker: LocalWaker): () => void {
  let set = localWakers.get(db);
  if (!set) localWakers.set(db, (set = new Set()));
  set.add(waker);
  return () => set.delete(waker);
}
