/**
 * ★ `GET /api/v1/instances/:id` and `GET /api/v1/instances?correlationKey=…`; and
 * `POST /api/v1/instances/migrate` (scope `admin`) to move running instances to another version.
 */
import type { FastifyInstance } from 'fastify';
import { EngineErrorCodes, isEngineError } from '../engine/engine.error.ts';
import { migrateInstances } from '../engine/migrate-instances.ts';
import { getInstanceView, listInstances } from '../engine/queries.ts';
import { instanceListQuerySchema, migrateInstancesBodySchema } from './api.schema.ts';
import { fieldErrorsOf } from './events.route.ts';
import { guard, identityOf, type AuthContext } from './http-auth.ts';

export function instancesRoute(app: FastifyInstance, options: { auth: AuthContext }): void {
  const { auth } = options;
  const db = auth.db;
  const onRequest = guard(auth, 'instances:read');
  app.get<{ Params: { id: string } }>(
    '/api/v1/instances/:id',
    { onRequest },
    async (request, reply) => {
      const view = await getInstanceView(db, request.params.id);
      if (!view)
        return reply
          .code(404)
          .send({ error: 'not_found', message: `No instance ${request.params.id}.` });
      return view;
    },
  );
  app.get('/api/v1/instances', { onRequest }, async (request, reply) => {
    const parsed = instanceListQuerySchema.safeParse(request.query);
    if (!parsed.success) {
      const fieldErrors = fieldErrorsOf(parsed.error);
      return reply.code(400).send({
        error: 'invalid_query',
        message: fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '),
        fieldErrors,
      });
    }
    return {
      instances: await listInstances(db, { ...parsed.data, limit: parsed.data.limit ?? 100 }),
    };
  });

  app.post(
    '/api/v1/instances/migrate',
    { onRequest: guard(auth, 'admin') },
    async (request, reply) => {
      const parsed = migrateInstancesBodySchema.safeParse(request.body);
      if (!parsed.success) {
        const fieldErrors = fieldErrorsOf(parsed.error);
        return reply.code(400).send({
          error: 'invalid_body',
          message: fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '),
          fieldErrors,
        });
      }
      try {
        return await migrateInstances(db, {
          ...parsed.data,
          actor: `api-key:${identityOf(request)?.name ?? 'unknown'}`,
        });
      } catch (error) {
        if (!isEngineError(error)) throw error;
        return reply.code(EngineErrorCodes[error.code].status).send({
          error: error.code.toLowerCase(),
          message: error.message,
          details: error.details,
        });
      }
    },
  );
}
