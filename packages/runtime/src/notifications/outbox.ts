/**
 * The notification outbox. Notifications are written in the transaction of the change that
 * causes them (a timer firing, a task appearing), one row per channel and recipient, and
 * delivered after commit with retries: a crash between the two loses nothing, and the unique
 * key (kind, channel, recipient, task) keeps an event from being notified twice.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import { jsonb, type Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import { iso, isRecord } from '../util.ts';
import {
  NotificationError,
  renderMessage,
  type NotificationChannel,
  type NotificationKind,
  type NotificationMessage,
  type Recipient,
  type TaskNotice,
} from './channel.ts';

/** Who hears about a task event: members of groups, and/or named users. */
export interface Audience {
  groups?: readonly string[];
  usernames?: readonly string[];
}

async function recipientsOf(db: Kysely<Database>, audience: Audience): Promise<Recipient[]> {
  const groups = [...(audience.groups ?? [])];
  const usernames = [...(audience.usernames ?? [])];
  if (groups.length === 0 && usernames.length === 0) return [];
  const rows = await db
    .selectFrom('users')
    .leftJoin('group_members', 'group_members.user_id', 'users.id')
    .select(['users.username', 'users.email'])
    .where('users.disabled_at', 'is', null)
    .where((eb) =>
      eb.or([
        ...(groups.length > 0 ? [eb('group_members.group_key', 'in', groups)] : []),
        ...(usernames.length > 0 ? [eb('users.username', 'in', usernames)] : []),
      ]),
    )
    .distinct()
    .execute();
  return rows.map((r) => ({ username: r.username, email: r.email }));
}

/** The task as a notice (null when it does not exist). */
export async function taskNotice(db: Kysely<Database>, taskId: string): Promise<TaskNotice | null> {
  const row = await db
    .selectFrom('tasks')
    .innerJoin('instances', 'instances.id', 'tasks.instance_id')
    .select([
      'tasks.id',
      'tasks.title',
      'tasks.instance_id',
      'tasks.node_id',
      'tasks.candidate_roles',
      'tasks.due_at',
      'tasks.escalation_level',
      'instances.correlation_key',
    ])
    .where('tasks.id', '=', taskId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    title: row.title,
    instanceId: row.instance_id,
    nodeId: row.node_id,
    correlationKey: row.correlation_key,
    candidateRoles: row.candidate_roles,
    dueAt: iso(row.due_at),
    escalationLevel: row.escalation_level,
  };
}

/** Where the designer is, for links in messages (`WAYBILL_PUBLIC_URL`). */
function linkTo(taskId: string): string | null {
  const base = process.env.WAYBILL_PUBLIC_URL;
  return base ? `${base.replace(/\/$/, '')}/#/tasks/${encodeURIComponent(taskId)}` : null;
}

/**
 * Queues a notification about a task for every channel and recipient; call it inside the
 * transaction of the change. Returns how many deliveries were queued (0 without channels).
 *
 * ```ts
 * await enqueueTaskNotification(trx, channels, { kind: 'task.breached', taskId, audience: { groups: task.candidate_roles } });
 * ```
 */
export async function enqueueTaskNotification(
  db: Kysely<Database>,
  channels: readonly NotificationChannel[],
  event: {
    kind: NotificationKind;
    taskId: string;
    audience: Audience;
    /** Distinguishes repeated events of one kind (escalation levels): `task.escalated:2`. */
    key?: string;
    escalatedTo?: string;
  },
): Promise<number> {
  if (channels.length === 0) return 0;
  const task = await taskNotice(db, event.taskId);
  if (!task) return 0;
  const notice = event.escalatedTo ? { ...task, escalatedTo: event.escalatedTo } : task;
  const message = renderMessage(event.kind, notice, linkTo(task.id));
  const users = await recipientsOf(db, event.audience);
  const rows = channels.flatMap((channel) =>
    channel.recipientsFor(users).map((recipient) => ({
      kind: event.key ?? event.kind,
      channel: channel.name,
      recipient,
      task_id: task.id,
      payload: jsonb(message),
    })),
  );
  if (rows.length === 0) return 0;
  const inserted = await db
    .insertInto('notifications')
    .values(rows)
    .onConflict((oc) => oc.columns(['kind', 'channel', 'recipient', 'task_id']).doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}

function isMessage(value: unknown): value is NotificationMessage {
  return (
    isRecord(value) &&
    typeof value.kind === 'string' &&
    typeof value.subject === 'string' &&
    typeof value.text === 'string' &&
    isRecord(value.task)
  );
}

/** Retry delays after failed attempts: 10 s, 1 min, 5 min, 30 min; then the delivery fails. */
const RETRY_DELAYS_S = [10, 60, 300, 1800];

/**
 * Delivers due notifications (claimed with SKIP LOCKED, so several processes may run this).
 * Returns how many were sent.
 */
export async function deliverNotifications(
  db: Kysely<Database>,
  channels: readonly NotificationChannel[],
  options: { logger: Logger; batchSize?: number },
): Promise<number> {
  if (channels.length === 0) return 0;
  const byName = new Map(channels.map((c) => [c.name, c]));
  // Claim by pushing next_run_at ahead: a crash mid-send retries after the lease.
  const claimed = await db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('notifications')
      .select(['id', 'channel', 'recipient', 'payload', 'attempts'])
      .where('status', '=', 'pending')
      .where('next_run_at', '<=', sql<Date>`now()`)
      .orderBy('next_run_at')
      .limit(options.batchSize ?? 50)
      .forUpdate()
      .skipLocked()
      .execute();
    if (due.length > 0)
      await trx
        .updateTable('notifications')
        .set({ next_run_at: sql`now() + interval '2 minutes'` })
        .where(
          'id',
          'in',
          due.map((d) => d.id),
        )
        .execute();
    return due;
  });
  let sent = 0;
  for (const row of claimed) {
    const channel = byName.get(row.channel);
    const attempts = row.attempts + 1;
    try {
      if (!channel) throw new NotificationError(`no channel "${row.channel}" is configured`);
      if (!isMessage(row.payload))
        throw new NotificationError('stored message is malformed', { permanent: true });
      await channel.send(row.recipient, row.payload, { id: String(row.id) });
      await db
        .updateTable('notifications')
        .set({ status: 'sent', attempts, sent_at: new Date(), last_error: null })
        .where('id', '=', row.id)
        .execute();
      sent += 1;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const permanent = error instanceof NotificationError && error.permanent;
      const delay = RETRY_DELAYS_S[attempts - 1];
      const giveUp = permanent || delay === undefined;
      await db
        .updateTable('notifications')
        .set({
          attempts,
          last_error: message.slice(0, 2000),
          ...(giveUp
            ? { status: 'failed' as const }
            : { next_run_at: new Date(Date.now() + delay * 1000) }),
        })
        .where('id', '=', row.id)
        .execute();
      options.logger.warn('notification not delivered', {
        id: row.id,
        channel: row.channel,
        attempts,
        final: giveUp,
        err: message,
      });
    }
  }
  return sent;
}
