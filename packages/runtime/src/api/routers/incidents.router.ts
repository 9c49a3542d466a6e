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
import { requires, router } from '../trpc.ts';

export const incidentsRouter = router({
  list: requires('incidents:read')
    .input(incidentListQuerySchema.optional())
    .query(({ ctx, input }) => listIncidents(ctx.db, input ?? {})),
  get: requires('incidents:read')
    .input(z.object({ id: z.string().min(1) }))
    .query(async ({ ctx, input }) => {
      const incident = await getIncident(ctx.db, input.id);
      if (!incident)
        throw new TRPCError({ code: 'NOT_FOUND', message: `No incident ${input.id}.` });
      return incident;
    }),
  retry: requires('incidents:act')
    .input(incidentRetryBodySchema.extend({ id: z.string().min(1) }))
    .mutation(({ ctx, input }) =>
      retryIncident(ctx.db, input.id, {
        actor: ctx.actor,
        ...(input.note ? { note: input.note } : {}),
      }),
    ),
  resolve: requires('incidents:act')
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
