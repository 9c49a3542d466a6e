/**
 * Copy and paste of canvas nodes. A copy keeps the selected nodes and the edges that run between
 * them (an edge to a node left behind has nowhere to go). A paste gives every node a fresh id,
 * rewires the copied edges to the new ids and shifts the nodes so they do not hide the originals.
 */
import type { FlowDefinition, FlowEdge, FlowNode } from '@waybill/shared';

/** What Ctrl+C keeps. */
export interface ClipboardContent {
  nodes: readonly FlowNode[];
  edges: readonly FlowEdge[];
}

/** How far a paste lands from the copied nodes, per paste. */
export const PASTE_OFFSET = 48;

/**
 * The selected nodes with the edges between them; `null` when no node is selected.
 *
 * ```ts
 * const clip = copyNodes(definition, ['readyToBill', 'canRelease']);
 * ```
 */
export function copyNodes(
  definition: FlowDefinition,
  nodeIds: readonly string[],
): ClipboardContent | null {
  const ids = new Set(nodeIds);
  const nodes = definition.nodes.filter((n) => ids.has(n.id));
  if (nodes.length === 0) return null;
  const edges = definition.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  // Structured copies, so later edits of the definition never change the clipboard.
  return structuredClone({ nodes, edges });
}

/** `readyToBill` → `readyToBill_2`, `decision_3` → `decision_4`: the first id not taken. */
export function freshId(id: string, taken: ReadonlySet<string>): string {
  const stem = /^(.*?)(?:_\d+)?$/.exec(id)?.[1] || id;
  for (let n = 2; ; n += 1) {
    const candidate = `${stem}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Adds the clipboard's nodes and edges to `definition` under new ids, `times` offsets away from
 * where they were copied (so repeated pastes fan out instead of stacking).
 *
 * ```ts
 * const { definition: next, nodeIds } = pasteNodes(definition, clip, 1);
 * ```
 */
export function pasteNodes(
  definition: FlowDefinition,
  clip: ClipboardContent,
  times = 1,
): { definition: FlowDefinition; nodeIds: string[] } {
  const takenNodes = new Set(definition.nodes.map((n) => n.id));
  const renamed = new Map<string, string>();
  const shift = PASTE_OFFSET * Math.max(1, times);
  const nodes = clip.nodes.map((node): FlowNode => {
    const id = freshId(node.id, takenNodes);
    takenNodes.add(id);
    renamed.set(node.id, id);
    const position = node.position
      ? { x: node.position.x + shift, y: node.position.y + shift }
      : undefined;
    return structuredClone({ ...node, id, ...(position ? { position } : {}) });
  });
  const takenEdges = new Set(definition.edges.map((e) => e.id));
  const edges = clip.edges.flatMap((edge): FlowEdge[] => {
    const source = renamed.get(edge.source);
    const target = renamed.get(edge.target);
    if (source === undefined || target === undefined) return [];
    const stem = `${source}-${edge.sourceHandle ?? 'next'}-${target}`;
    let id = stem;
    for (let n = 2; takenEdges.has(id); n += 1) id = `${stem}-${n}`;
    takenEdges.add(id);
    return [{ ...edge, id, source, target }];
  });
  return {
    definition: {
      ...definition,
      nodes: [...definition.nodes, ...nodes],
      edges: [...definition.edges, ...edges],
    },
    nodeIds: nodes.map((n) => n.id),
  };
}
