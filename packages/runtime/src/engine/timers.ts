/** The timer poller: due timers become `waybill.timer.fired` messages, each exactly once. */
import { sql, type Kysely } from 'kysely';
import { notify } from '../db/connect.ts';
import { jsonb, type Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { WORK_CHANNEL } from './channels.ts';
import { crashPoint } from './crash-points.ts';
import { engineMetrics } from './metrics.ts';
import { fireSlaTimer } from './sla.ts';

/**
 * Fires the timers that are due, in one transaction: each is marked fired together with the
 * inbox message for its instance. Returns how many fired.
 *
 * ```ts
 * const fired = await fireDueTimers(db, { logger });
 * ```
 */
export async function fireDueTimers(
  db: Kysely<Database>,
  options: { logger: Logger; batchSize?: number; now?: Date },
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('timers')
      .select(['id', 'instance_id', 'timer_key', 'purpose', 'payload'])
      .where('status', '=', 'scheduled')
      .where('due_at', '<=', options.now ?? sql<Date>`now()`)
      .orderBy('due_at')
      .limit(options.batchSize ?? 100)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length === 0) return 0;
    engineMetrics.increment('waybill_timers_fired_total', due.length);
    await trx
      .updateTable('timers')
      .set({ status: 'fired' })
      .where(
        'id',
        'in',
        due.map((t) => t.id),
      )
      .execute();
    // Task SLA timers (due date, reminder, escalation) act on the task; every other timer is a
    // machine event.
    const machineTimers = due.filter((t) => t.payload === null);
    for (const t of due) if (t.payload !== null) await fireSlaTimer(trx, t, options.logger);
    if (machineTimers.length === 0) {
      crashPoint('timer.before-commit');
      return due.length;
    }
    await trx
      .insertInto('inbox')
      .values(
        machineTimers.map((t) => ({
          instance_id: t.instance_id,
          kind: 'timer' as const,
          body: jsonb({ type: 'waybill.timer.fired', timerKey: t.timer_key }),
        })),
      )
      .execute();
    await notify(trx, WORK_CHANNEL, 'inbox');
    for (const t of machineTimers)
      options.logger.info('timer fired', { instanceId: t.instance_id, timerKey: t.timer_key });
    crashPoint('timer.before-commit');
    return due.length;
  });
}
