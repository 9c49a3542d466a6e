/**
 * `GET /api/v1/incidents`, `GET /api/v1/incidents/:id`, `POST /api/v1/incidents/:id/retry` and
 * `POST /api/v1/incidents/:id/resolve`: operators (or their tooling) see calls that failed for
 * good and decide. Every decision is audited with the API key's name as the actor.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getIncident, listIncidents, resolveIncident, retryIncident } from '../engine/incidents.ts';
import { EngineErrorCodes, isEngineError } from '../engine/engine.error.ts';
import {
  incidentListQuerySchema,
  incidentResolveBodySchema,
  incidentRetryBodySchema,
} from './api.schema.ts';
import { fieldErrorsOf } from './events.route.ts';
import { guard, identityOf, type AuthContext } from './http-auth.ts';

/** Answers a refused operator action with the status its code documents; rethrows anything else. */
async function sendEngineError(reply: FastifyReply, error: unknown): Promise<FastifyReply> {
  if (!isEngineError(error)) throw error;
  return reply.code(EngineErrorCodes[error.code].status).send({
    error: error.code.toLowerCase(),
    message: error.message,
    details: error.details,
  });
}

function actorOf(request: FastifyRequest): string {
  return `api-key:${identityOf(request)?.name ?? 'unknown'}`;
}

export function incidentsRoute(app: FastifyInstance, options: { auth: AuthContext }): void {
  const { auth } = options;
  const db = auth.db;
  const read = guard(auth, 'instances:read');
  const write = guard(auth, 'incidents:write');

  app.get('/api/v1/incidents', { onRequest: read }, async (request, reply) => {
    const parsed = incidentListQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      const fieldErrors = fieldErrorsOf(parsed.error);
      return reply.code(400).send({
        error: 'invalid_query',
        message: fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '),
        fieldErrors,
      });
    }
    return { incidents: await listIncidents(db, parsed.data) };
  });

  app.get<{ Params: { id: string } }>(
    '/api/v1/incidents/:id',
    { onRequest: read },
    async (request, reply) => {
      const incident = await getIncident(db, request.params.id);
      if (!incident)
        return reply
          .code(404)
          .send({ error: 'not_found', message: `No incident ${request.params.id}.` });
      return incident;
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/incidents/:id/retry',
    { onRequest: write },
    async (request, reply) => {
      const parsed = incidentRetryBodySchema.safeParse(request.body ?? {});
      if (!parsed.success) return invalidBody(reply, parsed.error);
      try {
        return await retryIncident(db, request.params.id, {
          actor: actorOf(request),
          ...(parsed.data.note ? { note: parsed.data.note } : {}),
        });
      } catch (error) {
        return sendEngineError(reply, error);
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/incidents/:id/resolve',
    { onRequest: write },
    async (request, reply) => {
      const parsed = incidentResolveBodySchema.safeParse(request.body);
      if (!parsed.success) return invalidBody(reply, parsed.error);
      const { note, ...resolution } = parsed.data;
      try {
        return await resolveIncident(db, request.params.id, {
          actor: actorOf(request),
          resolution,
          ...(note ? { note } : {}),
        });
      } catch (error) {
        return sendEngineError(reply, error);
      }
    },
  );
}

function invalidBody(
  reply: FastifyReply,
  error: Parameters<typeof fieldErrorsOf>[0],
): FastifyReply {
  const fieldErrors = fieldErrorsOf(error);
  return reply.code(400).send({
    error: 'invalid_body',
    message: fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '),
    fieldErrors,
  });
}
