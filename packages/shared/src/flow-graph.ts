/**
 * Small graph helpers over a flow definition, shared by the validator and the compiler.
 * @module
 */
import { exitsOf } from './flow.schema.ts';
import type { FlowEdge, FlowNode, FlowNodeOf } from './flow.schema.ts';

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

/** One branch of a parallel block. */
export interface ParallelBranch {
  /** The branch id (the split's exit). */
  id: string;
  /** The node the branch starts at (the join itself for an empty branch); null when unconnected. */
  first: string | null;
  /** The nodes on the way from `first` to the join (excluding the join). */
  members: ReadonlySet<string>;
  /** Whether the join can be reached from `first`. */
  reachesJoin: boolean;
}

/** A parallel split with its join and the nodes of each branch. */
export interface ParallelBlock {
  split: FlowNodeOf<'parallel'>;
  /** The join node the split names (null when it names none, or not a join). */
  join: FlowNodeOf<'parallel'> | null;
  branches: ParallelBranch[];
}

/**
 * The parallel blocks of a flow: every split with its join and, per branch, the nodes that lie
 * on a path from the branch's first node to the join. A node reached from a branch that cannot
 * reach the join (an escalation that ends the instance) is not a member: entering it leaves the
 * block.
 *
 * ```ts
 * for (const block of parallelBlocks(flow.nodes, flow.edges)) console.log(block.split.id, block.join?.id);
 * ```
 */
export function parallelBlocks(
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
): ParallelBlock[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const forward = new Map<string, string[]>();
  const backward = new Map<string, string[]>();
  for (const e of edges) {
    forward.set(e.source, [...(forward.get(e.source) ?? []), e.target]);
    backward.set(e.target, [...(backward.get(e.target) ?? []), e.source]);
  }
  const reach = (from: string, next: Map<string, string[]>, stop: string): Set<string> => {
    const seen = new Set<string>();
    const queue = from === stop ? [] : [from];
    if (from !== stop) seen.add(from);
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      for (const n of next.get(id) ?? []) {
        if (n === stop || seen.has(n)) continue;
        seen.add(n);
        queue.push(n);
      }
    }
    return seen;
  };
  const blocks: ParallelBlock[] = [];
  for (const split of nodes) {
    if (split.type !== 'parallel' || split.mode !== 'split') continue;
    const named = split.join === undefined ? undefined : byId.get(split.join);
    const join = named?.type === 'parallel' && named.mode === 'join' ? named : null;
    const exits = exitTargets(split, edges);
    const toJoin = join ? reach(join.id, backward, split.id) : new Set<string>();
    const branches = split.branches.map((branch): ParallelBranch => {
      const first = exits.get(branch.id) ?? null;
      if (first === null || join === null)
        return { id: branch.id, first, members: new Set(), reachesJoin: false };
      if (first === join.id) return { id: branch.id, first, members: new Set(), reachesJoin: true };
      const ahead = reach(first, forward, join.id);
      const members = new Set([...ahead].filter((id) => toJoin.has(id) && id !== split.id));
      const reachesJoin = (forward.get(first) ?? []).includes(join.id) || members.has(first);
      return { id: branch.id, first, members, reachesJoin };
    });
    blocks.push({ split, join, branches });
  }
  return blocks;
}
