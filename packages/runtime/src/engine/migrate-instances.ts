/**
 * Version migration: moves running instances of one published version to another, with a node
 * mapping an operator supplies. Instances otherwise stay on the version they started with;
 * publishing never touches them. The mapping is validated for every instance first, and the
 * migration is refused as a whole (with reasons per instance) when it would leave any
 * instance nowhere. Each migrated instance gets an audit row.
 * @module
 */
import type { Kysely } from 'kysely';
import type { FlowDefinition, FlowNode, Json } from '@waybill/shared';
import { jsonb, type Database, type InstanceRow } from '../db/schema.ts';
import { isRecord } from '../util.ts';
import { EngineError } from './engine.error.ts';
import { MachineCache, persistSnapshot, type CompiledVersion } from './machines.ts';

/** What to migrate. */
export interface MigrateInstancesInput {
  flowKey: string;
  fromVersion: number;
  toVersion: number;
  /**
   * Old node id → node id in `toVersion`. Nodes not listed map to the node with the same id,
   * when the new version has one.
   */
  nodeMapping?: Record<string, string>;
  /** Only validate and report; change nothing. */
  dryRun?: boolean;
  /** Who migrates (audited). */
  actor?: string;
  /** Only these instances (default: every running instance of `fromVersion`). */
  instanceIds?: string[];
}

/** The outcome per instance. */
export interface MigrationReport {
  flowKey: string;
  fromVersion: number;
  toVersion: number;
  dryRun: boolean;
  migrated: {
    instanceId: string;
    correlationKey: string;
    fromNodes: string[];
    toNodes: string[];
  }[];
  refused: { instanceId: string; correlationKey: string; reasons: string[] }[];
}

/** Node kinds whose entry starts something (a call, a task, a timer) that a migration cannot replay. */
function startsWork(node: FlowNode): boolean {
  switch (node.type) {
    case 'connectorCall':
    case 'humanTask':
    case 'timer':
    case 'subflow':
    case 'exception':
    case 'classify':
      return true;
    case 'parallel':
      return node.mode === 'split';
    case 'waitForEvent':
    case 'readinessGate':
      return node.timeout !== undefined;
    case 'start':
    case 'end':
    case 'decision':
      return false;
  }
}

/**
 * Migrates running instances from one version of a flow to another.
 *
 * ```ts
 * const report = await migrateInstances(db, {
 *   flowKey: 'billing-readiness', fromVersion: 1, toVersion: 2,
 *   nodeMapping: { waitPod: 'readyToBill' }, dryRun: true, actor: 'ana',
 * });
 * if (report.refused.length === 0) await migrateInstances(db, { ...sameInput, dryRun: false });
 * ```
 * @throws EngineError `VERSION_NOT_FOUND`; `MIGRATION_REFUSED` (not on a dry run) with
 *   `details.refused` listing each instance and why.
 */
export async function migrateInstances(
  db: Kysely<Database>,
  input: MigrateInstancesInput,
  machines: MachineCache = new MachineCache(),
): Promise<MigrationReport> {
  const dryRun = input.dryRun ?? false;
  return db.transaction().execute(async (trx) => {
    const from = await versionOrThrow(trx, machines, input.flowKey, input.fromVersion);
    const to = await versionOrThrow(trx, machines, input.flowKey, input.toVersion);
    let query = trx
      .selectFrom('instances')
      .selectAll()
      .where('flow_key', '=', input.flowKey)
      .where('flow_version', '=', input.fromVersion)
      .where('status', '=', 'running');
    if (input.instanceIds) query = query.where('id', 'in', input.instanceIds);
    // Waits for workers advancing these instances, and keeps them from advancing meanwhile.
    const instances = await query.orderBy('created_at').forUpdate().execute();
    const report: MigrationReport = {
      flowKey: input.flowKey,
      fromVersion: input.fromVersion,
      toVersion: input.toVersion,
      dryRun,
      migrated: [],
      refused: [],
    };
    const plans: { instance: InstanceRow; toNodes: string[] }[] = [];
    for (const instance of instances) {
      const { toNodes, reasons } = await planInstance(
        trx,
        instance,
        from,
        to,
        input.nodeMapping ?? {},
      );
      if (reasons.length > 0) {
        report.refused.push({
          instanceId: instance.id,
          correlationKey: instance.correlation_key,
          reasons,
        });
      } else {
        plans.push({ instance, toNodes });
        report.migrated.push({
          instanceId: instance.id,
          correlationKey: instance.correlation_key,
          fromNodes: instance.current_nodes,
          toNodes,
        });
      }
    }
    if (dryRun) return report;
    if (report.refused.length > 0) {
      throw new EngineError(
        'MIGRATION_REFUSED',
        `migration of ${input.flowKey} v${input.fromVersion} → v${input.toVersion} refused for ` +
          `${report.refused.length} instance(s): ` +
          report.refused.map((r) => `${r.correlationKey} (${r.reasons.join('; ')})`).join(', '),
        { refused: report.refused },
      );
    }
    for (const plan of plans) await applyPlan(trx, plan.instance, plan.toNodes, from, to, input);
    return report;
  });
}

async function versionOrThrow(
  trx: Kysely<Database>,
  machines: MachineCache,
  key: string,
  version: number,
): Promise<CompiledVersion> {
  try {
    return await machines.get(trx, key, version);
  } catch {
    throw new EngineError('VERSION_NOT_FOUND', `flow ${key} has no published version ${version}`, {
      flowKey: key,
      version,
    });
  }
}

function nodeOf(definition: FlowDefinition, id: string): FlowNode | undefined {
  return definition.nodes.find((n) => n.id === id);
}

/** Where each current node goes, or why the instance cannot go. */
async function planInstance(
  trx: Kysely<Database>,
  instance: InstanceRow,
  from: CompiledVersion,
  to: CompiledVersion,
  mapping: Record<string, string>,
): Promise<{ toNodes: string[]; reasons: string[] }> {
  const reasons: string[] = [];
  const toNodes: string[] = [];
  // A state inside a parallel block or a classification under review is not one node's state.
  const value = isRecord(instance.snapshot) ? instance.snapshot['value'] : undefined;
  if (value !== undefined && typeof value !== 'string') {
    reasons.push(
      `the instance is inside a parallel block or a classification review (${instance.current_nodes.join(', ')}); migrate it once it has left`,
    );
    return { toNodes, reasons };
  }
  for (const nodeId of instance.current_nodes) {
    const targetId = Object.hasOwn(mapping, nodeId) ? mapping[nodeId] : nodeId;
    const target = targetId === undefined ? undefined : nodeOf(to.definition, targetId);
    if (!target || targetId === undefined) {
      reasons.push(
        Object.hasOwn(mapping, nodeId)
          ? `node '${nodeId}' is mapped to '${targetId ?? ''}', which version ${to.version} does not have`
          : `node '${nodeId}' does not exist in version ${to.version}; map it to a node of that version`,
      );
      continue;
    }
    if (target.type === 'start' || target.type === 'end') {
      reasons.push(`node '${nodeId}' cannot be mapped to the ${target.type} node '${targetId}'`);
      continue;
    }
    const source = nodeOf(from.definition, nodeId);
    const sameNode = targetId === nodeId && source?.type === target.type;
    if (!sameNode && startsWork(target)) {
      reasons.push(
        `node '${nodeId}' is mapped to ${target.type} '${targetId}', whose call, task or timer ` +
          `starts on entry and would not start for a migrated instance; map it to a waiting node`,
      );
      continue;
    }
    if (!sameNode) {
      const open = await openWorkAt(trx, instance.id, nodeId);
      if (open.length > 0) {
        reasons.push(
          `node '${nodeId}' has ${open.join(', ')} that '${targetId}' would never receive`,
        );
        continue;
      }
    }
    toNodes.push(targetId);
  }
  if (reasons.length === 0) {
    try {
      to.machine.resolveState({
        value: toNodes[0] ?? '',
        context: migratedContext(instance, to, {}),
      });
    } catch (error) {
      reasons.push(`version ${to.version} cannot hold the state: ${String(error)}`);
    }
  }
  return { toNodes, reasons };
}

/** Open tasks, calls in flight and scheduled timers of a node of the instance. */
async function openWorkAt(
  trx: Kysely<Database>,
  instanceId: string,
  nodeId: string,
): Promise<string[]> {
  const [tasks, effects, timers] = await Promise.all([
    trx
      .selectFrom('tasks')
      .select('id')
      .where('instance_id', '=', instanceId)
      .where('node_id', '=', nodeId)
      .where('status', '=', 'open')
      .execute(),
    trx
      .selectFrom('effects')
      .select('id')
      .where('instance_id', '=', instanceId)
      .where('node_id', '=', nodeId)
      .where('status', 'in', ['pending', 'running'])
      .execute(),
    trx
      .selectFrom('timers')
      .select('id')
      .where('instance_id', '=', instanceId)
      .where('node_id', '=', nodeId)
      .where('status', '=', 'scheduled')
      .execute(),
  ]);
  const open: string[] = [];
  if (tasks.length > 0) open.push('an open task');
  if (effects.length > 0) open.push('a connector call in flight');
  if (timers.length > 0) open.push('a scheduled timer');
  return open;
}

/** The instance's context with the new version's variables added (at their initial values). */
function migratedContext(
  instance: InstanceRow,
  to: CompiledVersion,
  renamed: Record<string, string>,
): { vars: Record<string, Json>; visits: Record<string, number>; outcome: string | null } {
  const snapshot = isRecord(instance.snapshot) ? instance.snapshot : {};
  const context = isRecord(snapshot.context) ? snapshot.context : {};
  // The stored context was written by the runtime from a FlowContext; only its shape is checked.
  const vars = (isRecord(context.vars) ? { ...context.vars } : {}) as Record<string, Json>;
  const visits = (isRecord(context.visits) ? { ...context.visits } : {}) as Record<string, number>;
  for (const variable of to.definition.variables) {
    if (!Object.hasOwn(vars, variable.name))
      vars[variable.name] = (variable.initial ?? null) as Json;
  }
  // A renamed node keeps its visit count, so keys of later visits stay unique.
  for (const [oldId, newId] of Object.entries(renamed)) {
    if (newId !== oldId) visits[newId] = Math.max(visits[newId] ?? 0, visits[oldId] ?? 0);
  }
  return { vars, visits, outcome: null };
}

async function applyPlan(
  trx: Kysely<Database>,
  instance: InstanceRow,
  toNodes: string[],
  from: CompiledVersion,
  to: CompiledVersion,
  input: MigrateInstancesInput,
): Promise<void> {
  const renamed: Record<string, string> = {};
  instance.current_nodes.forEach((nodeId, i) => (renamed[nodeId] = toNodes[i] ?? nodeId));
  const context = migratedContext(instance, to, renamed);
  const snapshot = to.machine.resolveState({ value: toNodes[0] ?? '', context });
  await trx
    .updateTable('instances')
    .set({
      flow_version: to.version,
      snapshot: jsonb(persistSnapshot(to.machine, snapshot)),
      current_nodes: jsonb(toNodes),
      context: jsonb(context.vars),
      updated_at: new Date(),
    })
    .where('id', '=', instance.id)
    .execute();
  // Messages kept for later are offered again under the new version.
  await trx
    .updateTable('inbox')
    .set({ status: 'pending' })
    .where('instance_id', '=', instance.id)
    .where('status', '=', 'deferred')
    .execute();
  await trx
    .insertInto('audit_log')
    .values({
      actor: input.actor ?? 'system',
      instance_id: instance.id,
      kind: 'migrated',
      flow_key: instance.flow_key,
      from_nodes: jsonb(instance.current_nodes),
      to_nodes: jsonb(toNodes),
      event_type: null,
      details: jsonb({
        fromVersion: from.version,
        toVersion: to.version,
        nodeMapping: input.nodeMapping ?? {},
      }),
    })
    .execute();
}
