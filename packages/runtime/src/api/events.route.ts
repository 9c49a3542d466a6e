/**
 * ★ `POST /api/v1/events`: the ingestion contract external systems (WMS, TMS, ERP, EDI
 * gateways) post business events to; and `POST /api/v1/events/batch` for systems that send many
 * events at once (one request, one commit, a result per event).
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isOutOfSpace, outOfSpaceMessage } from '../db/disk-guard.ts';
import { IngestCommitter, type IngestResult } from '../engine/ingest.ts';
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

/** Most events in one `POST /api/v1/events/batch`. */
export const MAX_BATCH_EVENTS = 500;

/** A batch's body limit, in multiples of the single-event limit. */
const BATCH_BYTES_FACTOR = 16;

const idempotencyKeySchema = z.string().trim().min(1).max(200);

/** One event of a batch: the event body plus its `idempotencyKey` (the header of a single post). */
export const eventBatchItemSchema = eventBodySchema.extend({
  idempotencyKey: idempotencyKeySchema.meta({
    description: 'Same meaning as the `Idempotency-Key` header of `POST /api/v1/events`.',
    example: 'wms-dal1-88213',
  }),
});

/** The body of `POST /api/v1/events/batch` (as documented; items are checked one by one). */
export const eventBatchBodySchema = z
  .object({ events: z.array(eventBatchItemSchema).min(1).max(MAX_BATCH_EVENTS) })
  .strict();

/** The envelope as validated: each item is checked on its own, so one bad event fails alone. */
const batchEnvelopeSchema = z
  .object({ events: z.array(z.unknown()).min(1).max(MAX_BATCH_EVENTS) })
  .strict();

/** What happened to each event of a batch, in the order sent. */
export const eventBatchResultSchema = z.object({
  results: z.array(
    z.object({
      index: z.number().int(),
      idempotencyKey: z.string().nullable(),
      status: z.literal([202, 200, 400, 409, 413, 500, 507]).meta({
        description:
          'What `POST /api/v1/events` would have answered for this event: 202 accepted, 200 repeat, 400 invalid, 409 key reused with another body, 413 over the size limit, 500 not stored (send it again), 507 not stored for want of disk space (send it again later).',
      }),
      eventId: z.uuid().optional(),
      error: z.string().optional(),
      message: z.string().optional(),
      fieldErrors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  ),
});
type BatchItemResult = z.infer<typeof eventBatchResultSchema>['results'][number];

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

  /** Counts and logs one stored (or refused) event. */
  const record = (
    result: IngestResult,
    fields: Record<string, unknown> & { eventType: string },
    started: number,
  ): void => {
    metrics.ingestDuration.observe(
      { outcome: result.outcome },
      (performance.now() - started) / 1000,
    );
    metrics.eventsIngested.inc({
      type: metrics.eventTypeLabel(fields.eventType),
      outcome: result.outcome,
    });
    const all = { ...fields, eventId: result.eventId };
    if (result.outcome === 'conflict') logger.warn('event idempotency conflict', all);
    else logger.info(result.outcome === 'accepted' ? 'event accepted' : 'event duplicate', all);
  };

  app.post('/api/v1/events/batch', {
    bodyLimit: options.maxEventBytes * BATCH_BYTES_FACTOR,
    onRequest: guard(auth, 'events:write'),
    handler: async (request, reply) => {
      const envelope = batchEnvelopeSchema.safeParse(request.body);
      if (!envelope.success) {
        const fieldErrors = fieldErrorsOf(envelope.error);
        return reply.code(400).send({
          error: 'invalid_batch',
          message: fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '),
          fieldErrors,
        });
      }
      const identity = identityOf(request);
      const started = performance.now();
      const results: BatchItemResult[] = [];
      const stored: Promise<void>[] = [];
      envelope.data.events.forEach((item, index) => {
        const key =
          typeof item === 'object' && item !== null && 'idempotencyKey' in item
            ? item.idempotencyKey
            : null;
        const idempotencyKey = typeof key === 'string' ? key : null;
        if (Buffer.byteLength(JSON.stringify(item)) > options.maxEventBytes) {
          results[index] = {
            index,
            idempotencyKey,
            status: 413,
            error: 'payload_too_large',
            message: `events.${index}: over the size limit of ${options.maxEventBytes} bytes per event.`,
          };
          return;
        }
        const parsed = eventBatchItemSchema.safeParse(item);
        if (!parsed.success) {
          const fieldErrors = fieldErrorsOf(parsed.error).map((e) => ({
            path: `events.${index}.${e.path}`,
            message: e.message,
          }));
          results[index] = {
            index,
            idempotencyKey,
            status: 400,
            error: 'invalid_event',
            message: fieldErrors.map((e) => `${e.path}: ${e.message}`).join('; '),
            fieldErrors,
          };
          return;
        }
        const { idempotencyKey: validKey, ...event } = parsed.data;
        // Submitted in the same turn of the event loop, the batch's events share one commit.
        stored.push(
          committer
            .submit(event, { idempotencyKey: validKey, apiKeyId: identity?.id ?? null })
            .then(
              (result) => {
                record(
                  result,
                  {
                    requestId: request.id,
                    correlationKey: event.correlationKey,
                    eventType: event.type,
                    idempotencyKey: validKey,
                    apiKey: identity?.name ?? null,
                    batchIndex: index,
                  },
                  started,
                );
                results[index] = {
                  index,
                  idempotencyKey: validKey,
                  status:
                    result.outcome === 'accepted'
                      ? 202
                      : result.outcome === 'duplicate'
                        ? 200
                        : 409,
                  eventId: result.eventId,
                  ...(result.outcome === 'conflict'
                    ? {
                        error: 'idempotency_conflict',
                        message: `Idempotency-Key ${validKey} was already used with a different body.`,
                      }
                    : {}),
                };
              },
              (error: unknown) => {
                logger.error('event not stored', {
                  requestId: request.id,
                  correlationKey: event.correlationKey,
                  idempotencyKey: validKey,
                  batchIndex: index,
                  err: error,
                });
                const full = isOutOfSpace(error);
                results[index] = {
                  index,
                  idempotencyKey: validKey,
                  status: full ? 507 : 500,
                  error: full ? 'insufficient_storage' : 'not_stored',
                  message: full
                    ? `${outOfSpaceMessage(error)} The event was not stored; send it again with the same idempotency key.`
                    : 'The event was not stored; send it again with the same idempotency key.',
                };
              },
            ),
        );
      });
      await Promise.all(stored);
      return reply.code(200).send({ results });
    },
  });

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
      // The correlation key follows the order through routing, transitions and connector calls;
      // the request id and event id tie this request to them.
      record(
        result,
        {
          requestId: request.id,
          correlationKey: event.correlationKey,
          eventType: event.type,
          idempotencyKey,
          apiKey: identity?.name ?? null,
        },
        started,
      );
      switch (result.outcome) {
        case 'accepted':
          return reply.code(202).send({ eventId: result.eventId });
        case 'duplicate':
          return reply.code(200).send({ eventId: result.eventId });
        case 'conflict':
          return reply.code(409).send({
            error: 'idempotency_conflict',
            message: `Idempotency-Key ${idempotencyKey} was already used with a different body.`,
            eventId: result.eventId,
          });
      }
    },
  });
}
