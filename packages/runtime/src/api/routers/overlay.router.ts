/**
 * `overlay.*`: what the designer draws over a published flow (instances waiting at each node,
 * time spent per node) and the flow's saved simulation scenarios.
 */
import { sql, type ColumnType, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.ts';
import { requires, router } from '../trpc.ts';

/** Per-node figures for the live overlay. */
export interface NodeStats {
  nodeId: string;
  /** Running instances at the node now. */
  waiting: number;
  /** How many times instances left the node (completed stays). */
  visits: number;
  /** Mean and longest time an instance spent at the node, over finished stays and current ones. */
  avgMs: number;
  maxMs: number;
}

interface ScenarioTable {
  flow_key: string;
  name: string;
  /** Read as the parsed value, written as JSON text. */
  scenario: ColumnType<unknown, string, string>;
  updated_at: Date;
}

// Scenarios are design-time data beside the draft. The table is created on first use so the
// designer feature stays out of the engine's migrations; it holds nothing the engine reads.
const ensured = new WeakSet<object>();
async function scenarios(db: Kysely<Database>) {
  if (!ensured.has(db)) {
    await sql`CREATE TABLE IF NOT EXISTS flow_scenarios (
      flow_key text NOT NULL,
      name text NOT NULL,
      scenario jsonb NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (flow_key, name)
    )`.execute(db);
    ensured.add(db);
  }
  return db.withTables<{ flow_scenarios: ScenarioTable }>();
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Folds each instance's audit trail into stays: from the step a node appears to the one it leaves. */
function staysOf(
  rows: readonly { instance_id: string | null; at: Date; to_nodes: unknown }[],
  now: number,
): Map<string, number[]> {
  const stays = new Map<string, number[]>();
  const add = (node: string, ms: number): void => {
    const list = stays.get(node);
    if (list) list.push(ms);
    else stays.set(node, [ms]);
  };
  let instance: string | null = null;
  let since = new Map<string, number>();
  const close = (at: number): void =>
    since.forEach((from, node) => add(node, Math.max(0, at - from)));
  for (const row of rows) {
    if (row.instance_id !== instance) {
      close(now);
      instance = row.instance_id;
      since = new Map();
    }
    const at = row.at.getTime();
    const current = new Set(stringList(row.to_nodes));
    for (const [node, from] of since) {
      if (!current.has(node)) {
        add(node, Math.max(0, at - from));
        since.delete(node);
      }
    }
    for (const node of current) if (!since.has(node)) since.set(node, at);
  }
  close(now);
  return stays;
}

const flowInput = z.object({
  flowKey: z.string().min(1),
  version: z.number().int().min(1).optional(),
});

export const overlayRouter = router({
  nodeStats: requires('instances:read')
    .input(flowInput)
    .query(async ({ ctx, input }) => {
      let instances = ctx.db
        .selectFrom('instances')
        .select(['id', 'status', 'current_nodes'])
        .where('flow_key', '=', input.flowKey);
      if (input.version !== undefined)
        instances = instances.where('flow_version', '=', input.version);
      const rows = await instances.execute();
      const waiting = new Map<string, number>();
      for (const row of rows) {
        if (row.status !== 'running') continue;
        for (const node of stringList(row.current_nodes))
          waiting.set(node, (waiting.get(node) ?? 0) + 1);
      }
      const ids = rows.map((r) => r.id);
      const audit =
        ids.length === 0
          ? []
          : await ctx.db
              .selectFrom('audit_log')
              .select(['instance_id', 'at', 'to_nodes'])
              .where('instance_id', 'in', ids)
              .where('to_nodes', 'is not', null)
              .orderBy('instance_id')
              .orderBy('id')
              .execute();
      const stays = staysOf(audit, Date.now());
      const nodes = new Set([...waiting.keys(), ...stays.keys()]);
      const stats: NodeStats[] = [...nodes].sort().map((nodeId) => {
        const list = stays.get(nodeId) ?? [];
        const total = list.reduce((sum, ms) => sum + ms, 0);
        return {
          nodeId,
          waiting: waiting.get(nodeId) ?? 0,
          visits: list.length,
          avgMs: list.length > 0 ? Math.round(total / list.length) : 0,
          maxMs: list.length > 0 ? Math.max(...list) : 0,
        };
      });
      return { instances: rows.length, nodes: stats };
    }),

  /** Running instances waiting at one node, longest-waiting first. */
  instancesAt: requires('instances:read')
    .input(flowInput.extend({ nodeId: z.string().min(1) }))
    .query(async ({ ctx, input }) => {
      let query = ctx.db
        .selectFrom('instances')
        .select(['id', 'correlation_key', 'flow_version', 'updated_at'])
        .where('flow_key', '=', input.flowKey)
        .where('status', '=', 'running')
        .where(sql<boolean>`current_nodes @> ${JSON.stringify([input.nodeId])}::jsonb`)
        .orderBy('updated_at')
        .limit(200);
      if (input.version !== undefined) query = query.where('flow_version', '=', input.version);
      const rows = await query.execute();
      return rows.map((r) => ({
        id: r.id,
        correlationKey: r.correlation_key,
        flowVersion: r.flow_version,
        since: r.updated_at.toISOString(),
      }));
    }),

  scenarios: router({
    list: requires('flows:read')
      .input(z.object({ flowKey: z.string().min(1) }))
      .query(async ({ ctx, input }) => {
        const db = await scenarios(ctx.db);
        const rows = await db
          .selectFrom('flow_scenarios')
          .select(['name', 'scenario', 'updated_at'])
          .where('flow_key', '=', input.flowKey)
          .orderBy('name')
          .execute();
        return rows.map((r) => ({
          name: r.name,
          scenario: r.scenario,
          updatedAt: r.updated_at.toISOString(),
        }));
      }),
    save: requires('flows:edit')
      .input(
        z.object({
          flowKey: z.string().min(1),
          name: z.string().min(1).max(200),
          scenario: z.record(z.string(), z.unknown()),
        }),
      )
      .mutation(async ({ ctx, input }) => {
        const db = await scenarios(ctx.db);
        const scenario = JSON.stringify(input.scenario);
        await db
          .insertInto('flow_scenarios')
          .values({ flow_key: input.flowKey, name: input.name, scenario, updated_at: new Date() })
          .onConflict((oc) =>
            oc.columns(['flow_key', 'name']).doUpdateSet({ scenario, updated_at: new Date() }),
          )
          .execute();
        return { name: input.name };
      }),
    remove: requires('flows:edit')
      .input(z.object({ flowKey: z.string().min(1), name: z.string().min(1) }))
      .mutation(async ({ ctx, input }) => {
        const db = await scenarios(ctx.db);
        await db
          .deleteFrom('flow_scenarios')
          .where('flow_key', '=', input.flowKey)
          .where('name', '=', input.name)
          .execute();
        return { name: input.name };
      }),
  }),
});
