/**
 * A read-only canvas of a flow with decorations: a class and a badge per node, a class per edge.
 * The version diff, the simulator and the live overlay all draw through it, so they look like
 * the editor's canvas (same node cards) without being able to change the flow.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  ReactFlow,
  ReactFlowProvider,
} from '@xyflow/react';
import type { NodeProps, NodeTypes } from '@xyflow/react';
import type { FlowDefinition } from '@waybill/shared';
import { createContext, memo, useContext, useMemo } from 'react';
import type { CSSProperties, ReactElement } from 'react';
import { edgeTypes } from '../canvas/edge-views.tsx';
import { nodeTypes } from '../canvas/node-views.tsx';
import { toCanvas } from '../model/definition-graph.ts';
import type { DesignerEdge, DesignerNode } from '../model/definition-graph.ts';
import './workbench.css';

export interface NodeDecoration {
  /** Added to the node's wrapper, e.g. `deco--added`. */
  className?: string;
  badge?: string;
  badgeTone?: 'info' | 'warm' | 'hot' | 'ok' | 'muted';
  /** A coloured ring around the card (heat map). */
  ring?: string;
  title?: string;
}

export interface EdgeDecoration {
  className?: string;
  animated?: boolean;
}

const Decorations = createContext<ReadonlyMap<string, NodeDecoration>>(new Map());

function DecoratedNodeView(props: NodeProps<DesignerNode>): ReactElement {
  const decoration = useContext(Decorations).get(props.id);
  const Card = nodeTypes[props.data.flowNode.type];
  const style: CSSProperties | undefined = decoration?.ring
    ? { boxShadow: `0 0 0 6px ${decoration.ring}`, borderRadius: 12 }
    : undefined;
  return (
    <div className={`deco ${decoration?.className ?? ''}`} style={style} title={decoration?.title}>
      <Card {...props} />
      {decoration?.badge !== undefined && (
        <span
          className={`deco__badge deco__badge--${decoration.badgeTone ?? 'info'}`}
          data-testid={`badge-${props.id}`}
        >
          {decoration.badge}
        </span>
      )}
    </div>
  );
}

const DecoratedNode = memo(DecoratedNodeView);

const decoratedTypes = {
  start: DecoratedNode,
  readinessGate: DecoratedNode,
  decision: DecoratedNode,
  connectorCall: DecoratedNode,
  waitForEvent: DecoratedNode,
  timer: DecoratedNode,
  humanTask: DecoratedNode,
  parallel: DecoratedNode,
  subflow: DecoratedNode,
  exception: DecoratedNode,
  classify: DecoratedNode,
  end: DecoratedNode,
} satisfies Record<keyof typeof nodeTypes, unknown> & NodeTypes;

interface DecoratedCanvasProps {
  definition: FlowDefinition;
  nodes: ReadonlyMap<string, NodeDecoration>;
  edges?: ReadonlyMap<string, EdgeDecoration>;
  onNodeClick?: (nodeId: string) => void;
  testId: string;
  ariaLabel: string;
}

function Canvas(props: DecoratedCanvasProps): ReactElement {
  const { definition, nodes: decorations, edges: edgeDecorations, onNodeClick } = props;
  const { nodes, edges } = useMemo(() => {
    const drawn = toCanvas(definition);
    return {
      nodes: drawn.nodes.map((n) => ({ ...n, selectable: onNodeClick !== undefined })),
      edges: drawn.edges.map((e): DesignerEdge => {
        const decoration = edgeDecorations?.get(e.id);
        return decoration
          ? { ...e, className: decoration.className, animated: decoration.animated ?? false }
          : e;
      }),
    };
  }, [definition, edgeDecorations, onNodeClick]);

  return (
    <Decorations.Provider value={decorations}>
      <div className="canvas" data-testid={props.testId}>
        <ReactFlow<DesignerNode, DesignerEdge>
          nodes={nodes}
          edges={edges}
          nodeTypes={decoratedTypes}
          edgeTypes={edgeTypes}
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={onNodeClick !== undefined}
          deleteKeyCode={null}
          onNodeClick={(_, node) => onNodeClick?.(node.id)}
          onlyRenderVisibleElements
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
          minZoom={0.1}
          maxZoom={2}
          proOptions={{ hideAttribution: true }}
          aria-label={props.ariaLabel}
        >
          <Background variant={BackgroundVariant.Dots} gap={16} size={1.2} color="#cbd5e1" />
          <Controls showInteractive={false} />
        </ReactFlow>
      </div>
    </Decorations.Provider>
  );
}

/** A read-only, decorated canvas with its own React Flow store. */
export function DecoratedCanvas(props: DecoratedCanvasProps): ReactElement {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}
