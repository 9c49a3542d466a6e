/** `incidents.*`: calls that failed for good, for the operator views (same shapes as the HTTP API). */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import {
  getIncident,
  listIncidents,
  resolveIncident,
  retryIncident,
} from '../../engine/incidents.ts';
import {
  incidentListQuerySchema,
  incidentResolveBodySchema,
  incidentRetryBodySchema,
} from '../api.schema.ts';
import { publicProcedure, router } from '../trpc.ts';

export const incidentsRouter = router({
  list: publicProcedure
    .input(incidentListQuerySchema.optional())
    .query(({ ctx, input }) => listIncidents(ctx.db, input ?? {})),
  get: publicProcedure.input(z.object({ id: z.string().min(1) })).query(async ({ ctx, input }) => {
    const incident = await getIncident(ctx.db, input.id);
    if (!incident) throw new TRPCError({ code: 'NOT_FOUND', message: `No incident ${input.id}.` });
    return incident;
  }),
  retry: publicProcedure
    .input(incidentRetryBodySchema.extend({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) =>
      retryIncident(ctx.db, input.id, {
        actor: ctx.actor,
        ...(input.note ? { note: input.note } : {}),
      }),
    ),
  resolve: publicProcedure
    .input(z.object({ id: z.string().min(1), resolution: incidentResolveBodySchema }))
    .mutation(({ ctx, input }) => {
      const { note, ...resolution } = input.resolution;
      return resolveIncident(ctx.db, input.id, {
        actor: ctx.actor,
        resolution,
        ...(note ? { note } : {}),
      });
    }),
});
