/**
 * Pure operations on a flow definition, the designer's source of truth, and the mapping from it
 * to what React Flow draws. Every edit on the canvas goes through one of these functions and
 * returns a new definition; nothing here touches React state.
 */
import { exitsOf } from '@waybill/shared';
import type { FlowDefinition, FlowEdge, FlowNode, FlowNodeType, Problem } from '@waybill/shared';
import type { Edge, Node } from '@xyflow/react';
import { defaultNode, kindInfo } from './node-kinds.ts';
import { exitLabelsOf } from './node-summary.ts';

/** A branch edge reads as its exit: the condition or outcome label, else the exit name. */
function exitLabel(node: FlowNode, exit: string): string {
  return exitLabelsOf(node).find((e) => e.id === exit)?.label ?? exit;
}

/** What each canvas node carries: the definition node and the problems pointing at it. */
export interface DesignerNodeData extends Record<string, unknown> {
  flowNode: FlowNode;
  problems: Problem[];
  /** Whether a watched instance currently sits at this node. */
  active: boolean;
}
export type DesignerNode = Node<DesignerNodeData, FlowNodeType>;

export interface DesignerEdgeData extends Record<string, unknown> {
  flowEdge: FlowEdge;
  problems: Problem[];
}
export type DesignerEdge = Edge<DesignerEdgeData>;

export interface Selection {
  nodes: readonly string[];
  edges: readonly string[];
}

export const emptySelection: Selection = { nodes: [], edges: [] };

export interface Size {
  width: number;
  height: number;
}

/** The handle id React Flow uses for one exit: the exit name itself (`ready`, an outcome id…). */
export function handleIdsOf(node: FlowNode): string[] {
  return exitsOf(node);
}

/** Nodes that can only leave one way store their edges without a `sourceHandle`. */
function storedHandle(node: FlowNode, handle: string | null | undefined): string | undefined {
  const exits = exitsOf(node);
  if (exits.length === 1 && exits[0] === 'next') return undefined;
  return handle ?? exits[0];
}

/** The handle an edge is drawn from; `null` when the stored handle is not an exit any more. */
function drawnHandle(node: FlowNode | undefined, edge: FlowEdge): string | null {
  if (!node) return null;
  const exits = exitsOf(node);
  const handle = edge.sourceHandle ?? (exits.length === 1 ? exits[0] : undefined);
  return handle !== undefined && exits.includes(handle) ? handle : null;
}

/** Groups problems by the node they point at (flow-level problems are left out). */
export function problemsByNode(problems: readonly Problem[]): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  for (const problem of problems) {
    if (problem.nodeId === null) continue;
    const bucket = out.get(problem.nodeId);
    if (bucket) bucket.push(problem);
    else out.set(problem.nodeId, [problem]);
  }
  return out;
}

/** Groups problems by the edge they point at. */
export function problemsByEdge(problems: readonly Problem[]): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  for (const problem of problems) {
    if (problem.edgeId === undefined) continue;
    const bucket = out.get(problem.edgeId);
    if (bucket) bucket.push(problem);
    else out.set(problem.edgeId, [problem]);
  }
  return out;
}

/** The worst severity among problems, for the node's marker. */
export function worstSeverity(problems: readonly Problem[]): 'error' | 'warning' | null {
  if (problems.some((p) => p.severity === 'error')) return 'error';
  return problems.length > 0 ? 'warning' : null;
}

/** Whether every node has a stored position (otherwise the canvas lays the flow out itself). */
export function hasPositions(definition: FlowDefinition): boolean {
  return definition.nodes.every((n) => n.position !== undefined);
}

export interface CanvasOptions {
  problems?: readonly Problem[];
  selection?: Selection;
  sizes?: ReadonlyMap<string, Size>;
  activeNodes?: ReadonlySet<string>;
}

const noProblems: Problem[] = [];

/** The canvas node of one definition node (at `index`, for the fallback position). */
function canvasNode(
  flowNode: FlowNode,
  index: number,
  data: DesignerNodeData,
  selected: boolean,
  size: Size | undefined,
): DesignerNode {
  return {
    id: flowNode.id,
    type: flowNode.type,
    position: flowNode.position ?? { x: index * 260, y: 0 },
    selected,
    ariaLabel: `${kindInfo(flowNode.type).label}: ${flowNode.name || flowNode.id}`,
    data,
    ...(size ? { measured: size } : {}),
  };
}

/** The canvas edge of one definition edge, labelled after its source's exit. */
function canvasEdge(
  flowEdge: FlowEdge,
  source: FlowNode | undefined,
  problems: Problem[],
  selected: boolean,
): DesignerEdge {
  const handle = drawnHandle(source, flowEdge);
  const exits = source ? exitsOf(source) : [];
  const label =
    flowEdge.label ??
    (exits.length > 1 && source && handle !== null ? exitLabel(source, handle) : undefined);
  return {
    id: flowEdge.id,
    source: flowEdge.source,
    target: flowEdge.target,
    sourceHandle: handle,
    targetHandle: null,
    selected,
    type: 'smoothstep',
    data: { flowEdge, problems },
    className: problems.length > 0 ? `edge-${worstSeverity(problems) ?? 'warning'}` : undefined,
    ...(label ? { label } : {}),
  };
}

/**
 * Derives React Flow nodes and edges from the definition.
 *
 * ```ts
 * const { nodes, edges } = toCanvas(definition, { problems, selection });
 * ```
 */
export function toCanvas(
  definition: FlowDefinition,
  options: CanvasOptions = {},
): { nodes: DesignerNode[]; edges: DesignerEdge[] } {
  const byNode = problemsByNode(options.problems ?? []);
  const byEdge = problemsByEdge(options.problems ?? []);
  const selectedNodes = new Set(options.selection?.nodes ?? []);
  const selectedEdges = new Set(options.selection?.edges ?? []);
  const nodesById = new Map(definition.nodes.map((n) => [n.id, n]));
  const nodes = definition.nodes.map((flowNode, index) => {
    const data: DesignerNodeData = {
      flowNode,
      problems: byNode.get(flowNode.id) ?? [],
      active: options.activeNodes?.has(flowNode.id) ?? false,
    };
    const selected = selectedNodes.has(flowNode.id);
    return canvasNode(flowNode, index, data, selected, options.sizes?.get(flowNode.id));
  });
  const edges = definition.edges.map((flowEdge) =>
    canvasEdge(
      flowEdge,
      nodesById.get(flowEdge.source),
      byEdge.get(flowEdge.id) ?? [],
      selectedEdges.has(flowEdge.id),
    ),
  );
  return { nodes, edges };
}

/** Whether two lists of problems say the same (a new validation often repeats the last one). */
function sameProblems(a: readonly Problem[], b: readonly Problem[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((p, i) => {
    const q = b[i];
    return (
      q !== undefined &&
      p.severity === q.severity &&
      p.field === q.field &&
      p.message === q.message &&
      p.code === q.code
    );
  });
}

interface NodeInputs {
  flowNode: FlowNode;
  index: number;
  problems: Problem[];
  active: boolean;
  selected: boolean;
  size: Size | undefined;
  node: DesignerNode;
}

interface EdgeInputs {
  flowEdge: FlowEdge;
  source: FlowNode | undefined;
  problems: Problem[];
  selected: boolean;
  edge: DesignerEdge;
}

export interface CanvasDeriver {
  nodes: (definition: FlowDefinition, options?: CanvasOptions) => DesignerNode[];
  edges: (definition: FlowDefinition, options?: CanvasOptions) => DesignerEdge[];
}

/**
 * Derives the canvas like `toCanvas`, but keeps the objects of the previous call for every node
 * and edge whose inputs are unchanged, so React Flow (which compares nodes by identity) updates
 * and re-renders only what changed: a node measured, moved or selected, an edge re-labelled.
 * A node's `data` survives a change of size, selection or position, so its card does not render.
 *
 * ```ts
 * const derive = canvasDeriver();
 * const nodes = derive.nodes(definition, { problems, selection, sizes });
 * ```
 */
export function canvasDeriver(): CanvasDeriver {
  let nodeCache = new Map<string, NodeInputs>();
  let edgeCache = new Map<string, EdgeInputs>();
  return {
    nodes(definition, options = {}) {
      const byNode = problemsByNode(options.problems ?? []);
      const selectedNodes = new Set(options.selection?.nodes ?? []);
      const next = new Map<string, NodeInputs>();
      const nodes = definition.nodes.map((flowNode, index) => {
        const problems = byNode.get(flowNode.id) ?? noProblems;
        const active = options.activeNodes?.has(flowNode.id) ?? false;
        const selected = selectedNodes.has(flowNode.id);
        const size = options.sizes?.get(flowNode.id);
        const before = nodeCache.get(flowNode.id);
        let inputs: NodeInputs;
        if (
          before &&
          before.flowNode === flowNode &&
          (flowNode.position !== undefined || before.index === index) &&
          before.active === active &&
          sameProblems(before.problems, problems)
        ) {
          const unchanged =
            before.selected === selected &&
            before.size?.width === size?.width &&
            before.size?.height === size?.height;
          inputs = unchanged
            ? before
            : {
                ...before,
                selected,
                size,
                node: canvasNode(flowNode, index, before.node.data, selected, size),
              };
        } else {
          const data: DesignerNodeData = { flowNode, problems, active };
          const node = canvasNode(flowNode, index, data, selected, size);
          inputs = { flowNode, index, problems, active, selected, size, node };
        }
        next.set(flowNode.id, inputs);
        return inputs.node;
      });
      nodeCache = next;
      return nodes;
    },
    edges(definition, options = {}) {
      const byEdge = problemsByEdge(options.problems ?? []);
      const selectedEdges = new Set(options.selection?.edges ?? []);
      const nodesById = new Map(definition.nodes.map((n) => [n.id, n]));
      const next = new Map<string, EdgeInputs>();
      const edges = definition.edges.map((flowEdge) => {
        const source = nodesById.get(flowEdge.source);
        const problems = byEdge.get(flowEdge.id) ?? noProblems;
        const selected = selectedEdges.has(flowEdge.id);
        const before = edgeCache.get(flowEdge.id);
        const inputs =
          before &&
          before.flowEdge === flowEdge &&
          before.source === source &&
          before.selected === selected &&
          sameProblems(before.problems, problems)
            ? before
            : {
                flowEdge,
                source,
                problems,
                selected,
                edge: canvasEdge(flowEdge, source, problems, selected),
              };
        next.set(flowEdge.id, inputs);
        return inputs.edge;
      });
      edgeCache = next;
      return edges;
    },
  };
}

/** The sizes React Flow measured, by node id (nodes not drawn yet have none). */
export function measuredSizes(
  nodes: readonly { id: string; measured?: { width?: number; height?: number } }[],
): Map<string, Size> {
  const sizes = new Map<string, Size>();
  for (const node of nodes) {
    const { width, height } = node.measured ?? {};
    if (width !== undefined && height !== undefined) sizes.set(node.id, { width, height });
  }
  return sizes;
}

/**
 * The first spot at or below `desired` where a node of `size` does not overlap an existing node,
 * so nodes added from the palette never land on top of each other.
 */
export function freePosition(
  definition: FlowDefinition,
  desired: { x: number; y: number },
  sizes: ReadonlyMap<string, Size> = new Map(),
  size: Size = { width: 200, height: 96 },
): { x: number; y: number } {
  const gap = 16;
  const boxes = definition.nodes.flatMap((n) => {
    if (!n.position) return [];
    const s = sizes.get(n.id) ?? size;
    return [{ x: n.position.x, y: n.position.y, width: s.width, height: s.height }];
  });
  const overlaps = (p: { x: number; y: number }): boolean =>
    boxes.some(
      (b) =>
        p.x < b.x + b.width + gap &&
        p.x + size.width + gap > b.x &&
        p.y < b.y + b.height + gap &&
        p.y + size.height + gap > b.y,
    );
  let candidate = desired;
  for (let step = 0; step < 50 && overlaps(candidate); step += 1) {
    candidate = { x: desired.x, y: desired.y + (step + 1) * 32 };
  }
  return candidate;
}

/** A node id not yet used in the definition, derived from the kind (`decision_2`). */
export function nextNodeId(definition: FlowDefinition, kind: FlowNodeType): string {
  const taken = new Set(definition.nodes.map((n) => n.id));
  for (let n = 1; ; n += 1) {
    const candidate = `${kind}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Adds a node of `kind` at `position` with default settings.
 *
 * ```ts
 * const { definition: next, nodeId } = addNode(definition, 'decision', { x: 200, y: 80 });
 * ```
 */
export function addNode(
  definition: FlowDefinition,
  kind: FlowNodeType,
  position: { x: number; y: number },
): { definition: FlowDefinition; nodeId: string } {
  const nodeId = nextNodeId(definition, kind);
  const rounded = { x: Math.round(position.x), y: Math.round(position.y) };
  return {
    definition: { ...definition, nodes: [...definition.nodes, defaultNode(kind, nodeId, rounded)] },
    nodeId,
  };
}

export interface ConnectionRequest {
  source: string;
  sourceHandle?: string | null;
  target: string;
}

/**
 * Connects an exit of `source` to `target`. Each exit leads to one place, so an edge that
 * already leaves the same exit is replaced rather than duplicated.
 *
 * ```ts
 * const next = connect(definition, { source: 'gate', sourceHandle: 'timeout', target: 'chase' });
 * ```
 */
export function connect(definition: FlowDefinition, request: ConnectionRequest): FlowDefinition {
  const source = definition.nodes.find((n) => n.id === request.source);
  const target = definition.nodes.find((n) => n.id === request.target);
  if (!source || !target || target.type === 'start' || source.type === 'end') return definition;
  const sourceHandle = storedHandle(source, request.sourceHandle);
  const handleKey = sourceHandle ?? exitsOf(source)[0];
  const kept = definition.edges.filter(
    (e) => !(e.source === source.id && (e.sourceHandle ?? drawnHandle(source, e)) === handleKey),
  );
  const keptIds = new Set(kept.map((e) => e.id));
  const stem = `${source.id}-${sourceHandle ?? 'next'}-${target.id}`;
  let id = stem;
  for (let n = 2; keptIds.has(id); n += 1) id = `${stem}-${n}`;
  const edge: FlowEdge = { id, source: source.id, target: target.id };
  if (sourceHandle !== undefined) edge.sourceHandle = sourceHandle;
  return { ...definition, edges: [...kept, edge] };
}

/** Removes nodes (with their edges) and edges. */
export function deleteElements(
  definition: FlowDefinition,
  ids: { nodes?: readonly string[]; edges?: readonly string[] },
): FlowDefinition {
  const nodes = new Set(ids.nodes ?? []);
  const edges = new Set(ids.edges ?? []);
  if (nodes.size === 0 && edges.size === 0) return definition;
  return {
    ...definition,
    nodes: definition.nodes.filter((n) => !nodes.has(n.id)),
    edges: definition.edges.filter(
      (e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target),
    ),
  };
}

/** Stores new positions (rounded to whole pixels) for the given nodes. */
export function moveNodes(
  definition: FlowDefinition,
  positions: ReadonlyMap<string, { x: number; y: number }>,
): FlowDefinition {
  if (positions.size === 0) return definition;
  return {
    ...definition,
    nodes: definition.nodes.map((n) => {
      const p = positions.get(n.id);
      return p ? { ...n, position: { x: Math.round(p.x), y: Math.round(p.y) } } : n;
    }),
  };
}

/**
 * Replaces a node after an edit in the properties panel. When the edit renames an exit (a
 * condition or outcome id) the edges leaving it follow; when it removes an exit, the edges that
 * left through it go too, so the canvas never shows an edge hanging from nothing.
 */
export function replaceNode(definition: FlowDefinition, next: FlowNode): FlowDefinition {
  const previous = definition.nodes.find((n) => n.id === next.id);
  if (!previous) return definition;
  const before = exitsOf(previous);
  const after = exitsOf(next);
  const renamed = new Map<string, string>();
  if (before.length === after.length) {
    before.forEach((exit, i) => {
      const now = after[i];
      if (now !== undefined && now !== exit) renamed.set(exit, now);
    });
  }
  const singleAfter = after.length === 1 && after[0] === 'next';
  const edges = definition.edges.flatMap((e): FlowEdge[] => {
    if (e.source !== next.id) return [e];
    const handle = e.sourceHandle ?? (before.length === 1 ? before[0] : undefined);
    if (handle === undefined) return [e];
    const mapped = renamed.get(handle) ?? handle;
    if (!after.includes(mapped)) return [];
    if (singleAfter) {
      const { sourceHandle: _dropped, ...rest } = e;
      return [rest];
    }
    return [{ ...e, sourceHandle: mapped }];
  });
  return {
    ...definition,
    nodes: definition.nodes.map((n) => (n.id === next.id ? next : n)),
    edges,
  };
}

/** Replaces an edge (after its label was edited in the properties panel). */
export function replaceEdge(definition: FlowDefinition, next: FlowEdge): FlowDefinition {
  if (!definition.edges.some((e) => e.id === next.id)) return definition;
  return { ...definition, edges: definition.edges.map((e) => (e.id === next.id ? next : e)) };
}
