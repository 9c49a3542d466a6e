/**
 * What changed between two versions of a flow: nodes and edges added, removed or changed (with
 * the fields that changed), and a merged definition that draws both on one canvas.
 */
import type { FlowDefinition, FlowEdge, FlowNode } from '@waybill/shared';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface ElementChange {
  kind: ChangeKind;
  /** `node` or `edge`. */
  element: 'node' | 'edge';
  id: string;
  /** What a person reads: the node's name, or `source → target` for an edge. */
  label: string;
  /** Top-level fields that differ (for `changed`), e.g. `conditions`, `position` excluded. */
  fields: string[];
}

export interface FlowDiff {
  changes: ElementChange[];
  /** Flow-level fields that differ (`trigger`, `variables`, `parameters`, …). */
  flowFields: string[];
  nodes: Map<string, ChangeKind>;
  edges: Map<string, ChangeKind>;
}

/** Deterministic JSON (sorted keys), so key order never counts as a change. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function changedFields(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  ignore: readonly string[],
): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => !ignore.includes(k) && canonical(before[k]) !== canonical(after[k]))
    .sort();
}

function nodeLabel(node: FlowNode): string {
  return node.name ? `${node.name} (${node.id})` : node.id;
}

function edgeLabel(edge: FlowEdge): string {
  const exit = edge.sourceHandle ? `.${edge.sourceHandle}` : '';
  return `${edge.source}${exit} → ${edge.target}`;
}

/**
 * Compares two definitions. Moving a node is not a change; what it does is.
 *
 * ```ts
 * const diff = diffFlows(v1, v2);
 * diff.nodes.get('approve'); // 'added'
 * ```
 */
export function diffFlows(before: FlowDefinition, after: FlowDefinition): FlowDiff {
  const changes: ElementChange[] = [];
  const nodes = new Map<string, ChangeKind>();
  const edges = new Map<string, ChangeKind>();
  const beforeNodes = new Map(before.nodes.map((n) => [n.id, n]));
  const afterNodes = new Map(after.nodes.map((n) => [n.id, n]));

  for (const node of after.nodes) {
    const old = beforeNodes.get(node.id);
    if (!old) {
      nodes.set(node.id, 'added');
      changes.push({
        kind: 'added',
        element: 'node',
        id: node.id,
        label: nodeLabel(node),
        fields: [],
      });
      continue;
    }
    const fields = changedFields(old, node, ['position']);
    if (fields.length > 0) {
      nodes.set(node.id, 'changed');
      changes.push({
        kind: 'changed',
        element: 'node',
        id: node.id,
        label: nodeLabel(node),
        fields,
      });
    }
  }
  for (const node of before.nodes) {
    if (afterNodes.has(node.id)) continue;
    nodes.set(node.id, 'removed');
    changes.push({
      kind: 'removed',
      element: 'node',
      id: node.id,
      label: nodeLabel(node),
      fields: [],
    });
  }

  // Edges are matched by what they connect, not by id: a redrawn edge is the same edge.
  const key = (e: FlowEdge): string => `${e.source}|${e.sourceHandle ?? ''}|${e.target}`;
  const beforeEdges = new Map(before.edges.map((e) => [key(e), e]));
  const afterEdges = new Map(after.edges.map((e) => [key(e), e]));
  for (const edge of after.edges) {
    const old = beforeEdges.get(key(edge));
    if (!old) {
      edges.set(edge.id, 'added');
      changes.push({
        kind: 'added',
        element: 'edge',
        id: edge.id,
        label: edgeLabel(edge),
        fields: [],
      });
    } else if ((old.label ?? '') !== (edge.label ?? '')) {
      edges.set(edge.id, 'changed');
      changes.push({
        kind: 'changed',
        element: 'edge',
        id: edge.id,
        label: edgeLabel(edge),
        fields: ['label'],
      });
    }
  }
  for (const edge of before.edges) {
    if (afterEdges.has(key(edge))) continue;
    const id = `removed:${edge.id}`;
    edges.set(id, 'removed');
    changes.push({ kind: 'removed', element: 'edge', id, label: edgeLabel(edge), fields: [] });
  }

  const flowFields = changedFields(
    { ...before, nodes: [], edges: [] },
    { ...after, nodes: [], edges: [] },
    ['version', 'nodes', 'edges'],
  );
  return { changes, flowFields, nodes, edges };
}

/**
 * One definition holding both versions, to draw the diff: the newer version plus the nodes and
 * edges the older one had (removed edges get the ids {@link diffFlows} gave them).
 *
 * ```ts
 * const both = mergeForDiff(v1, v2);
 * ```
 */
export function mergeForDiff(before: FlowDefinition, after: FlowDefinition): FlowDefinition {
  const afterIds = new Set(after.nodes.map((n) => n.id));
  const key = (e: FlowEdge): string => `${e.source}|${e.sourceHandle ?? ''}|${e.target}`;
  const afterEdges = new Set(after.edges.map(key));
  return {
    ...after,
    nodes: [...after.nodes, ...before.nodes.filter((n) => !afterIds.has(n.id))],
    edges: [
      ...after.edges,
      ...before.edges
        .filter((e) => !afterEdges.has(key(e)))
        .map((e) => ({ ...e, id: `removed:${e.id}` })),
    ],
  };
}
