/** `instances.*`: running and finished instances (the same shapes as the HTTP API). */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { migrateInstances } from '../../engine/migrate-instances.ts';
import { getInstanceView, listInstances } from '../../engine/queries.ts';
import { migrateInstancesBodySchema } from '../api.schema.ts';
import { requires, router } from '../trpc.ts';

export const instancesRouter = router({
  list: requires('instances:read')
    .input(
      z
        .object({
          flowKey: z.string().min(1).optional(),
          status: z.enum(['running', 'completed', 'failed', 'cancelled']).optional(),
          correlationKey: z.string().min(1).optional(),
          limit: z.number().int().min(1).max(500).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => listInstances(ctx.db, { ...input, limit: input?.limit ?? 50 })),
  get: requires('instances:read')
    .input(z.object({ id: z.string().min(1) }))
    .query(async ({ ctx, input }) => {
      const view = await getInstanceView(ctx.db, input.id);
      if (!view) throw new TRPCError({ code: 'NOT_FOUND', message: `No instance ${input.id}.` });
      return view;
    }),
  /** Moves running instances to another version (validated first; `dryRun` only reports). */
  migrate: requires('instances:migrate')
    .input(migrateInstancesBodySchema)
    .mutation(({ ctx, input }) => migrateInstances(ctx.db, { ...input, actor: ctx.actor })),
});
