/**
 * The React Flow canvas. The definition is the source of truth: nodes and edges are derived
 * from it, and every change React Flow reports (moves, connections, deletions, selection) is
 * turned back into a definition edit.
 *
 * Large flows stay smooth because a change touches only what it changes: nodes and edges are
 * derived per element (unchanged ones keep their objects, so React Flow and the memoised cards
 * skip them), the sizes React Flow measures stay in this component rather than re-rendering the
 * editor around it, and every object handed to React Flow is stable between renders.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  useStoreApi,
} from '@xyflow/react';
import type {
  Connection,
  EdgeChange,
  FitViewOptions,
  NodeChange,
  OnDelete,
  ProOptions,
} from '@xyflow/react';
import type { FlowDefinition, Problem } from '@waybill/shared';
import { useCallback, useMemo, useState } from 'react';
import type { CSSProperties, DragEvent, ReactElement } from 'react';
import {
  addNode,
  canvasDeriver,
  connect,
  deleteElements,
  moveNodes,
} from '../model/definition-graph.ts';
import type { DesignerEdge, DesignerNode, Selection, Size } from '../model/definition-graph.ts';
import { isNodeKind, kindInfo } from '../model/node-kinds.ts';
import { showsDetail } from './detail.ts';
import { edgeTypes } from './edge-views.tsx';
import { nodeTypes } from './node-views.tsx';
import { PALETTE_MIME } from './Palette.tsx';

export type DefinitionUpdate = (
  update: (definition: FlowDefinition) => FlowDefinition,
  options?: { group?: string },
) => void;

interface FlowCanvasProps {
  definition: FlowDefinition;
  problems: readonly Problem[];
  selection: Selection;
  activeNodes: ReadonlySet<string>;
  onChange: DefinitionUpdate;
  /** Takes a selection or an update of the current one (React's state setter fits). */
  onSelectionChange: (next: Selection | ((current: Selection) => Selection)) => void;
}

function applySelection(
  current: readonly string[],
  changes: { id: string; selected: boolean }[],
): string[] {
  const next = new Set(current);
  for (const change of changes) {
    if (change.selected) next.add(change.id);
    else next.delete(change.id);
  }
  return [...next];
}

// What React Flow is given must not change between renders: a new object in its props is
// copied into its store and re-renders whatever reads it (a new `defaultEdgeOptions`, say,
// re-renders every edge).
const deleteKeys = ['Delete', 'Backspace'];
const multiSelectionKeys = ['Shift', 'Meta', 'Control'];
const snapGrid: [number, number] = [16, 16];
const fitViewOptions: FitViewOptions = { padding: 0.2, maxZoom: 1.1 };
const connectionLineStyle: CSSProperties = { strokeWidth: 2, stroke: '#2563eb' };
const proOptions: ProOptions = { hideAttribution: true };
const miniMapStyle: CSSProperties = { width: 168, height: 112 };
const miniMapColor = (n: DesignerNode): string => kindInfo(n.data.flowNode.type).accent;

export function FlowCanvas(props: FlowCanvasProps): ReactElement {
  const { definition, problems, selection, activeNodes, onChange, onSelectionChange } = props;
  const { screenToFlowPosition } = useReactFlow();
  const store = useStoreApi<DesignerNode, DesignerEdge>();
  const [dragOver, setDragOver] = useState(false);
  // Sizes React Flow measured, handed back with each node so it keeps them (it drops the sizes
  // of a node it is given without). Only the canvas re-renders when cards are measured.
  const [sizes, setSizes] = useState<ReadonlyMap<string, Size>>(() => new Map());
  const [derive] = useState(canvasDeriver);

  const nodes = useMemo(
    () => derive.nodes(definition, { problems, selection, sizes, activeNodes }),
    [derive, definition, problems, selection, sizes, activeNodes],
  );
  const edges = useMemo(
    () => derive.edges(definition, { problems, selection }),
    [derive, definition, problems, selection],
  );

  const onNodesChange = useCallback(
    (changes: NodeChange<DesignerNode>[]) => {
      const positions = new Map<string, { x: number; y: number }>();
      const measured = new Map<string, Size>();
      const selects: { id: string; selected: boolean }[] = [];
      for (const change of changes) {
        if (change.type === 'position' && change.position)
          positions.set(change.id, change.position);
        else if (change.type === 'dimensions' && change.dimensions)
          measured.set(change.id, change.dimensions);
        else if (change.type === 'select') selects.push(change);
      }
      // One drag (or a run of arrow-key nudges) of the same nodes is one undo step.
      if (positions.size > 0)
        onChange((d) => moveNodes(d, positions), {
          group: `move:${[...positions.keys()].join(',')}`,
        });
      if (measured.size > 0) {
        // Zoomed out, a card with several exits is lower than in full detail (see node-views):
        // a card measured in full keeps that size, so tidying up and placing new steps do not
        // depend on the zoom. A card first drawn zoomed out has only that size until zoomed in.
        const zoomedOut = !showsDetail(store.getState());
        setSizes((current) => {
          const next = new Map(current);
          measured.forEach((size, id) => {
            if (!(zoomedOut && current.has(id))) next.set(id, size);
          });
          return next;
        });
      }
      // Updates of the current selection: a box selection reports nodes and edges in separate
      // calls within one tick, and each must build on the other.
      if (selects.length > 0) {
        onSelectionChange((current) => ({
          nodes: applySelection(current.nodes, selects),
          edges: current.edges,
        }));
      }
    },
    [onChange, onSelectionChange, store],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<DesignerEdge>[]) => {
      const selects = changes.filter((c) => c.type === 'select');
      if (selects.length > 0) {
        onSelectionChange((current) => ({
          nodes: current.nodes,
          edges: applySelection(current.edges, selects),
        }));
      }
    },
    [onSelectionChange],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      onChange((d) =>
        connect(d, {
          source: connection.source,
          sourceHandle: connection.sourceHandle,
          target: connection.target,
        }),
      );
    },
    [onChange],
  );

  const onDelete: OnDelete<DesignerNode, DesignerEdge> = useCallback(
    ({ nodes: deletedNodes, edges: deletedEdges }) => {
      onChange((d) =>
        deleteElements(d, {
          nodes: deletedNodes.map((n) => n.id),
          edges: deletedEdges.map((e) => e.id),
        }),
      );
      onSelectionChange({ nodes: [], edges: [] });
    },
    [onChange, onSelectionChange],
  );

  const onDragOver = (event: DragEvent<HTMLDivElement>): void => {
    if (!event.dataTransfer.types.includes(PALETTE_MIME)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    setDragOver(true);
  };

  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    setDragOver(false);
    const kind = event.dataTransfer.getData(PALETTE_MIME);
    if (!isNodeKind(kind)) return;
    event.preventDefault();
    const point = screenToFlowPosition({ x: event.clientX, y: event.clientY });
    // Drop the node centred on the pointer rather than hanging from its top-left corner.
    const position = { x: point.x - 100, y: point.y - 40 };
    const result = addNode(definition, kind, position);
    onChange(() => result.definition);
    onSelectionChange({ nodes: [result.nodeId], edges: [] });
  };

  return (
    <div
      className={`canvas${dragOver ? ' canvas--drop' : ''}`}
      data-testid="canvas"
      onDragOver={onDragOver}
      onDragLeave={() => setDragOver(false)}
      onDrop={onDrop}
    >
      <ReactFlow<DesignerNode, DesignerEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onDelete={onDelete}
        deleteKeyCode={deleteKeys}
        multiSelectionKeyCode={multiSelectionKeys}
        selectionKeyCode="Shift"
        nodesFocusable
        edgesFocusable
        onlyRenderVisibleElements
        snapToGrid
        snapGrid={snapGrid}
        fitView
        fitViewOptions={fitViewOptions}
        minZoom={0.2}
        maxZoom={2}
        connectionLineStyle={connectionLineStyle}
        proOptions={proOptions}
        aria-label="Flow canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={16} size={1.2} color="#cbd5e1" />
        <MiniMap
          pannable
          style={miniMapStyle}
          zoomable
          nodeColor={miniMapColor}
          nodeStrokeWidth={3}
          ariaLabel="Mini map"
        />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
