/**
 * ★ `POST /api/v1/events`: the ingestion contract external systems (WMS, TMS, ERP, EDI
 * gateways) post business events to.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { IngestCommitter } from '../engine/ingest.ts';
import type { Logger } from '../log.ts';
import type { ApiMetrics } from './api-metrics.ts';
import { eventBodySchema } from './api.schema.ts';
import { guard, identityOf, type AuthContext } from './http-auth.ts';

export { eventBodySchema };

export interface FieldError {
  path: string;
  message: string;
}

/** zod issues as `{ path: 'payload.lines.0', message }`. */
export function fieldErrorsOf(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)',
    message: issue.message,
  }));
}

export interface EventsRouteOptions {
  auth: AuthContext;
  logger: Logger;
  metrics: ApiMetrics;
  /** Largest accepted body in bytes (default 1 MiB). */
  maxEventBytes: number;
}

export function eventsRoute(app: FastifyInstance, options: EventsRouteOptions): void {
  const { auth, logger, metrics } = options;
  // Concurrent requests share commits; each is answered once its own event is durable.
  const committer = new IngestCommitter(auth.db);
  app.addHook('onClose', () => committer.close());
  app.post('/api/v1/events', {
    bodyLimit: options.maxEventBytes,
    // Authenticate before the body is read, so unauthenticated clients learn nothing else.
    onRequest: guard(auth, 'events:write'),
    handler: async (request, reply) => {
      const idempotencyKey = request.headers['idempotency-key'];
      if (
        typeof idempotencyKey !== 'string' ||
        idempotencyKey.trim() === '' ||
        idempotencyKey.length > 200
      ) {
        return reply.code(400).send({
          error: 'invalid_event',
          message: 'The Idempotency-Key header is required (1–200 characters).',
          fieldErrors: [{ path: 'Idempotency-Key', message: 'required header, 1–200 characters' }],
        });
      }
      const parsed = eventBodySchema.safeParse(request.body);
      if (!parsed.success) {
        const fieldErrors = fieldErrorsOf(parsed.error);
        return reply.code(400).send({
          error: 'invalid_event',
          message: fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '),
          fieldErrors,
        });
      }
      const event = parsed.data;
      const identity = identityOf(request);
      const started = performance.now();
      const result = await committer.submit(event, {
        idempotencyKey,
        apiKeyId: identity?.id ?? null,
      });
      metrics.ingestDuration.observe(
        { outcome: result.outcome },
        (performance.now() - started) / 1000,
      );
      metrics.eventsIngested.inc({
        type: metrics.eventTypeLabel(event.type),
        outcome: result.outcome,
      });
      // The correlation key follows the order through routing, transitions and connector calls;
      // the request id and event id tie this request to them.
      const fields = {
        requestId: request.id,
        correlationKey: event.correlationKey,
        eventId: result.eventId,
        eventType: event.type,
        idempotencyKey,
        apiKey: identity?.name ?? null,
      };
      switch (result.outcome) {
        case 'accepted':
          logger.info('event accepted', fields);
          return reply.code(202).send({ eventId: result.eventId });
        case 'duplicate':
          logger.info('event duplicate', fields);
          return reply.code(200).send({ eventId: result.eventId });
        case 'conflict':
          logger.warn('event idempotency conflict', fields);
          return reply.code(409).send({
            error: 'idempotency_conflict',
            message: `Idempotency-Key ${idempotencyKey} was already used with a different body.`,
            eventId: result.eventId,
          });
      }
    },
  });
}
