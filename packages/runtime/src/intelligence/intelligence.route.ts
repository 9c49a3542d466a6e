/**
 * `GET /api/v1/intelligence` (every figure as JSON) and `GET /api/v1/intelligence/export/:figure`
 * (one figure as CSV), for BI tools and scripts; the key needs `instances:read`.
 * @module
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { fieldErrorsOf } from '../api/events.route.ts';
import { guard, type AuthContext } from '../api/http-auth.ts';
import { figureCsv, intelligenceFigures } from './csv.ts';
import { intelligenceReport } from './figures.ts';
import { intelligenceFiltersSchema } from './filters.ts';

function invalidQuery(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const fieldErrors = fieldErrorsOf(error);
  return reply.code(400).send({
    error: 'invalid_query',
    message: fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '),
    fieldErrors,
  });
}

export function intelligenceRoute(app: FastifyInstance, options: { auth: AuthContext }): void {
  const { auth } = options;
  const read = guard(auth, 'instances:read');

  app.get('/api/v1/intelligence', { onRequest: read }, async (request, reply) => {
    const parsed = intelligenceFiltersSchema.safeParse(request.query);
    if (!parsed.success) return invalidQuery(reply, parsed.error);
    return intelligenceReport(auth.db, parsed.data);
  });

  app.get<{ Params: { figure: string } }>(
    '/api/v1/intelligence/export/:figure',
    { onRequest: read },
    async (request, reply) => {
      const figure = z.enum(intelligenceFigures).safeParse(request.params.figure);
      if (!figure.success) {
        return reply.code(404).send({
          error: 'not_found',
          message: `No figure ${request.params.figure}; the figures are ${intelligenceFigures.join(', ')}.`,
        });
      }
      const parsed = intelligenceFiltersSchema.safeParse(request.query);
      if (!parsed.success) return invalidQuery(reply, parsed.error);
      const csv = figureCsv(await intelligenceReport(auth.db, parsed.data), figure.data);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="waybill-${figure.data}.csv"`)
        .send(csv);
    },
  );
}
