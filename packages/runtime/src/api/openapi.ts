/**
 * ★ `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the external API, generated from the
 * same zod schemas the routes validate with.
 * @module
 */
import { z } from 'zod';
import {
  errorSchema,
  eventAcceptedSchema,
  eventBodySchema,
  healthSchema,
  incidentListQuerySchema,
  incidentListSchema,
  incidentResolveBodySchema,
  incidentRetryBodySchema,
  incidentSchema,
  instanceListQuerySchema,
  instanceListSchema,
  instanceViewSchema,
  migrateInstancesBodySchema,
  migrationReportSchema,
} from './api.schema.ts';
import { eventBatchBodySchema, eventBatchResultSchema, MAX_BATCH_EVENTS } from './events.route.ts';
import { intelligenceFigures } from '../intelligence/csv.ts';
import { intelligenceFiltersSchema } from '../intelligence/filters.ts';
import { intelligenceReportSchema } from '../intelligence/report.schema.ts';

type JsonObject = Record<string, unknown>;

/** JSON Schema (2020-12, the dialect of OpenAPI 3.1) of a zod schema, without `$schema`. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonObject {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  });
  return rest;
}

function json(schema: JsonObject): JsonObject {
  return { 'application/json': { schema } };
}

const errorRef = { $ref: '#/components/schemas/Error' };

function error(description: string): JsonObject {
  return { description, content: json(errorRef) };
}

/** The answers every guarded route may give besides its own. */
function guarded(scope: string): JsonObject {
  return {
    '401': error('Missing, unknown or revoked API key (`WWW-Authenticate: Bearer`).'),
    '403': error(`The API key lacks the scope \`${scope}\` (or \`admin\`).`),
    '429': {
      description: 'Over the per-key rate limit; retry after `Retry-After` seconds.',
      headers: { 'Retry-After': { schema: { type: 'integer' } } },
      content: json(errorRef),
    },
  };
}

/** Query parameters from the properties of a zod object. */
function queryParameters(schema: z.ZodObject): JsonObject[] {
  const jsonSchema = schemaOf(schema, 'input');
  const properties = jsonSchema.properties;
  if (!properties || typeof properties !== 'object') return [];
  const required = Array.isArray(jsonSchema.required) ? jsonSchema.required : [];
  return Object.entries(properties).map(([name, property]: [string, unknown]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    schema: property,
  }));
}

const requestIdHeader = {
  name: 'X-Request-Id',
  in: 'header',
  required: false,
  description:
    'Echoed in the answer and written to every log line of the request; generated when absent.',
  schema: { type: 'string', maxLength: 128 },
};

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
};

/** One documented operation; `scope` is the API key scope it needs (none: public). */
export interface ApiOperation {
  method: 'get' | 'post';
  path: string;
  scope: string | null;
  operation: JsonObject;
}

/**
 * Every operation of the external API. Routes added under `/api/v1` must be listed here (a test
 * checks the app against it).
 */
export function apiOperations(): ApiOperation[] {
  return [
    {
      method: 'post',
      path: '/api/v1/events',
      scope: 'events:write',
      operation: {
        operationId: 'postEvent',
        summary: 'Ingest a business event',
        description:
          'Stores the event once per `Idempotency-Key` and answers once it is on disk; workers route it to the instances with its correlation key (or park it until one starts).',
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: true,
            schema: { type: 'string', minLength: 1, maxLength: 200 },
          },
          requestIdHeader,
        ],
        requestBody: { required: true, content: json(schemaOf(eventBodySchema, 'input')) },
        responses: {
          '202': { description: 'Accepted', content: json(schemaOf(eventAcceptedSchema)) },
          '200': {
            description: 'Already accepted with this Idempotency-Key and body',
            content: json(schemaOf(eventAcceptedSchema)),
          },
          '400': error(
            'Invalid event (`fieldErrors` lists each bad field) or missing Idempotency-Key',
          ),
          ...guarded('events:write'),
          '409': error('Idempotency-Key reused with a different body'),
          '413': error('Body over the size limit (`WAYBILL_MAX_EVENT_BYTES`)'),
          '507': error(
            'Not stored: the database is out of disk space (the embedded database keeps `WAYBILL_MIN_FREE_DISK_MB` free; PostgreSQL answered disk full); send again later',
          ),
        },
      },
    },
    {
      method: 'post',
      path: '/api/v1/events/batch',
      scope: 'events:write',
      operation: {
        operationId: 'postEventBatch',
        summary: `Ingest up to ${MAX_BATCH_EVENTS} events in one request`,
        description:
          'Each event carries its own `idempotencyKey` and gets its own result, in the order sent, with the status `POST /api/v1/events` would have answered. Valid events are stored together in one commit before the answer; an invalid or refused event fails alone.',
        parameters: [requestIdHeader],
        requestBody: { required: true, content: json(schemaOf(eventBatchBodySchema, 'input')) },
        responses: {
          '200': {
            description: 'A result per event',
            content: json(schemaOf(eventBatchResultSchema)),
          },
          '400': error('Not a batch (`events` missing, empty or over the limit)'),
          ...guarded('events:write'),
          '413': error('Body over 16 × `WAYBILL_MAX_EVENT_BYTES`'),
        },
      },
    },
    {
      method: 'get',
      path: '/api/v1/instances',
      scope: 'instances:read',
      operation: {
        operationId: 'listInstances',
        summary: 'List instances, newest first',
        parameters: [...queryParameters(instanceListQuerySchema), requestIdHeader],
        responses: {
          '200': { description: 'Instances', content: json(schemaOf(instanceListSchema)) },
          '400': error('Invalid query'),
          ...guarded('instances:read'),
        },
      },
    },
    {
      method: 'get',
      path: '/api/v1/instances/{id}',
      scope: 'instances:read',
      operation: {
        operationId: 'getInstance',
        summary: 'One instance with its context and history',
        parameters: [idParameter, requestIdHeader],
        responses: {
          '200': { description: 'The instance', content: json(schemaOf(instanceViewSchema)) },
          ...guarded('instances:read'),
          '404': error('Unknown instance'),
        },
      },
    },
    {
      method: 'post',
      path: '/api/v1/instances/migrate',
      scope: 'admin',
      operation: {
        operationId: 'migrateInstances',
        summary: 'Move running instances of one version to another, with a node mapping',
        description:
          'Every instance is validated first; when the mapping would leave any instance nowhere the whole migration is refused (422, `details.refused` lists each instance and why). `dryRun` only reports. Each migrated instance gets an audit row.',
        parameters: [requestIdHeader],
        requestBody: {
          required: true,
          content: json(schemaOf(migrateInstancesBodySchema, 'input')),
        },
        responses: {
          '200': {
            description: 'The migration report',
            content: json(schemaOf(migrationReportSchema)),
          },
          '400': error('Invalid body'),
          ...guarded('admin'),
          '404': error('Unknown flow version'),
          '422': error('Refused: `details.refused` lists the instances and reasons'),
        },
      },
    },
    {
      method: 'get',
      path: '/api/v1/incidents',
      scope: 'instances:read',
      operation: {
        operationId: 'listIncidents',
        summary: 'List incidents (connector calls that failed for good), newest first',
        parameters: [...queryParameters(incidentListQuerySchema), requestIdHeader],
        responses: {
          '200': { description: 'Incidents', content: json(schemaOf(incidentListSchema)) },
          '400': error('Invalid query'),
          ...guarded('instances:read'),
        },
      },
    },
    {
      method: 'get',
      path: '/api/v1/incidents/{id}',
      scope: 'instances:read',
      operation: {
        operationId: 'getIncident',
        summary: 'One incident with its error and payload',
        parameters: [idParameter, requestIdHeader],
        responses: {
          '200': { description: 'The incident', content: json(schemaOf(incidentSchema)) },
          ...guarded('instances:read'),
          '404': error('Unknown incident'),
        },
      },
    },
    {
      method: 'post',
      path: '/api/v1/incidents/{id}/retry',
      scope: 'incidents:write',
      operation: {
        operationId: 'retryIncident',
        summary: 'Retry the failed call (same idempotency key, fresh attempts)',
        parameters: [idParameter, requestIdHeader],
        requestBody: {
          required: false,
          content: json(schemaOf(incidentRetryBodySchema, 'input')),
        },
        responses: {
          '200': {
            description: 'The incident, now retried',
            content: json(schemaOf(incidentSchema)),
          },
          '400': error('Invalid body'),
          ...guarded('incidents:write'),
          '404': error('Unknown incident'),
          '409': error('The incident is not open, or its instance is not running'),
        },
      },
    },
    {
      method: 'post',
      path: '/api/v1/incidents/{id}/resolve',
      scope: 'incidents:write',
      operation: {
        operationId: 'resolveIncident',
        summary: 'Resolve by skipping the call with a given output, or by cancelling the instance',
        parameters: [idParameter, requestIdHeader],
        requestBody: {
          required: true,
          content: json(schemaOf(incidentResolveBodySchema, 'input')),
        },
        responses: {
          '200': {
            description: 'The incident, now resolved',
            content: json(schemaOf(incidentSchema)),
          },
          '400': error('Invalid body'),
          ...guarded('incidents:write'),
          '404': error('Unknown incident'),
          '409': error('The incident is not open, or its instance is not running'),
        },
      },
    },
    {
      method: 'get',
      path: '/api/v1/openapi.json',
      scope: null,
      operation: {
        operationId: 'getOpenApi',
        summary: 'This document',
        security: [],
        responses: {
          '200': { description: 'OpenAPI 3.1 document', content: json({ type: 'object' }) },
        },
      },
    },
    {
      method: 'get',
      path: '/api/v1/intelligence',
      scope: 'instances:read',
      operation: {
        operationId: 'getIntelligence',
        summary:
          'Process intelligence: touchless and exception rates, exceptions by category, business unit, warehouse and customer, aging, backlog, SLA compliance, shipment-to-invoice latency, first-pass accuracy, time per node and trends (UTC days; default the last 30)',
        parameters: [...queryParameters(intelligenceFiltersSchema), requestIdHeader],
        responses: {
          '200': { description: 'Every figure', content: json(schemaOf(intelligenceReportSchema)) },
          '400': error('Invalid filter (`fieldErrors` names it)'),
          ...guarded('instances:read'),
        },
      },
    },
    {
      method: 'get',
      path: '/api/v1/intelligence/export/{figure}',
      scope: 'instances:read',
      operation: {
        operationId: 'exportIntelligenceFigure',
        summary: 'One process intelligence figure as CSV (rates in percent, durations in hours)',
        parameters: [
          {
            name: 'figure',
            in: 'path',
            required: true,
            schema: { type: 'string', enum: [...intelligenceFigures] },
          },
          ...queryParameters(intelligenceFiltersSchema),
          requestIdHeader,
        ],
        responses: {
          '200': {
            description: 'CSV with a header row',
            content: { 'text/csv': { schema: { type: 'string' } } },
          },
          '400': error('Invalid filter (`fieldErrors` names it)'),
          ...guarded('instances:read'),
          '404': error('Unknown figure'),
        },
      },
    },
    {
      method: 'get',
      path: '/healthz',
      scope: null,
      operation: {
        operationId: 'getHealth',
        summary: 'Readiness: the database answers',
        security: [],
        responses: {
          '200': { description: 'Ready', content: json(schemaOf(healthSchema)) },
          '503': {
            description: 'The database does not answer',
            content: json(schemaOf(healthSchema)),
          },
        },
      },
    },
    {
      method: 'get',
      path: '/metrics',
      scope: null,
      operation: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (text exposition format 0.0.4)',
        security: [],
        responses: {
          '200': {
            description: 'Counters, gauges and histograms',
            content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } },
          },
        },
      },
    },
  ];
}

/**
 * The OpenAPI 3.1 document of the external API.
 *
 * ```ts
 * const doc = openApiDocument('0.1.0'); // doc.paths['/api/v1/events'].post
 * ```
 */
export function openApiDocument(version: string): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const { method, path, scope, operation } of apiOperations()) {
    const withScope = scope
      ? {
          ...operation,
          security: [{ bearer: [] }],
          'x-required-scope': scope,
        }
      : operation;
    paths[path] = { ...paths[path], [method]: withScope };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Waybill API',
      version,
      description:
        'External API of the Waybill runtime. Authenticate with `Authorization: Bearer <api key>`; each key has scopes (`events:write`, `instances:read`, `incidents:write`, `admin`) and a per-key rate limit.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (`wb_…`).' },
      },
      schemas: { Error: schemaOf(errorSchema) },
    },
    paths,
  };
}
