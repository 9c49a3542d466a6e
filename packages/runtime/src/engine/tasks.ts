/** Human tasks: listing the inbox and completing a task, which drives its instance on. */
import type { Kysely } from 'kysely';
import type { FormField, Json } from '@waybill/shared';
import { notify } from '../db/connect.ts';
import { jsonb, type Database, type TaskStatus } from '../db/schema.ts';
import { iso, isRecord, toJson } from '../util.ts';
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

export interface CompleteTaskInput {
  outcome: string;
  data?: Record<string, unknown> | undefined;
  completedBy?: string | undefined;
}

function isFormField(value: unknown): value is FormField {
  return isRecord(value) && typeof value.id === 'string' && typeof value.label === 'string';
}

function isBlank(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === 'string' && value.trim() === '')
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
  const completedBy = input.completedBy ?? 'anonymous';
  const data: Record<string, Json> = {};
  for (const [key, value] of Object.entries(input.data ?? {})) data[key] = toJson(value);
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
        'instances.flow_key',
        'instances.current_nodes',
      ])
      .where('tasks.id', '=', taskId)
      .forUpdate()
      .executeTakeFirst();
    if (!task) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
    if (task.status !== 'open') {
      throw new RuntimeError('TASK_NOT_OPEN', `Task ${taskId} is ${task.status}, not open.`, {
        details: { status: task.status },
      });
    }
    if (!task.outcomes.some((o) => o.id === input.outcome)) {
      throw new RuntimeError(
        'TASK_INVALID_OUTCOME',
        `Task ${taskId} has no outcome "${input.outcome}" (outcomes: ${task.outcomes.map((o) => o.id).join(', ')}).`,
        { details: { outcome: input.outcome } },
      );
    }
    const missing = task.form.filter(isFormField).filter((f) => f.required && isBlank(data[f.id]));
    if (missing.length > 0) {
      throw new RuntimeError(
        'TASK_MISSING_FIELDS',
        `Task ${taskId}: required field(s) missing: ${missing.map((f) => `${f.id} (${f.label})`).join(', ')}.`,
        { details: { fields: missing.map((f) => f.id) } },
      );
    }
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
        }),
      })
      .execute();
    await notify(trx, WORK_CHANNEL, 'inbox');
  });
}
