/** The timer poller: due timers become `waybill.timer.fired` messages, each exactly once. */
import { sql, type Kysely } from 'kysely';
import { notify } from '../db/connect.ts';
import { jsonb, type Database } from '../db/schema.ts';
import { isRecord } from '../util.ts';
import type { Logger } from '../log.ts';
import { WORK_CHANNEL } from './channels.ts';
import { engineMetrics } from './metrics.ts';

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
    // Task due dates and escalations act on the task; every other timer is a machine event.
    const machineTimers = due.filter((t) => t.payload === null);
    for (const t of due) if (t.payload !== null) await fireTaskTimer(trx, t, options.logger);
    if (machineTimers.length === 0) return due.length;
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
    return due.length;
  });
}

/**
 * A task's due date passed (the task is marked overdue) or its escalation is due (the role is
 * added to the task's candidates). Either only while the task is still open; audited.
 */
async function fireTaskTimer(
  trx: Kysely<Database>,
  timer: { instance_id: string; timer_key: string; purpose: string; payload: unknown },
  logger: Logger,
): Promise<void> {
  const payload = isRecord(timer.payload) ? timer.payload : {};
  const taskKey = typeof payload.taskKey === 'string' ? payload.taskKey : null;
  if (taskKey === null) return;
  const task = await trx
    .selectFrom('tasks')
    .innerJoin('instances', 'instances.id', 'tasks.instance_id')
    .select(['tasks.id', 'tasks.candidate_roles', 'instances.flow_key', 'instances.current_nodes'])
    .where('tasks.instance_id', '=', timer.instance_id)
    .where('tasks.task_key', '=', taskKey)
    .where('tasks.status', '=', 'open')
    .executeTakeFirst();
  if (!task) return;
  let details: Record<string, unknown>;
  if (timer.purpose === 'escalation' && typeof payload.toRole === 'string') {
    const toRole = payload.toRole;
    const roles = task.candidate_roles.includes(toRole)
      ? task.candidate_roles
      : [...task.candidate_roles, toRole];
    await trx
      .updateTable('tasks')
      .set({ candidate_roles: jsonb(roles), escalated_to: toRole, escalated_at: sql`now()` })
      .where('id', '=', task.id)
      .execute();
    details = { taskId: task.id, taskKey, toRole };
  } else {
    await trx
      .updateTable('tasks')
      .set({ overdue_at: sql`now()` })
      .where('id', '=', task.id)
      .execute();
    details = { taskId: task.id, taskKey };
  }
  const kind = timer.purpose === 'escalation' ? 'task.escalated' : 'task.overdue';
  await trx
    .insertInto('audit_log')
    .values({
      actor: 'system',
      instance_id: timer.instance_id,
      kind,
      flow_key: task.flow_key,
      from_nodes: jsonb(task.current_nodes),
      to_nodes: jsonb(task.current_nodes),
      event_type: null,
      details: jsonb(details),
    })
    .execute();
  logger.info(kind, { instanceId: timer.instance_id, taskKey });
}
