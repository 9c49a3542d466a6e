/**
 * The React Flow canvas. The definition is the source of truth: nodes and edges are derived
 * from it on every render, and every change React Flow reports (moves, connections, deletions,
 * selection) is turned back into a definition edit.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import type { Connection, EdgeChange, NodeChange, OnDelete } from '@xyflow/react';
import type { FlowDefinition, Problem } from '@waybill/shared';
import { useCallback, useMemo, useState } from 'react';
import type { DragEvent, ReactElement } from 'react';
import {
  addNode,
  connect,
  deleteElements,
  moveNodes,
  toCanvas,
} from '../model/definition-graph.ts';
import type { DesignerEdge, DesignerNode, Selection, Size } from '../model/definition-graph.ts';
import { isNodeKind, kindInfo } from '../model/node-kinds.ts';
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
  sizes: ReadonlyMap<string, Size>;
  onSizes: (update: (sizes: Map<string, Size>) => Map<string, Size>) => void;
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

export function FlowCanvas(props: FlowCanvasProps): ReactElement {
  const {
    definition,
    problems,
    selection,
    activeNodes,
    sizes,
    onSizes,
    onChange,
    onSelectionChange,
  } = props;
  const { screenToFlowPosition } = useReactFlow();
  const [dragOver, setDragOver] = useState(false);

  const { nodes, edges } = useMemo(
    () => toCanvas(definition, { problems, selection, sizes, activeNodes }),
    [definition, problems, selection, sizes, activeNodes],
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
        onSizes((current) => {
          const next = new Map(current);
          measured.forEach((size, id) => next.set(id, size));
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
    [onChange, onSizes, onSelectionChange],
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
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onDelete={onDelete}
        deleteKeyCode={['Delete', 'Backspace']}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        selectionKeyCode="Shift"
        nodesFocusable
        edgesFocusable
        onlyRenderVisibleElements
        snapToGrid
        snapGrid={[16, 16]}
        fitView
        fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
        minZoom={0.2}
        maxZoom={2}
        defaultEdgeOptions={{ type: 'smoothstep' }}
        connectionLineStyle={{ strokeWidth: 2, stroke: '#2563eb' }}
        proOptions={{ hideAttribution: true }}
        aria-label="Flow canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={16} size={1.2} color="#cbd5e1" />
        <MiniMap
          pannable
          style={{ width: 168, height: 112 }}
          zoomable
          nodeColor={(n: DesignerNode) => kindInfo(n.data.flowNode.type).accent}
          nodeStrokeWidth={3}
          ariaLabel="Mini map"
        />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
