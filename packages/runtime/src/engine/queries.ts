/**
 * Read models of instances shared by the HTTP API and tRPC (one shape for both, as the
 * contract requires).
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database, InstanceRow, InstanceStatus } from '../db/schema.ts';
import { iso } from '../util.ts';

export interface InstanceSummary {
  id: string;
  flowKey: string;
  flowVersion: number;
  correlationKey: string;
  status: InstanceStatus;
  currentNodes: string[];
  outcome: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface InstanceHistoryEntry {
  at: string;
  kind: string;
  fromNodes: string[];
  toNodes: string[];
  eventType: string | null;
}

/** ★ The body of `GET /api/v1/instances/:id`. */
export interface InstanceView {
  id: string;
  status: InstanceStatus;
  flowKey: string;
  flowVersion: number;
  correlationKey: string;
  currentNodes: string[];
  /** The instance's variables. */
  context: Record<string, unknown>;
  outcome: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  history: InstanceHistoryEntry[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `id` can be an instance id (so lookups of garbage answer 404, not a SQL error). */
export function isUuid(id: string): boolean {
  return uuidPattern.test(id);
}

function summaryOf(row: InstanceRow): InstanceSummary {
  return {
    id: row.id,
    flowKey: row.flow_key,
    flowVersion: row.flow_version,
    correlationKey: row.correlation_key,
    status: row.status,
    currentNodes: row.current_nodes,
    outcome: row.outcome,
    createdAt: iso(row.created_at) ?? '',
    updatedAt: iso(row.updated_at) ?? '',
  };
}

/**
 * One instance with its context and history, or null.
 *
 * ```ts
 * const view = await getInstanceView(db, instanceId);
 * console.log(view?.currentNodes, view?.history.length);
 * ```
 */
export async function getInstanceView(
  db: Kysely<Database>,
  id: string,
): Promise<InstanceView | null> {
  if (!isUuid(id)) return null;
  const row = await db.selectFrom('instances').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const audit = await db
    .selectFrom('audit_log')
    .select(['at', 'kind', 'from_nodes', 'to_nodes', 'event_type'])
    .where('instance_id', '=', id)
    .orderBy('id')
    .execute();
  const summary = summaryOf(row);
  return {
    id: summary.id,
    status: summary.status,
    flowKey: summary.flowKey,
    flowVersion: summary.flowVersion,
    correlationKey: summary.correlationKey,
    currentNodes: summary.currentNodes,
    context: row.context,
    outcome: summary.outcome,
    createdAt: summary.createdAt,
    updatedAt: summary.updatedAt,
    completedAt: iso(row.completed_at),
    history: audit.map((entry) => ({
      at: iso(entry.at) ?? '',
      kind: entry.kind,
      fromNodes: entry.from_nodes ?? [],
      toNodes: entry.to_nodes ?? [],
      eventType: entry.event_type,
    })),
  };
}

export interface InstanceFilter {
  flowKey?: string | undefined;
  status?: InstanceStatus | undefined;
  correlationKey?: string | undefined;
  limit?: number | undefined;
}

/**
 * Instances matching the filter, newest first.
 *
 * ```ts
 * const running = await listInstances(db, { flowKey: 'billing-readiness', status: 'running' });
 * ```
 */
export async function listInstances(
  db: Kysely<Database>,
  filter: InstanceFilter = {},
): Promise<InstanceSummary[]> {
  let query = db.selectFrom('instances').selectAll();
  if (filter.flowKey !== undefined) query = query.where('flow_key', '=', filter.flowKey);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.correlationKey !== undefined)
    query = query.where('correlation_key', '=', filter.correlationKey);
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(filter.limit ?? 50)
    .execute();
  return rows.map(summaryOf);
}
