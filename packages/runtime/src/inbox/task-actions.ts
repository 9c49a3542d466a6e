/**
 * What an approver does to a task besides deciding it: claim and unclaim it (one claimant at a
 * time, decided by a conditional update so two claims cannot both win), comment, delegate it to a
 * colleague or reassign it to other groups (audited with before and after), and approve many
 * low-risk tasks at once (each decided on its own and reported per task).
 * @module
 */
import type { Kysely, Transaction } from 'kysely';
import { jsonb, type Database } from '../db/schema.ts';
import { isUuid } from '../engine/queries.ts';
import { isRuntimeError, RuntimeError } from '../engine/runtime.error.ts';
import { assertCanSeeTask, completeTask, type TaskViewer } from '../engine/tasks.ts';
import { iso } from '../util.ts';
import { lowRiskOf, type LowRiskRule } from './low-risk.ts';

/** Longest comment kept. */
export const COMMENT_LIMIT = 4000;

type Db = Kysely<Database> | Transaction<Database>;

async function lockedTask(trx: Transaction<Database>, viewer: TaskViewer, taskId: string) {
  if (!isUuid(taskId)) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
  const task = await trx
    .selectFrom('tasks')
    .innerJoin('instances', 'instances.id', 'tasks.instance_id')
    .select([
      'tasks.id',
      'tasks.instance_id',
      'tasks.node_id',
      'tasks.task_key',
      'tasks.status',
      'tasks.candidate_roles',
      'tasks.claimed_by',
      'tasks.assignee',
      'tasks.severity',
      'tasks.amount',
      'tasks.outcomes',
      'tasks.form',
      'instances.flow_key',
      'instances.current_nodes',
    ])
    .where('tasks.id', '=', taskId)
    .forUpdate()
    .executeTakeFirst();
  if (!task) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
  assertCanSeeTask(viewer, task);
  return task;
}

type LockedTask = Awaited<ReturnType<typeof lockedTask>>;

function assertOpen(task: LockedTask): void {
  if (task.status !== 'open') {
    throw new RuntimeError('TASK_NOT_OPEN', `Task ${task.id} is ${task.status}, not open.`, {
      details: { status: task.status },
    });
  }
}

function assertNotClaimedByOther(task: LockedTask, viewer: TaskViewer): void {
  if (task.claimed_by !== null && task.claimed_by !== viewer.userId && viewer.groups !== null) {
    throw new RuntimeError('TASK_CLAIMED', `Task ${task.id} is claimed by ${task.claimed_by}.`, {
      details: { claimedBy: task.claimed_by },
    });
  }
}

async function audit(
  db: Db,
  task: LockedTask,
  entry: { actor: string; kind: string; details: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      instance_id: task.instance_id,
      kind: entry.kind,
      flow_key: task.flow_key,
      from_nodes: jsonb(task.current_nodes),
      to_nodes: jsonb(task.current_nodes),
      event_type: null,
      details: jsonb({
        taskId: task.id,
        taskKey: task.task_key,
        nodeId: task.node_id,
        ...entry.details,
      }),
    })
    .execute();
}

export interface ClaimState {
  claimedBy: string | null;
  claimedAt: string | null;
}

/**
 * Claims an open task for the viewer. Claiming one's own claim again is a no-op; a task claimed
 * by someone else is refused (`TASK_CLAIMED`), decided by one conditional update.
 *
 * ```ts
 * await claimTask(db, { userId: 'ana', groups: ['credit'] }, taskId);
 * ```
 */
export async function claimTask(
  db: Kysely<Database>,
  viewer: TaskViewer,
  taskId: string,
): Promise<ClaimState> {
  return db.transaction().execute(async (trx) => {
    const task = await lockedTask(trx, viewer, taskId);
    assertOpen(task);
    const updated = await trx
      .updateTable('tasks')
      .set({ claimed_by: viewer.userId, claimed_at: new Date() })
      .where('id', '=', task.id)
      .where('status', '=', 'open')
      .where((eb) => eb.or([eb('claimed_by', 'is', null), eb('claimed_by', '=', viewer.userId)]))
      .returning(['claimed_by', 'claimed_at'])
      .executeTakeFirst();
    if (!updated) {
      throw new RuntimeError(
        'TASK_CLAIMED',
        `Task ${task.id} is claimed by ${task.claimed_by ?? 'someone else'}.`,
        {
          details: { claimedBy: task.claimed_by },
        },
      );
    }
    if (task.claimed_by !== viewer.userId) {
      await audit(trx, task, {
        actor: viewer.userId,
        kind: 'task.claimed',
        details: { before: { claimedBy: task.claimed_by }, after: { claimedBy: viewer.userId } },
      });
    }
    return { claimedBy: updated.claimed_by, claimedAt: iso(updated.claimed_at) };
  });
}

/**
 * Gives a claim back to the group. Only the claimant (or an administrator) may.
 *
 * ```ts
 * await unclaimTask(db, viewer, taskId);
 * ```
 */
export async function unclaimTask(
  db: Kysely<Database>,
  viewer: TaskViewer,
  taskId: string,
): Promise<ClaimState> {
  return db.transaction().execute(async (trx) => {
    const task = await lockedTask(trx, viewer, taskId);
    assertOpen(task);
    if (task.claimed_by === null) return { claimedBy: null, claimedAt: null };
    assertNotClaimedByOther(task, viewer);
    await trx
      .updateTable('tasks')
      .set({ claimed_by: null, claimed_at: null })
      .where('id', '=', task.id)
      .execute();
    await audit(trx, task, {
      actor: viewer.userId,
      kind: 'task.unclaimed',
      details: { before: { claimedBy: task.claimed_by }, after: { claimedBy: null } },
    });
    return { claimedBy: null, claimedAt: null };
  });
}

/** Users a task can be handed to: existing and not disabled. */
async function assertActiveUser(db: Db, username: string): Promise<void> {
  const user = await db
    .selectFrom('users')
    .select(['username', 'disabled_at'])
    .where('username', '=', username.toLowerCase())
    .executeTakeFirst();
  if (!user || user.disabled_at !== null) {
    throw new RuntimeError('TASK_INVALID_FIELDS', `No active user "${username}".`, {
      problems: [
        {
          code: 'task.user',
          severity: 'error',
          nodeId: null,
          field: 'toUser',
          message: `No active user "${username}".`,
        },
      ],
    });
  }
}

/**
 * Hands the viewer's task to a colleague: it becomes theirs (assigned and claimed by them).
 *
 * ```ts
 * await delegateTask(db, viewer, taskId, { toUser: 'ben', note: 'You know this customer' });
 * ```
 */
export async function delegateTask(
  db: Kysely<Database>,
  viewer: TaskViewer,
  taskId: string,
  input: { toUser: string; note?: string | undefined },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const task = await lockedTask(trx, viewer, taskId);
    assertOpen(task);
    assertNotClaimedByOther(task, viewer);
    const toUser = input.toUser.trim().toLowerCase();
    await assertActiveUser(trx, toUser);
    await trx
      .updateTable('tasks')
      .set({ assignee: toUser, claimed_by: toUser, claimed_at: new Date() })
      .where('id', '=', task.id)
      .execute();
    await audit(trx, task, {
      actor: viewer.userId,
      kind: 'task.delegated',
      details: {
        before: { assignee: task.assignee, claimedBy: task.claimed_by },
        after: { assignee: toUser, claimedBy: toUser },
        note: input.note ?? null,
      },
    });
  });
}

/**
 * Moves a task to other groups and/or a user; the claim is released so the new owners pick it up.
 *
 * ```ts
 * await reassignTask(db, viewer, taskId, { toGroups: ['pricing'], note: 'A price question' });
 * ```
 */
export async function reassignTask(
  db: Kysely<Database>,
  viewer: TaskViewer,
  taskId: string,
  input: {
    toGroups?: string[] | undefined;
    toUser?: string | null | undefined;
    note?: string | undefined;
  },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const task = await lockedTask(trx, viewer, taskId);
    assertOpen(task);
    assertNotClaimedByOther(task, viewer);
    const groups =
      input.toGroups && input.toGroups.length > 0
        ? [...new Set(input.toGroups.map((g) => g.trim()).filter((g) => g !== ''))]
        : task.candidate_roles;
    const toUser =
      input.toUser === undefined
        ? task.assignee
        : input.toUser === null
          ? null
          : input.toUser.trim().toLowerCase();
    if (toUser !== null && toUser !== task.assignee) await assertActiveUser(trx, toUser);
    await trx
      .updateTable('tasks')
      .set({ candidate_roles: jsonb(groups), assignee: toUser, claimed_by: null, claimed_at: null })
      .where('id', '=', task.id)
      .execute();
    await audit(trx, task, {
      actor: viewer.userId,
      kind: 'task.reassigned',
      details: {
        before: {
          groups: task.candidate_roles,
          assignee: task.assignee,
          claimedBy: task.claimed_by,
        },
        after: { groups, assignee: toUser, claimedBy: null },
        note: input.note ?? null,
      },
    });
  });
}

/**
 * Adds a comment to a task of the viewer's inbox.
 *
 * ```ts
 * await commentTask(db, viewer, taskId, 'Called the carrier, POD promised for Friday.');
 * ```
 */
export async function commentTask(
  db: Kysely<Database>,
  viewer: TaskViewer,
  taskId: string,
  body: string,
): Promise<{ id: number; createdAt: string }> {
  const text = body.trim();
  if (text === '' || text.length > COMMENT_LIMIT) {
    throw new RuntimeError(
      'TASK_INVALID_FIELDS',
      `A comment has 1 to ${COMMENT_LIMIT} characters.`,
      {
        problems: [
          {
            code: 'task.comment',
            severity: 'error',
            nodeId: null,
            field: 'body',
            message: `A comment has 1 to ${COMMENT_LIMIT} characters.`,
          },
        ],
      },
    );
  }
  return db.transaction().execute(async (trx) => {
    const task = await lockedTask(trx, viewer, taskId);
    const row = await trx
      .insertInto('task_comments')
      .values({ task_id: task.id, author: viewer.userId, body: text })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    return { id: Number(row.id), createdAt: iso(row.created_at) ?? '' };
  });
}

export type BulkResult =
  | { taskId: string; ok: true; outcome: string }
  | { taskId: string; ok: false; code: string; message: string };

/**
 * Approves each task that is low risk for the viewer, each in its own transaction through the
 * same completion as a single decision (so the instance receives it exactly once), and reports
 * per task what happened.
 *
 * ```ts
 * const results = await bulkApprove(db, viewer, [a, b], { maxAmount: 500 });
 * results.filter((r) => !r.ok); // the ones a person has to open
 * ```
 */
export async function bulkApprove(
  db: Kysely<Database>,
  viewer: TaskViewer,
  taskIds: string[],
  rule: LowRiskRule,
): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const taskId of [...new Set(taskIds)]) {
    try {
      if (!isUuid(taskId)) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
      const task = await db
        .selectFrom('tasks')
        .select([
          'id',
          'status',
          'severity',
          'amount',
          'outcomes',
          'form',
          'candidate_roles',
          'claimed_by',
          'assignee',
        ])
        .where('id', '=', taskId)
        .executeTakeFirst();
      if (!task) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
      assertCanSeeTask(viewer, task);
      const verdict = lowRiskOf(
        { ...task, amount: task.amount === null ? null : Number(task.amount) },
        rule,
      );
      if ('reason' in verdict) {
        throw new RuntimeError('TASK_NOT_LOW_RISK', verdict.reason, { details: { taskId } });
      }
      await completeTask(db, taskId, {
        outcome: verdict.outcome,
        data: {},
        viewer,
        via: 'bulk',
      });
      results.push({ taskId, ok: true, outcome: verdict.outcome });
    } catch (error) {
      if (!isRuntimeError(error)) throw error;
      results.push({ taskId, ok: false, code: error.code, message: error.message });
    }
  }
  return results;
}
