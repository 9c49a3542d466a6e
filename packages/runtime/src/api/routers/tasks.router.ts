/** `tasks.*`: the approvers' inbox and the actions on one task. */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { isRuntimeError } from '../../engine/runtime.error.ts';
import { completeTask, listTasks, type TaskViewer } from '../../engine/tasks.ts';
import { addAttachment, getAttachment } from '../../inbox/attachments.ts';
import { getTaskDetail, inboxFacets, listInbox } from '../../inbox/inbox.ts';
import { lowRiskRuleFromEnv } from '../../inbox/low-risk.ts';
import {
  bulkApprove,
  claimTask,
  commentTask,
  delegateTask,
  reassignTask,
  unclaimTask,
} from '../../inbox/task-actions.ts';
import { canSeeTask, taskGroupsOf } from '../../identity/task-access.ts';
import type { Principal } from '../../identity/users.ts';
import { requires, router } from '../trpc.ts';

/** The viewer of the inbox: the signed-in user and their groups (null: every group, `tasks:manage`). */
function viewerOf(ctx: { principal: Principal }): TaskViewer {
  return { userId: ctx.principal.username, groups: taskGroupsOf(ctx.principal) };
}

/** A task outside the viewer's inbox is refused as FORBIDDEN (the runtime error maps to 400). */
const taskProcedure = requires('tasks:work').use(async ({ next }) => {
  const result = await next();
  if (
    !result.ok &&
    isRuntimeError(result.error.cause) &&
    result.error.cause.code === 'TASK_FORBIDDEN'
  ) {
    throw new TRPCError({ code: 'FORBIDDEN', message: result.error.cause.message });
  }
  return result;
});

const rule = lowRiskRuleFromEnv();
const taskId = z.string().min(1).max(100);

export const tasksRouter = router({
  list: requires('tasks:work')
    .input(z.object({ status: z.enum(['open', 'completed', 'cancelled']).optional() }).optional())
    .query(async ({ ctx, input }) =>
      (await listTasks(ctx.db, { status: input?.status })).filter((task) =>
        canSeeTask(ctx.principal, task.candidateRoles),
      ),
    ),
  /** One page of the viewer's inbox. */
  inbox: taskProcedure
    .input(
      z.object({
        scope: z.enum(['mine', 'groups']).default('groups'),
        status: z.enum(['open', 'completed', 'cancelled']).optional(),
        category: z.string().max(200).optional(),
        customerId: z.string().max(200).optional(),
        warehouse: z.string().max(200).optional(),
        businessUnit: z.string().max(200).optional(),
        due: z.enum(['overdue', '24h', '7d']).optional(),
        breached: z.boolean().optional(),
        sort: z.enum(['priority', 'due']).default('priority'),
        limit: z.number().int().min(1).max(200).default(50),
        cursor: z.string().max(500).nullish(),
      }),
    )
    .query(({ ctx, input }) => listInbox(ctx.db, viewerOf(ctx), input, rule)),
  /** The values the inbox filters offer. */
  facets: taskProcedure.query(({ ctx }) => inboxFacets(ctx.db, viewerOf(ctx))),
  /** One task with the instance context its decision needs. */
  get: taskProcedure
    .input(z.object({ taskId }))
    .query(({ ctx, input }) => getTaskDetail(ctx.db, viewerOf(ctx), input.taskId, rule)),
  claim: taskProcedure
    .input(z.object({ taskId }))
    .mutation(({ ctx, input }) => claimTask(ctx.db, viewerOf(ctx), input.taskId)),
  unclaim: taskProcedure
    .input(z.object({ taskId }))
    .mutation(({ ctx, input }) => unclaimTask(ctx.db, viewerOf(ctx), input.taskId)),
  /** Decides a task: the form values are checked against the node's form, field by field. */
  complete: taskProcedure
    .input(
      z.object({
        taskId,
        outcome: z.string().min(1),
        data: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await completeTask(ctx.db, input.taskId, {
        outcome: input.outcome,
        data: input.data,
        viewer: viewerOf(ctx),
      });
      return { ok: true as const };
    }),
  comment: taskProcedure
    .input(z.object({ taskId, body: z.string().max(10_000) }))
    .mutation(({ ctx, input }) => commentTask(ctx.db, viewerOf(ctx), input.taskId, input.body)),
  attach: taskProcedure
    .input(
      z.object({
        taskId,
        fileName: z.string().max(500),
        contentType: z.string().max(200),
        contentBase64: z.string(),
      }),
    )
    .mutation(({ ctx, input }) => addAttachment(ctx.db, viewerOf(ctx), input.taskId, input)),
  attachment: taskProcedure
    .input(z.object({ taskId, attachmentId: z.string().max(100) }))
    .query(({ ctx, input }) =>
      getAttachment(ctx.db, viewerOf(ctx), input.taskId, input.attachmentId),
    ),
  delegate: taskProcedure
    .input(
      z.object({
        taskId,
        toUser: z.string().min(1).max(200),
        note: z.string().max(2000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await delegateTask(ctx.db, viewerOf(ctx), input.taskId, input);
      return { ok: true as const };
    }),
  reassign: taskProcedure
    .input(
      z.object({
        taskId,
        toGroups: z.array(z.string().min(1).max(200)).max(20).optional(),
        toUser: z.string().min(1).max(200).nullable().optional(),
        note: z.string().max(2000).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await reassignTask(ctx.db, viewerOf(ctx), input.taskId, input);
      return { ok: true as const };
    }),
  /** Approves each low-risk task on its own and reports per task. */
  bulkApprove: taskProcedure
    .input(z.object({ taskIds: z.array(taskId).min(1).max(200) }))
    .mutation(({ ctx, input }) => bulkApprove(ctx.db, viewerOf(ctx), input.taskIds, rule)),
});
