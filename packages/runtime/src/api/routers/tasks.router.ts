/** `tasks.*`: the inbox of human tasks. */
import { z } from 'zod';
import { completeTask, listTasks } from '../../engine/tasks.ts';
import { publicProcedure, router } from '../trpc.ts';

export const tasksRouter = router({
  list: publicProcedure
    .input(z.object({ status: z.enum(['open', 'completed', 'cancelled']).optional() }).optional())
    .query(({ ctx, input }) => listTasks(ctx.db, { status: input?.status })),
  complete: publicProcedure
    .input(
      z.object({
        taskId: z.string().min(1),
        outcome: z.string().min(1),
        data: z.record(z.string(), z.unknown()).optional(),
        completedBy: z.string().min(1).max(200).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await completeTask(ctx.db, input.taskId, {
        outcome: input.outcome,
        data: input.data,
        completedBy: input.completedBy ?? ctx.actor,
      });
      return { ok: true as const };
    }),
});
