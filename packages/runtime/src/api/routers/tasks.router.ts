/**
 * `tasks.*`: the inbox of human tasks. Approvers see and act only on the tasks of their groups
 * (`tasks:work`); holders of `tasks:manage` see every task.
 */
import { z } from 'zod';
import { completeTask, listTasks } from '../../engine/tasks.ts';
import { assertCanSeeTask, canSeeTask } from '../../identity/task-access.ts';
import { requires, router } from '../trpc.ts';

export const tasksRouter = router({
  list: requires('tasks:work')
    .input(z.object({ status: z.enum(['open', 'completed', 'cancelled']).optional() }).optional())
    .query(async ({ ctx, input }) =>
      (await listTasks(ctx.db, { status: input?.status })).filter((task) =>
        canSeeTask(ctx.principal, task.candidateRoles),
      ),
    ),
  complete: requires('tasks:work')
    .input(
      z.object({
        taskId: z.string().min(1),
        outcome: z.string().min(1),
        data: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await assertCanSeeTask(ctx.db, ctx.principal, input.taskId);
      // The decision is the signed-in user's: nobody completes a task in another's name.
      await completeTask(ctx.db, input.taskId, {
        outcome: input.outcome,
        data: input.data,
        completedBy: ctx.principal.username,
      });
      return { ok: true as const };
    }),
});
