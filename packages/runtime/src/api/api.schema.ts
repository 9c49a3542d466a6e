/**
 * The zod schemas of the external HTTP API: request bodies and queries are validated with them,
 * and `GET /api/v1/openapi.json` is generated from them (`z.toJSONSchema`), so the document and
 * the checks cannot drift apart.
 * @module
 */
import { z } from 'zod';

/**
 * Text the database can store: no U+0000 and no unpaired surrogate (PostgreSQL refuses both in
 * `text` and `jsonb`), so such input is a 400 naming the field rather than a failed insert.
 */
function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !loneSurrogate.test(text);
}

/** A surrogate code unit without its pair (a paired one is part of a code point). */
const loneSurrogate = /\p{Cs}/u;

const unstorableText = 'contains U+0000 or an unpaired surrogate, which cannot be stored';

/** Adds an issue at the first key or string inside `value` that the database cannot store. */
function checkStorable(value: unknown, ctx: z.RefinementCtx, path: (string | number)[]): boolean {
  if (typeof value === 'string') {
    if (isStorableText(value)) return true;
    ctx.addIssue({ code: 'custom', message: unstorableText, path });
    return false;
  }
  if (Array.isArray(value)) return value.every((item, i) => checkStorable(item, ctx, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).every(([key, item]) => {
      if (isStorableText(key)) return checkStorable(item, ctx, [...path, key]);
      ctx.addIssue({ code: 'custom', message: `a key ${unstorableText}`, path: [...path, key] });
      return false;
    });
  }
  return true;
}

/** ★ The body of `POST /api/v1/events`; `waybill.` types are reserved for the runtime's own messages. */
export const eventBodySchema = z
  .object({
    type: z
      .string()
      .min(1)
      .max(200)
      .refine(isStorableText, unstorableText)
      .refine((type) => !type.startsWith('waybill.'), 'the waybill. prefix is reserved')
      .meta({
        description: 'Event type, e.g. `shipment.confirmed`.',
        example: 'shipment.confirmed',
      }),
    correlationKey: z
      .string()
      .min(1)
      .max(200)
      .refine(isStorableText, unstorableText)
      .meta({ description: 'The business key (order number unless stated).', example: 'SO-10042' }),
    payload: z
      .record(z.string(), z.unknown())
      .superRefine((payload, ctx) => {
        checkStorable(payload, ctx, []);
      })
      .meta({ description: 'The event data (a JSON object).' }),
    occurredAt: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'When it happened at the source (ISO-8601 with offset).' }),
  })
  .strict();

/** `{ eventId }` of an accepted (202) or repeated (200) event. */
export const eventAcceptedSchema = z.object({ eventId: z.uuid() });

/** Every error body: a stable `error` code, a readable `message`, and field errors when relevant. */
export const errorSchema = z.object({
  error: z.string().meta({ description: 'Stable code, e.g. `invalid_event`, `forbidden`.' }),
  message: z.string(),
  fieldErrors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  requiredScope: z.string().optional(),
  retryAfterSeconds: z.number().int().optional(),
  eventId: z.uuid().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const instanceStatusSchema = z.enum(['running', 'completed', 'failed', 'cancelled']);

/** Query of `GET /api/v1/instances`. */
export const instanceListQuerySchema = z.object({
  correlationKey: z.string().min(1).optional(),
  flowKey: z.string().min(1).optional(),
  status: instanceStatusSchema.optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const instanceSummarySchema = z.object({
  id: z.uuid(),
  flowKey: z.string(),
  flowVersion: z.number().int(),
  correlationKey: z.string(),
  status: instanceStatusSchema,
  currentNodes: z.array(z.string()),
  outcome: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/** ★ The body of `GET /api/v1/instances/:id`. */
export const instanceViewSchema = instanceSummarySchema.extend({
  context: z.record(z.string(), z.unknown()).meta({ description: "The instance's variables." }),
  completedAt: z.iso.datetime().nullable(),
  history: z.array(
    z.object({
      at: z.iso.datetime(),
      kind: z.string(),
      fromNodes: z.array(z.string()),
      toNodes: z.array(z.string()),
      eventType: z.string().nullable(),
    }),
  ),
});

export const instanceListSchema = z.object({ instances: z.array(instanceSummarySchema) });

/** `GET /healthz`. */
export const healthSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  database: z.enum(['pglite', 'postgres']),
  version: z.string(),
  queue: z
    .object({
      pendingEvents: z.number().int(),
      parkedEvents: z.number().int(),
      pendingMessages: z.number().int(),
      pendingEffects: z.number().int(),
      scheduledTimers: z.number().int(),
      openTasks: z.number().int(),
    })
    .optional(),
});

export type EventBody = z.infer<typeof eventBodySchema>;

export const incidentStatusSchema = z.enum(['open', 'retried', 'resolved']);

/** Query of `GET /api/v1/incidents`. */
export const incidentListQuerySchema = z.object({
  status: incidentStatusSchema.optional(),
  instanceId: z.uuid().optional(),
  flowKey: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** An incident: a connector call that failed for good where the flow has no `error` path. */
export const incidentSchema = z.object({
  id: z.uuid(),
  instanceId: z.uuid(),
  flowKey: z.string(),
  correlationKey: z.string(),
  nodeId: z.string(),
  effectKey: z.string().nullable(),
  connector: z.string().nullable(),
  operation: z.string().nullable(),
  error: z.unknown().meta({ description: '`{ code, message, details }` of the last attempt.' }),
  payload: z.unknown().meta({ description: "The call's input." }),
  attempts: z.number().int(),
  status: incidentStatusSchema,
  resolution: z.unknown(),
  resolvedBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

export const incidentListSchema = z.object({ incidents: z.array(incidentSchema) });

/** Body of `POST /api/v1/incidents/:id/retry` (optional). */
export const incidentRetryBodySchema = z.object({ note: z.string().max(2000).optional() }).strict();

/**
 * Body of `POST /api/v1/incidents/:id/resolve`: `skip` continues as if the call had returned
 * `output` (e.g. the invoice was posted by hand); `cancel` ends the instance.
 */
export const incidentResolveBodySchema = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('skip'),
      output: z
        .json()
        .meta({ description: 'What the node continues with, as if the call returned it.' }),
      note: z.string().max(2000).optional(),
    })
    .strict(),
  z
    .object({
      action: z.literal('cancel'),
      reason: z.string().max(2000).optional(),
      note: z.string().max(2000).optional(),
    })
    .strict(),
]);

/** Body of `POST /api/v1/instances/migrate` (and tRPC `instances.migrate`). */
export const migrateInstancesBodySchema = z
  .object({
    flowKey: z.string().min(1),
    fromVersion: z.number().int().min(1),
    toVersion: z.number().int().min(1),
    nodeMapping: z.record(z.string(), z.string()).optional().meta({
      description:
        'Old node id → node id in `toVersion`; unlisted nodes map to the node with the same id.',
    }),
    dryRun: z.boolean().optional().meta({ description: 'Only validate and report.' }),
    instanceIds: z.array(z.uuid()).max(10_000).optional(),
  })
  .strict();

/** What a migration did (or, on a dry run, would do) per instance. */
export const migrationReportSchema = z.object({
  flowKey: z.string(),
  fromVersion: z.number().int(),
  toVersion: z.number().int(),
  dryRun: z.boolean(),
  migrated: z.array(
    z.object({
      instanceId: z.uuid(),
      correlationKey: z.string(),
      fromNodes: z.array(z.string()),
      toNodes: z.array(z.string()),
    }),
  ),
  refused: z.array(
    z.object({ instanceId: z.uuid(), correlationKey: z.string(), reasons: z.array(z.string()) }),
  ),
});
