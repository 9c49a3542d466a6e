/**
 * Small graph helpers over a flow definition, shared by the validator and the compiler.
 * @module
 */
import { exitsOf } from './flow.schema.ts';
import type { FlowEdge, FlowNode } from './flow.schema.ts';

/**
 * The exit an edge leaves its source through: its `sourceHandle`, or the node's only exit when
 * the handle is omitted. `null` when the handle is omitted on a node with several exits.
 *
 * ```ts
 * edgeExit(startNode, { id: 'e1', source: 'start', target: 'gate' }); // 'next'
 * ```
 */
export function edgeExit(source: FlowNode, edge: FlowEdge): string | null {
  if (edge.sourceHandle !== undefined) return edge.sourceHandle;
  const exits = exitsOf(source);
  return exits.length === 1 ? (exits[0] ?? null) : null;
}

/**
 * Where each exit of `node` leads: exit → target node id (the first edge wins; the validator
 * reports the others).
 *
 * ```ts
 * exitTargets(gate, flow.edges).get('timeout'); // 'escalate'
 * ```
 */
export function exitTargets(node: FlowNode, edges: readonly FlowEdge[]): Map<string, string> {
  const targets = new Map<string, string>();
  for (const edge of edges) {
    if (edge.source !== node.id) continue;
    const exit = edgeExit(node, edge);
    if (exit !== null && !targets.has(exit)) targets.set(exit, edge.target);
  }
  return targets;
}
