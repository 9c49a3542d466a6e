/** `flows.*`: drafts, validation, publishing and versions for the designer. */
import { flowKeySchema, validate } from '@waybill/shared';
import { z } from 'zod';
import {
  createFlow,
  getFlow,
  getFlowVersion,
  listFlows,
  publishFlow,
  saveDraft,
} from '../../engine/flows.ts';
import { requires, router } from '../trpc.ts';

export const flowsRouter = router({
  list: requires('flows:read').query(({ ctx }) => listFlows(ctx.db)),
  get: requires('flows:read')
    .input(z.object({ key: z.string().min(1) }))
    .query(({ ctx, input }) => getFlow(ctx.db, input.key, { catalogue: ctx.registry.catalogue() })),
  create: requires('flows:edit')
    .input(
      z.object({
        key: flowKeySchema,
        name: z.string().min(1).max(200),
        description: z.string().optional(),
      }),
    )
    .mutation(({ ctx, input }) => createFlow(ctx.db, { ...input, actor: ctx.actor })),
  saveDraft: requires('flows:edit')
    .input(z.object({ key: z.string().min(1), definition: z.unknown() }))
    .mutation(({ ctx, input }) =>
      saveDraft(ctx.db, input.key, input.definition, {
        catalogue: ctx.registry.catalogue(),
        actor: ctx.actor,
      }),
    ),
  validate: requires('flows:read')
    .input(z.object({ definition: z.unknown() }))
    .query(({ ctx, input }) =>
      validate(input.definition, { connectors: ctx.registry.catalogue() }),
    ),
  publish: requires('flows:publish')
    .input(z.object({ key: z.string().min(1), note: z.string().max(2000).optional() }))
    .mutation(async ({ ctx, input }) => {
      const { version } = await publishFlow(ctx.db, input.key, {
        note: input.note ?? null,
        publishedBy: ctx.actor,
        catalogue: ctx.registry.catalogue(),
      });
      return { version };
    }),
  getVersion: requires('flows:read')
    .input(z.object({ key: z.string().min(1), version: z.number().int().min(1) }))
    .query(({ ctx, input }) => getFlowVersion(ctx.db, input.key, input.version)),
});
