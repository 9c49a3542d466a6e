/** Human tasks: listing the inbox and completing a task, which drives its instance on. */
import type { Kysely } from 'kysely';
import { validateTaskForm, type FormField, type Json, type Problem } from '@waybill/shared';
import { notify } from '../db/connect.ts';
import { jsonb, type Database, type TaskStatus } from '../db/schema.ts';
import { iso, isRecord } from '../util.ts';
import { WORK_CHANNEL } from './channels.ts';
import { isUuid } from './queries.ts';
import { RuntimeError } from './runtime.error.ts';

export interface TaskView {
  id: string;
  instanceId: string;
  nodeId: string;
  title: string;
  candidateRoles: string[];
  form: unknown[];
  outcomes: { id: string; label: string }[];
  status: TaskStatus;
  dueAt: string | null;
  createdAt: string;
  correlationKey: string;
}

/**
 * Tasks, oldest first, optionally by status.
 *
 * ```ts
 * const open = await listTasks(db, { status: 'open' });
 * ```
 */
export async function listTasks(
  db: Kysely<Database>,
  filter: { status?: TaskStatus | undefined; limit?: number } = {},
): Promise<TaskView[]> {
  let query = db
    .selectFrom('tasks')
    .innerJoin('instances', 'instances.id', 'tasks.instance_id')
    .select([
      'tasks.id',
      'tasks.instance_id',
      'tasks.node_id',
      'tasks.title',
      'tasks.candidate_roles',
      'tasks.form',
      'tasks.outcomes',
      'tasks.status',
      'tasks.due_at',
      'tasks.created_at',
      'instances.correlation_key',
    ]);
  if (filter.status) query = query.where('tasks.status', '=', filter.status);
  const rows = await query
    .orderBy('tasks.created_at')
    .limit(filter.limit ?? 200)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    instanceId: row.instance_id,
    nodeId: row.node_id,
    title: row.title,
    candidateRoles: row.candidate_roles,
    form: row.form,
    outcomes: row.outcomes,
    status: row.status,
    dueAt: iso(row.due_at),
    createdAt: iso(row.created_at) ?? '',
    correlationKey: row.correlation_key,
  }));
}

/**
 * Who acts on a task from the inbox: a user name (recorded as the actor) and the groups whose
 * tasks the user may see; `groups: null` sees every group (an administrator).
 */
export interface TaskViewer {
  userId: string;
  groups: readonly string[] | null;
}

/** The columns that decide who may see and act on a task. */
export interface TaskAccessColumns {
  candidate_roles: string[];
  claimed_by: string | null;
  assignee: string | null;
}

/**
 * True when the task is in the viewer's inbox: one of its candidate groups is the viewer's, or it
 * was claimed by, delegated or reassigned to the viewer.
 *
 * ```ts
 * canSeeTask({ userId: 'ana', groups: ['credit'] }, task); // task.candidate_roles: ['credit']
 * ```
 */
export function canSeeTask(viewer: TaskViewer, task: TaskAccessColumns): boolean {
  if (viewer.groups === null) return true;
  if (task.claimed_by === viewer.userId || task.assignee === viewer.userId) return true;
  return task.candidate_roles.some((role) => viewer.groups?.includes(role) === true);
}

/** Refuses a task outside the viewer's inbox, the way the inbox answers for every action. */
export function assertCanSeeTask(
  viewer: TaskViewer,
  task: TaskAccessColumns & { id: string },
): void {
  if (!canSeeTask(viewer, task)) {
    throw new RuntimeError('TASK_FORBIDDEN', `Task ${task.id} is not in your inbox.`, {
      details: { taskId: task.id },
    });
  }
}

export interface CompleteTaskInput {
  outcome: string;
  data?: Record<string, unknown> | undefined;
  completedBy?: string | undefined;
  /**
   * When set, the task must be in this viewer's inbox and not claimed by someone else
   * (checked under the task's row lock); the viewer is the one who completes it.
   */
  viewer?: TaskViewer | undefined;
  /** How the decision was made (`bulk` for a bulk approval), kept in the audit row. */
  via?: 'single' | 'bulk' | undefined;
}

function isFormField(value: unknown): value is FormField {
  return isRecord(value) && typeof value.id === 'string' && typeof value.label === 'string';
}

/**
 * Checks form values against the task's form (the same check the designer runs); refuses with
 * one problem per field: `TASK_MISSING_FIELDS` when only required fields are missing,
 * `TASK_INVALID_FIELDS` otherwise.
 */
export function checkTaskForm(
  task: { id: string; node_id: string; form: unknown[] },
  data: Record<string, unknown>,
): Record<string, Json> {
  const form = task.form.filter(isFormField);
  const result = validateTaskForm(form, data);
  if (result.ok) return result.values;
  const problems: Problem[] = Object.entries(result.fieldErrors).map(([field, message]) => ({
    code: 'task.field',
    severity: 'error',
    nodeId: task.node_id,
    field,
    message,
  }));
  const missing = form.filter((f) => f.required && result.fieldErrors[f.id]?.endsWith('required.'));
  const onlyMissing = missing.length === problems.length;
  throw new RuntimeError(
    onlyMissing ? 'TASK_MISSING_FIELDS' : 'TASK_INVALID_FIELDS',
    `Task ${task.id}: ${problems.map((p) => `${p.field}: ${p.message}`).join(' ')}`,
    { problems, details: { fields: problems.map((p) => p.field) } },
  );
}

/**
 * Completes an open task with one of its outcomes; the instance receives
 * `waybill.task.completed` in the same transaction.
 *
 * ```ts
 * await completeTask(db, taskId, { outcome: 'approve', data: { comment: 'ok' }, completedBy: 'ana' });
 * ```
 * @throws RuntimeError `TASK_NOT_FOUND`, `TASK_NOT_OPEN`, `TASK_INVALID_OUTCOME`, `TASK_MISSING_FIELDS`
 */
export async function completeTask(
  db: Kysely<Database>,
  taskId: string,
  input: CompleteTaskInput,
): Promise<void> {
  const completedBy = input.viewer?.userId ?? input.completedBy ?? 'anonymous';
  if (!isUuid(taskId)) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
  await db.transaction().execute(async (trx) => {
    const task = await trx
      .selectFrom('tasks')
      .innerJoin('instances', 'instances.id', 'tasks.instance_id')
      .select([
        'tasks.id',
        'tasks.instance_id',
        'tasks.task_key',
        'tasks.node_id',
        'tasks.status',
        'tasks.form',
        'tasks.outcomes',
        'tasks.candidate_roles',
        'tasks.claimed_by',
        'tasks.assignee',
        'instances.flow_key',
        'instances.current_nodes',
      ])
      .where('tasks.id', '=', taskId)
      .forUpdate()
      .executeTakeFirst();
    if (!task) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
    if (input.viewer) assertCanSeeTask(input.viewer, task);
    if (task.status !== 'open') {
      throw new RuntimeError('TASK_NOT_OPEN', `Task ${taskId} is ${task.status}, not open.`, {
        details: { status: task.status },
      });
    }
    if (input.viewer && task.claimed_by !== null && task.claimed_by !== completedBy) {
      throw new RuntimeError('TASK_CLAIMED', `Task ${taskId} is claimed by ${task.claimed_by}.`, {
        details: { claimedBy: task.claimed_by },
      });
    }
    if (!task.outcomes.some((o) => o.id === input.outcome)) {
      throw new RuntimeError(
        'TASK_INVALID_OUTCOME',
        `Task ${taskId} has no outcome "${input.outcome}" (outcomes: ${task.outcomes.map((o) => o.id).join(', ')}).`,
        { details: { outcome: input.outcome } },
      );
    }
    const data = checkTaskForm(task, input.data ?? {});
    await trx
      .updateTable('tasks')
      .set({
        status: 'completed',
        outcome: input.outcome,
        data: jsonb(data),
        completed_by: completedBy,
        completed_at: new Date(),
      })
      .where('id', '=', taskId)
      .execute();
    // An exception's task resolves it; when the flow went on without waiting, the instance
    // is not told (it no longer listens for this task).
    const exception = await trx
      .updateTable('exceptions')
      .set({ status: 'resolved', resolved_at: new Date() })
      .where('instance_id', '=', task.instance_id)
      .where('task_key', '=', task.task_key)
      .where('status', '=', 'open')
      .returning('blocking')
      .executeTakeFirst();
    if (exception?.blocking !== false)
      await trx
        .insertInto('inbox')
        .values({
          instance_id: task.instance_id,
          kind: 'task',
          body: jsonb({
            type: 'waybill.task.completed',
            taskKey: task.task_key,
            outcome: input.outcome,
            data,
            completedBy,
          }),
        })
        .execute();
    await trx
      .insertInto('audit_log')
      .values({
        actor: completedBy,
        instance_id: task.instance_id,
        kind: 'task.completed',
        flow_key: task.flow_key,
        from_nodes: jsonb(task.current_nodes),
        to_nodes: jsonb(task.current_nodes),
        event_type: 'waybill.task.completed',
        details: jsonb({
          taskId,
          taskKey: task.task_key,
          nodeId: task.node_id,
          outcome: input.outcome,
          data,
          via: input.via ?? 'single',
          claimedBy: task.claimed_by,
        }),
      })
      .execute();
    await notify(trx, WORK_CHANNEL, 'inbox');
  });
}
