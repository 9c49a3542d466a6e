/**
 * Incidents: a connector call that failed for good (a permanent error, or retries exhausted) at
 * a node with no `error` exit. The instance stays at its node; an operator sees the error and
 * the payload, and either retries the call (same idempotency key, fresh attempts) or resolves
 * the incident by feeding an outcome (skip with a given output) or cancelling the instance.
 * Every decision is audited.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import type { Json } from '@waybill/shared';
import { notify } from '../db/connect.ts';
import { jsonb, type Database, type EffectRow, type IncidentStatus } from '../db/schema.ts';
import { iso } from '../util.ts';
import { WORK_CHANNEL } from './channels.ts';
import { EngineError } from './engine.error.ts';
import { engineMetrics } from './metrics.ts';

/** An incident as operators see it. */
export interface IncidentView {
  id: string;
  instanceId: string;
  flowKey: string;
  correlationKey: string;
  nodeId: string;
  effectKey: string | null;
  connector: string | null;
  operation: string | null;
  /** `{ code, message, details }` of the last attempt. */
  error: unknown;
  /** The call's input. */
  payload: unknown;
  attempts: number;
  status: IncidentStatus;
  resolution: unknown;
  resolvedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** How an operator resolves an incident. */
export type IncidentResolution =
  /** Continue as if the call had succeeded with `output` (e.g. the invoice was posted by hand). */
  | { action: 'skip'; output: Json }
  /** Stop the instance: it ends `cancelled`, its open tasks and timers are withdrawn. */
  | { action: 'cancel'; reason?: string };

/** The failure the effect runner recorded. */
export interface IncidentError {
  code: string;
  message: string;
  details: Record<string, unknown>;
}

/**
 * Opens an incident for an effect that failed for good, inside the transaction that marks the
 * effect failed. Called by the effect runner.
 */
export async function openIncident(
  trx: Kysely<Database>,
  effect: EffectRow,
  failure: IncidentError,
): Promise<string> {
  const error = { code: failure.code, message: failure.message, details: failure.details };
  const row = await trx
    .insertInto('incidents')
    .values({
      instance_id: effect.instance_id,
      node_id: effect.node_id,
      effect_id: effect.id,
      effect_key: effect.effect_key,
      error: jsonb(error),
      payload: jsonb(effect.input),
      attempts: effect.attempts,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  engineMetrics.increment('waybill_incidents_opened_total');
  await audit(trx, effect.instance_id, 'system', 'incident.opened', {
    incidentId: row.id,
    nodeId: effect.node_id,
    effectKey: effect.effect_key,
    connector: effect.connector,
    operation: effect.operation,
    attempts: effect.attempts,
    error: { code: failure.code, message: failure.message },
  });
  return row.id;
}

function baseQuery(db: Kysely<Database>) {
  return db
    .selectFrom('incidents')
    .innerJoin('instances', 'instances.id', 'incidents.instance_id')
    .leftJoin('effects', 'effects.id', 'incidents.effect_id')
    .select([
      'incidents.id',
      'incidents.instance_id',
      'incidents.node_id',
      'incidents.effect_key',
      'incidents.error',
      'incidents.payload',
      'incidents.attempts',
      'incidents.status',
      'incidents.resolution',
      'incidents.resolved_by',
      'incidents.created_at',
      'incidents.updated_at',
      'instances.flow_key',
      'instances.correlation_key',
      'effects.connector',
      'effects.operation',
    ]);
}

type IncidentQueryRow = Awaited<
  ReturnType<ReturnType<typeof baseQuery>['executeTakeFirstOrThrow']>
>;

function viewOf(row: IncidentQueryRow): IncidentView {
  return {
    id: row.id,
    instanceId: row.instance_id,
    flowKey: row.flow_key,
    correlationKey: row.correlation_key,
    nodeId: row.node_id,
    effectKey: row.effect_key,
    connector: row.connector,
    operation: row.operation,
    error: row.error,
    payload: row.payload,
    attempts: row.attempts,
    status: row.status,
    resolution: row.resolution,
    resolvedBy: row.resolved_by,
    createdAt: iso(row.created_at) ?? '',
    updatedAt: iso(row.updated_at) ?? '',
  };
}

/** Which incidents to list. */
export interface IncidentFilter {
  status?: IncidentStatus;
  instanceId?: string;
  flowKey?: string;
  /** Default 100, at most 1000. */
  limit?: number;
}

/**
 * Lists incidents, newest first.
 *
 * ```ts
 * const open = await listIncidents(db, { status: 'open' });
 * ```
 */
export async function listIncidents(
  db: Kysely<Database>,
  filter: IncidentFilter = {},
): Promise<IncidentView[]> {
  let query = baseQuery(db);
  if (filter.status) query = query.where('incidents.status', '=', filter.status);
  if (filter.instanceId) query = query.where('incidents.instance_id', '=', filter.instanceId);
  if (filter.flowKey) query = query.where('instances.flow_key', '=', filter.flowKey);
  const rows = await query
    .orderBy('incidents.created_at', 'desc')
    .limit(Math.min(filter.limit ?? 100, 1000))
    .execute();
  return rows.map(viewOf);
}

/**
 * One incident, or null.
 *
 * ```ts
 * const incident = await getIncident(db, id);
 * ```
 */
export async function getIncident(db: Kysely<Database>, id: string): Promise<IncidentView | null> {
  if (!isUuid(id)) return null;
  const row = await baseQuery(db).where('incidents.id', '=', id).executeTakeFirst();
  return row ? viewOf(row) : null;
}

/** Who acts on an incident (an operator's name or id; it goes to the audit log). */
export interface IncidentActor {
  actor: string;
  note?: string;
}

/**
 * Retries the failed call: the effect is queued again with a fresh attempt budget and the same
 * idempotency key, so an external system that did apply the call does not apply it twice.
 *
 * ```ts
 * await retryIncident(db, incidentId, { actor: 'ana' });
 * ```
 * @throws EngineError `INCIDENT_NOT_FOUND`, `INCIDENT_NOT_OPEN`, `INSTANCE_NOT_RUNNING`
 */
export async function retryIncident(
  db: Kysely<Database>,
  id: string,
  options: IncidentActor,
): Promise<IncidentView> {
  await db.transaction().execute(async (trx) => {
    const incident = await lockOpenIncident(trx, id);
    await requireRunning(trx, incident.instance_id);
    if (incident.effect_id !== null) {
      await trx
        .updateTable('effects')
        .set({
          status: 'pending',
          attempts: 0,
          next_run_at: sql<Date>`now()`,
          lease_until: null,
          updated_at: sql<Date>`now()`,
        })
        .where('id', '=', incident.effect_id)
        .execute();
    }
    await trx
      .updateTable('incidents')
      .set({
        status: 'retried',
        resolved_by: options.actor,
        resolution: jsonb({ action: 'retry', ...(options.note ? { note: options.note } : {}) }),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .execute();
    await audit(trx, incident.instance_id, options.actor, 'incident.retried', {
      incidentId: id,
      effectKey: incident.effect_key,
      ...(options.note ? { note: options.note } : {}),
    });
    await notify(trx, WORK_CHANNEL, 'effects');
  });
  return getIncidentOrThrow(db, id);
}

/**
 * Resolves an incident by an operator's decision: `skip` feeds the node the given output as if
 * the call had succeeded (the flow goes on), `cancel` ends the instance `cancelled`.
 *
 * ```ts
 * await resolveIncident(db, id, { actor: 'ana', resolution: { action: 'skip', output: { invoiceNumber: 'INV-9' } } });
 * await resolveIncident(db, id, { actor: 'ana', resolution: { action: 'cancel', reason: 'order withdrawn' } });
 * ```
 * @throws EngineError `INCIDENT_NOT_FOUND`, `INCIDENT_NOT_OPEN`, `INSTANCE_NOT_RUNNING`
 */
export async function resolveIncident(
  db: Kysely<Database>,
  id: string,
  options: IncidentActor & { resolution: IncidentResolution },
): Promise<IncidentView> {
  const { resolution } = options;
  await db.transaction().execute(async (trx) => {
    const incident = await lockOpenIncident(trx, id);
    await requireRunning(trx, incident.instance_id);
    if (resolution.action === 'skip') {
      if (incident.effect_id !== null) {
        await trx
          .updateTable('effects')
          .set({
            status: 'succeeded',
            result: jsonb(resolution.output),
            updated_at: sql<Date>`now()`,
          })
          .where('id', '=', incident.effect_id)
          .execute();
      }
      await trx
        .insertInto('inbox')
        .values({
          instance_id: incident.instance_id,
          kind: 'effect',
          body: jsonb({
            type: 'waybill.effect.succeeded',
            effectKey: incident.effect_key,
            output: resolution.output,
          }),
        })
        .execute();
    } else {
      await cancelInstance(trx, incident.instance_id, options.actor, resolution.reason ?? null);
    }
    await trx
      .updateTable('incidents')
      .set({
        status: 'resolved',
        resolved_by: options.actor,
        resolution: jsonb({ ...resolution, ...(options.note ? { note: options.note } : {}) }),
        updated_at: sql<Date>`now()`,
      })
      .where('id', '=', id)
      .execute();
    await audit(trx, incident.instance_id, options.actor, 'incident.resolved', {
      incidentId: id,
      effectKey: incident.effect_key,
      resolution: { ...resolution },
      ...(options.note ? { note: options.note } : {}),
    });
    await notify(trx, WORK_CHANNEL, 'inbox');
  });
  return getIncidentOrThrow(db, id);
}

/**
 * Ends a running instance as `cancelled` (inside the caller's transaction): open tasks are
 * withdrawn, scheduled timers cancelled, pending calls dropped, open incidents resolved.
 */
export async function cancelInstance(
  trx: Kysely<Database>,
  instanceId: string,
  actor: string,
  reason: string | null,
): Promise<void> {
  const instance = await trx
    .updateTable('instances')
    .set({ status: 'cancelled', completed_at: sql<Date>`now()`, updated_at: sql<Date>`now()` })
    .where('id', '=', instanceId)
    .where('status', '=', 'running')
    .returning(['flow_key', 'current_nodes'])
    .executeTakeFirst();
  if (!instance)
    throw new EngineError('INSTANCE_NOT_RUNNING', `instance ${instanceId} is not running`);
  await trx
    .updateTable('tasks')
    .set({ status: 'cancelled', completed_at: sql<Date>`now()` })
    .where('instance_id', '=', instanceId)
    .where('status', '=', 'open')
    .execute();
  await trx
    .updateTable('timers')
    .set({ status: 'cancelled' })
    .where('instance_id', '=', instanceId)
    .where('status', '=', 'scheduled')
    .execute();
  await trx
    .updateTable('inbox')
    .set({ status: 'done' })
    .where('instance_id', '=', instanceId)
    .where('status', '<>', 'done')
    .execute();
  await trx
    .insertInto('audit_log')
    .values({
      actor,
      instance_id: instanceId,
      kind: 'cancelled',
      flow_key: instance.flow_key,
      from_nodes: jsonb(instance.current_nodes),
      to_nodes: jsonb(instance.current_nodes),
      event_type: null,
      details: jsonb({ reason }),
    })
    .execute();
}

async function lockOpenIncident(trx: Kysely<Database>, id: string) {
  if (!isUuid(id)) throw new EngineError('INCIDENT_NOT_FOUND', `no incident ${id}`);
  const incident = await trx
    .selectFrom('incidents')
    .selectAll()
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!incident) throw new EngineError('INCIDENT_NOT_FOUND', `no incident ${id}`);
  if (incident.status !== 'open') {
    throw new EngineError('INCIDENT_NOT_OPEN', `incident ${id} is ${incident.status} already`, {
      status: incident.status,
    });
  }
  return incident;
}

async function requireRunning(trx: Kysely<Database>, instanceId: string): Promise<void> {
  const instance = await trx
    .selectFrom('instances')
    .select('status')
    .where('id', '=', instanceId)
    .executeTakeFirst();
  if (instance?.status !== 'running') {
    throw new EngineError('INSTANCE_NOT_RUNNING', `instance ${instanceId} is not running`, {
      status: instance?.status ?? null,
    });
  }
}

async function getIncidentOrThrow(db: Kysely<Database>, id: string): Promise<IncidentView> {
  const view = await getIncident(db, id);
  if (!view) throw new EngineError('INCIDENT_NOT_FOUND', `no incident ${id}`);
  return view;
}

async function audit(
  trx: Kysely<Database>,
  instanceId: string,
  actor: string,
  kind: string,
  details: Record<string, unknown>,
): Promise<void> {
  const instance = await trx
    .selectFrom('instances')
    .select(['flow_key', 'current_nodes'])
    .where('id', '=', instanceId)
    .executeTakeFirst();
  await trx
    .insertInto('audit_log')
    .values({
      actor,
      instance_id: instanceId,
      kind,
      flow_key: instance?.flow_key ?? null,
      from_nodes: jsonb(instance?.current_nodes ?? []),
      to_nodes: jsonb(instance?.current_nodes ?? []),
      event_type: null,
      details: jsonb(details),
    })
    .execute();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
function isUuid(value: string): boolean {
  return UUID.test(value);
}
