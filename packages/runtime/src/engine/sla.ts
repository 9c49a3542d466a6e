/**
 * Task SLAs on durable timers. A human task's due date and escalation come from the flow
 * (`dueIn`, `escalation: { after, toRole }`) as timers the engine schedules with the task; this
 * module adds the reminder before the due date and acts when any of them fires:
 *
 * - `reminder` (at the due date minus `WAYBILL_SLA_REMINDER_MINUTES`, default 60, or a quarter of
 *   the time allowed if shorter): the task's groups and assignee are reminded.
 * - `escalation` (flow-configured): the role joins the task's candidates; escalation level + 1.
 * - `due`: the task is breached (flagged wherever tasks show); its groups are told; and when
 *   someone holds the task (assignee or claimant) with a manager, it escalates to the manager.
 *
 * Each timer fires once (the poller marks it fired in the same transaction), and the
 * notifications it causes are written as intents in that transaction too, so a restart neither
 * loses nor repeats them. Every change is audited with the task's state before and after.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import { jsonb, type Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { isRecord } from '../util.ts';

/** Reminder lead: `WAYBILL_SLA_REMINDER_MINUTES` (default 60). */
export const SLA_REMINDER_MINUTES = (() => {
  const value = Number(process.env.WAYBILL_SLA_REMINDER_MINUTES);
  return Number.isFinite(value) && value > 0 ? value : 60;
})();

/**
 * Schedules the reminder timer of every open task with a due date that has none yet (one
 * statement; safe to run from several processes). Returns how many were scheduled.
 *
 * ```ts
 * await scheduleReminders(db); // then fireDueTimers(db, { logger }) fires them when due
 * ```
 */
export async function scheduleReminders(
  db: Kysely<Database>,
  options: { leadMinutes?: number } = {},
): Promise<number> {
  const lead = options.leadMinutes ?? SLA_REMINDER_MINUTES;
  const result = await sql`
    INSERT INTO timers (instance_id, timer_key, node_id, purpose, due_at, payload)
    SELECT t.instance_id, t.task_key || ':reminder', t.node_id, 'reminder',
           greatest(t.created_at,
                    t.due_at - least(make_interval(mins => ${lead}), (t.due_at - t.created_at) / 4)),
           jsonb_build_object('taskKey', t.task_key)
      FROM tasks t
     WHERE t.status = 'open' AND t.due_at IS NOT NULL
       AND t.reminded_at IS NULL AND t.breached_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM timers x
                        WHERE x.instance_id = t.instance_id AND x.timer_key = t.task_key || ':reminder')
    ON CONFLICT (instance_id, timer_key) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Records a `task.assigned` intent for every open task of the last day that has none (the
 * notifier turns intents into deliveries). Returns how many were recorded.
 */
export async function recordAssignedIntents(db: Kysely<Database>): Promise<number> {
  const result = await sql`
    INSERT INTO notifications (kind, channel, recipient, task_id, payload)
    SELECT 'task.assigned', 'intent', '*', t.id,
           jsonb_build_object('kind', 'task.assigned', 'audience', jsonb_build_object(
             'groups', t.candidate_roles,
             'usernames', CASE WHEN t.assignee IS NULL THEN '[]'::jsonb
                               ELSE jsonb_build_array(t.assignee) END))
      FROM tasks t
     WHERE t.status = 'open' AND t.created_at > now() - interval '1 day'
       AND NOT EXISTS (SELECT 1 FROM notifications n
                        WHERE n.kind = 'task.assigned' AND n.channel = 'intent'
                          AND n.recipient = '*' AND n.task_id = t.id)
    ON CONFLICT (kind, channel, recipient, task_id) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/** A notification to send once the transaction commits: who hears about which task event. */
export interface NotificationIntent {
  kind: 'task.assigned' | 'task.reminder' | 'task.breached' | 'task.escalated';
  audience: { groups: string[]; usernames: string[] };
  escalatedTo?: string;
}

async function recordIntent(
  trx: Kysely<Database>,
  taskId: string,
  key: string,
  intent: NotificationIntent,
): Promise<void> {
  await trx
    .insertInto('notifications')
    .values({
      kind: key,
      channel: 'intent',
      recipient: '*',
      task_id: taskId,
      payload: jsonb(intent),
    })
    .onConflict((oc) => oc.columns(['kind', 'channel', 'recipient', 'task_id']).doNothing())
    .execute();
}

interface SlaTask {
  id: string;
  candidate_roles: string[];
  assignee: string | null;
  claimed_by: string | null;
  escalation_level: number;
  escalated_to: string | null;
  reminded_at: Date | string | null;
  breached_at: Date | string | null;
  flow_key: string;
  current_nodes: string[];
}

function stateOf(task: SlaTask): Record<string, unknown> {
  return {
    candidateRoles: task.candidate_roles,
    assignee: task.assignee,
    escalationLevel: task.escalation_level,
    escalatedTo: task.escalated_to,
    reminded: task.reminded_at !== null,
    breached: task.breached_at !== null,
  };
}

/**
 * Acts on a fired task timer (`reminder`, `due`, `escalation`) inside the poller's transaction.
 * Nothing happens once the task is no longer open.
 */
export async function fireSlaTimer(
  trx: Kysely<Database>,
  timer: { instance_id: string; timer_key: string; purpose: string; payload: unknown },
  logger: Logger,
): Promise<void> {
  const payload = isRecord(timer.payload) ? timer.payload : {};
  const taskKey = typeof payload.taskKey === 'string' ? payload.taskKey : null;
  if (taskKey === null) return;
  const task: SlaTask | undefined = await trx
    .selectFrom('tasks')
    .innerJoin('instances', 'instances.id', 'tasks.instance_id')
    .select([
      'tasks.id',
      'tasks.candidate_roles',
      'tasks.assignee',
      'tasks.claimed_by',
      'tasks.escalation_level',
      'tasks.escalated_to',
      'tasks.reminded_at',
      'tasks.breached_at',
      'instances.flow_key',
      'instances.current_nodes',
    ])
    .where('tasks.instance_id', '=', timer.instance_id)
    .where('tasks.task_key', '=', taskKey)
    .where('tasks.status', '=', 'open')
    .forUpdate()
    .executeTakeFirst();
  if (!task) return;
  const holders = [task.assignee, task.claimed_by].filter((u): u is string => u !== null);
  const audience = { groups: [...task.candidate_roles], usernames: [...new Set(holders)] };
  const audit = async (
    kind: string,
    after: SlaTask,
    details: Record<string, unknown>,
    before: SlaTask = task,
  ) => {
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
        details: jsonb({
          taskId: task.id,
          taskKey,
          before: stateOf(before),
          after: stateOf(after),
          ...details,
        }),
      })
      .execute();
    logger.info(kind, { instanceId: timer.instance_id, taskKey, ...details });
  };

  if (timer.purpose === 'reminder') {
    if (task.breached_at !== null) return;
    const now = new Date();
    await trx.updateTable('tasks').set({ reminded_at: now }).where('id', '=', task.id).execute();
    await recordIntent(trx, task.id, 'task.reminder', { kind: 'task.reminder', audience });
    await audit('task.reminded', { ...task, reminded_at: now }, {});
    return;
  }

  if (timer.purpose === 'escalation' && typeof payload.toRole === 'string') {
    const toRole = payload.toRole;
    const roles = task.candidate_roles.includes(toRole)
      ? task.candidate_roles
      : [...task.candidate_roles, toRole];
    const level = task.escalation_level + 1;
    await trx
      .updateTable('tasks')
      .set({
        candidate_roles: jsonb(roles),
        escalated_to: toRole,
        escalated_at: sql`now()`,
        escalation_level: level,
      })
      .where('id', '=', task.id)
      .execute();
    await recordIntent(trx, task.id, `task.escalated:${level}`, {
      kind: 'task.escalated',
      audience: { groups: [toRole], usernames: [] },
      escalatedTo: toRole,
    });
    await audit(
      'task.escalated',
      { ...task, candidate_roles: roles, escalated_to: toRole, escalation_level: level },
      { toRole, level },
    );
    return;
  }

  // Due: the SLA is breached.
  const now = new Date();
  await trx
    .updateTable('tasks')
    .set({ overdue_at: now, breached_at: task.breached_at ?? now })
    .where('id', '=', task.id)
    .execute();
  await recordIntent(trx, task.id, 'task.breached', { kind: 'task.breached', audience });
  const breached = { ...task, breached_at: task.breached_at ?? now };
  await audit('task.overdue', breached, { breached: true });

  // Whoever holds the task answers to their manager once it is late.
  const holder = holders[0];
  if (holder === undefined) return;
  const manager = await trx
    .selectFrom('users as u')
    .innerJoin('users as m', 'm.id', 'u.manager_id')
    .select('m.username')
    .where('u.username', '=', holder)
    .where('m.disabled_at', 'is', null)
    .executeTakeFirst();
  if (!manager || manager.username === holder) return;
  const level = task.escalation_level + 1;
  await trx
    .updateTable('tasks')
    .set({
      assignee: manager.username,
      escalated_to: manager.username,
      escalated_at: sql`now()`,
      escalation_level: level,
    })
    .where('id', '=', task.id)
    .execute();
  await recordIntent(trx, task.id, `task.escalated:${level}`, {
    kind: 'task.escalated',
    audience: { groups: [], usernames: [manager.username] },
    escalatedTo: manager.username,
  });
  await audit(
    'task.escalated',
    {
      ...breached,
      assignee: manager.username,
      escalated_to: manager.username,
      escalation_level: level,
    },
    { toManager: manager.username, from: holder, level },
    breached,
  );
}
