/**
 * Subflows: a `subflow` node's child instance is created in the transaction of the parent's
 * step, and the child's end (completed or failed) reaches the parent as one inbox message
 * written in the transaction of the child's last step — so the parent hears of it exactly once,
 * whatever crashes in between.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import {
  startFlow,
  type CancelSubflowParams,
  type FlowStep,
  type Json,
  type StartSubflowParams,
} from '@waybill/shared';
import { jsonb, type Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { InstanceRef, StepBatch } from './apply-step.ts';
import { instanceStateOf } from './apply-step.ts';
import type { MachineCache } from './machines.ts';
import { engineMetrics } from './metrics.ts';

/** Children calling children deeper than this fail instead (a cycle through several flows). */
export const MAX_SUBFLOW_DEPTH = 16;

/** The parent a child instance reports to. */
export interface ParentRef {
  instanceId: string;
  effectKey: string;
}

/** The message a parent receives when its child ends. */
export function subflowFinishedMessage(
  parent: ParentRef,
  child: {
    id: string;
    status: 'completed' | 'failed' | 'cancelled';
    outcome: string | null;
    vars: Record<string, Json>;
  },
): { instance_id: string; kind: 'effect'; body: string } {
  return {
    instance_id: parent.instanceId,
    kind: 'effect',
    body: jsonb({
      type: 'waybill.subflow.finished',
      effectKey: parent.effectKey,
      status: child.status,
      outcome: child.outcome,
      vars: child.vars,
      childInstanceId: child.id,
    }),
  };
}

export interface SubflowContext {
  machines: MachineCache;
  logger: Logger;
  /** A batch for the child's first step (it may start further children). */
  childBatch: () => StepBatch;
}

/** How many ancestors an instance has (counted up to just past the limit). */
async function depthOf(trx: Kysely<Database>, instanceId: string): Promise<number> {
  const result = await sql<{ depth: number | null }>`
    with recursive chain(id, parent, n) as (
      select id, parent_instance_id, 0 from instances where id = ${instanceId}
      union all
      select i.id, i.parent_instance_id, c.n + 1 from instances i join chain c on i.id = c.parent
      where c.n <= ${MAX_SUBFLOW_DEPTH}
    )
    select max(n)::int as depth from chain`.execute(trx);
  return result.rows[0]?.depth ?? 0;
}

/**
 * Starts the child instance a parent's `waybill.startSubflow` asks for (once per parent visit;
 * a repeated request finds the child and does nothing).
 */
export async function startSubflow(
  trx: Kysely<Database>,
  request: { instance: InstanceRef; params: StartSubflowParams },
  ctx: SubflowContext,
): Promise<void> {
  const { instance, params } = request;
  const parent: ParentRef = { instanceId: instance.id, effectKey: params.effectKey };
  const existing = await trx
    .selectFrom('instances')
    .select('id')
    .where('parent_instance_id', '=', parent.instanceId)
    .where('parent_effect_key', '=', parent.effectKey)
    .executeTakeFirst();
  if (existing) return;
  let query = trx
    .selectFrom('flow_versions')
    .select('version')
    .where('key', '=', params.flowKey)
    .orderBy('version', 'desc')
    .limit(1);
  if (params.version !== null) query = query.where('version', '=', params.version);
  const published = await query.executeTakeFirst();
  const refuse = async (reason: string): Promise<void> => {
    await failedChild(trx, instance, params, null, reason, ctx.logger);
  };
  if (!published) {
    await refuse(
      params.version === null
        ? `no published flow '${params.flowKey}'`
        : `flow '${params.flowKey}' has no published version ${params.version}`,
    );
    return;
  }
  if ((await depthOf(trx, instance.id)) >= MAX_SUBFLOW_DEPTH) {
    await refuse(`subflows nest deeper than ${MAX_SUBFLOW_DEPTH} levels (a cycle of flows?)`);
    return;
  }
  const { machine, definition } = await ctx.machines.get(trx, params.flowKey, published.version);
  let step: FlowStep;
  try {
    step = startFlow(machine, {
      trigger: { type: definition.trigger.event, payload: params.input },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await failedChild(trx, instance, params, published.version, message, ctx.logger);
    return;
  }
  const id = randomUUID();
  await trx
    .insertInto('instances')
    .values({
      id,
      flow_key: params.flowKey,
      flow_version: published.version,
      correlation_key: instance.correlationKey,
      ...instanceStateOf(machine, step),
      parent_instance_id: parent.instanceId,
      parent_effect_key: parent.effectKey,
    })
    .execute();
  engineMetrics.increment('waybill_instances_started_total');
  const batch = ctx.childBatch();
  batch.add(
    {
      id,
      flowKey: params.flowKey,
      flowVersion: published.version,
      correlationKey: instance.correlationKey,
      parent,
    },
    step,
    {
      kind: 'started',
      fromNodes: [],
      eventType: definition.trigger.event,
      actor: 'system',
      cause: { parentInstanceId: parent.instanceId, effectKey: parent.effectKey },
    },
  );
  await batch.flush(trx);
  ctx.logger.info('subflow started', {
    correlationKey: instance.correlationKey,
    instanceId: instance.id,
    childInstanceId: id,
    flowKey: params.flowKey,
    flowVersion: published.version,
  });
}

/** A child that could not start: recorded as a failed instance, and the parent is told. */
async function failedChild(
  trx: Kysely<Database>,
  instance: InstanceRef,
  params: StartSubflowParams,
  version: number | null,
  reason: string,
  logger: Logger,
): Promise<void> {
  const now = new Date();
  const child = await trx
    .insertInto('instances')
    .values({
      flow_key: params.flowKey,
      flow_version: version ?? params.version ?? 0,
      correlation_key: instance.correlationKey,
      status: 'failed',
      snapshot: jsonb(null),
      current_nodes: jsonb([]),
      outcome: null,
      completed_at: now,
      parent_instance_id: instance.id,
      parent_effect_key: params.effectKey,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('audit_log')
    .values({
      actor: 'system',
      instance_id: child.id,
      kind: 'failed',
      flow_key: params.flowKey,
      from_nodes: jsonb([]),
      to_nodes: jsonb([]),
      event_type: null,
      details: jsonb({ parentInstanceId: instance.id, effectKey: params.effectKey, error: reason }),
    })
    .execute();
  await trx
    .insertInto('inbox')
    .values(
      subflowFinishedMessage(
        { instanceId: instance.id, effectKey: params.effectKey },
        { id: child.id, status: 'failed', outcome: null, vars: {} },
      ),
    )
    .execute();
  logger.error('subflow failed to start', {
    correlationKey: instance.correlationKey,
    instanceId: instance.id,
    childInstanceId: child.id,
    flowKey: params.flowKey,
    reason,
  });
}

/**
 * Cancels the running child (and its running descendants) of a subflow node its parent left
 * another way: the instances stop, their open tasks and scheduled timers are withdrawn and their
 * pending connector calls are not made.
 */
export async function cancelSubflow(
  trx: Kysely<Database>,
  request: { instance: InstanceRef; params: CancelSubflowParams },
  logger: Logger,
): Promise<void> {
  const { instance, params } = request;
  const rows = await sql<{ id: string; flow_key: string; current_nodes: string[] }>`
    with recursive tree(id) as (
      select id from instances
      where parent_instance_id = ${instance.id} and parent_effect_key = ${params.effectKey}
      union all
      select i.id from instances i join tree t on i.parent_instance_id = t.id
    )
    select i.id, i.flow_key, i.current_nodes from instances i join tree t on t.id = i.id
    where i.status = 'running'`.execute(trx);
  const ids = rows.rows.map((r) => r.id);
  if (ids.length === 0) return;
  const now = new Date();
  await trx
    .updateTable('instances')
    .set({ status: 'cancelled', completed_at: now, updated_at: now })
    .where('id', 'in', ids)
    .execute();
  await trx
    .updateTable('tasks')
    .set({ status: 'cancelled', completed_at: now })
    .where('instance_id', 'in', ids)
    .where('status', '=', 'open')
    .execute();
  await trx
    .updateTable('timers')
    .set({ status: 'cancelled' })
    .where('instance_id', 'in', ids)
    .where('status', '=', 'scheduled')
    .execute();
  await trx
    .updateTable('effects')
    .set({
      status: 'failed',
      last_error: jsonb({ code: 'CANCELLED', message: 'the calling flow left the subflow' }),
      updated_at: now,
    })
    .where('instance_id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
  await trx
    .insertInto('audit_log')
    .values(
      rows.rows.map((row) => ({
        actor: 'system',
        instance_id: row.id,
        kind: 'cancelled',
        flow_key: row.flow_key,
        from_nodes: jsonb(row.current_nodes),
        to_nodes: jsonb([]),
        event_type: null,
        details: jsonb({ parentInstanceId: instance.id, effectKey: params.effectKey }),
      })),
    )
    .execute();
  logger.info('subflow cancelled', {
    correlationKey: instance.correlationKey,
    instanceId: instance.id,
    childInstanceIds: ids,
  });
}
