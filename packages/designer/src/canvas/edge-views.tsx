/**
 * The canvas's edge: React Flow's smooth-step path, with a label drawn without measuring it.
 *
 * React Flow's own label measures its text (`getBBox`) after mounting, which makes the browser
 * lay out the page once per label and then renders the edge again; when a pan brings a hundred
 * branch edges on screen, that is most of the script time of the frame. Our labels are set in the
 * monospace font (see `.react-flow__edge-text`), so their width follows from their length. Below
 * `detailZoom` labels are left out: they would be a few pixels tall.
 */
import { BaseEdge, getSmoothStepPath, Position, useStore } from '@xyflow/react';
import type { EdgeProps, EdgeTypes } from '@xyflow/react';
import { memo } from 'react';
import type { ReactElement } from 'react';
import type { DesignerEdge } from '../model/definition-graph.ts';
import { showsDetail } from './detail.ts';

/** Width of one character of `.react-flow__edge-text` (11px monospace: 0.6em, rounded up). */
const charWidth = 6.7;
const labelHeight = 13;
const padX = 4;
const padY = 4;

function EdgeLabel({ x, y, text }: { x: number; y: number; text: string }): ReactElement {
  const width = text.length * charWidth + 2 * padX;
  const height = labelHeight + 2 * padY;
  // Absolute coordinates rather than a translated group: a transform would give every label its
  // own paint chunk, which the browser re-layerizes on each frame of a pan.
  return (
    <g className="react-flow__edge-textwrapper">
      <rect
        className="react-flow__edge-textbg"
        x={x - width / 2}
        y={y - height / 2}
        width={width}
        height={height}
      />
      <text className="react-flow__edge-text" x={x} y={y} dy="0.35em" textAnchor="middle">
        {text}
      </text>
    </g>
  );
}

function FlowEdgeView(props: EdgeProps<DesignerEdge>): ReactElement {
  const { sourcePosition = Position.Bottom, targetPosition = Position.Top } = props;
  const detail = useStore(showsDetail);
  const [path, labelX, labelY] = getSmoothStepPath({
    sourceX: props.sourceX,
    sourceY: props.sourceY,
    sourcePosition,
    targetX: props.targetX,
    targetY: props.targetY,
    targetPosition,
  });
  const { label } = props;
  const text = typeof label === 'string' || typeof label === 'number' ? String(label) : null;
  return (
    <>
      <BaseEdge
        path={path}
        style={props.style}
        markerStart={props.markerStart}
        markerEnd={props.markerEnd}
        interactionWidth={props.interactionWidth}
        // A label that is not text keeps React Flow's own (measured) label.
        {...(detail && text === null && label ? { label, labelX, labelY } : {})}
      />
      {detail && text !== null && text !== '' && <EdgeLabel x={labelX} y={labelY} text={text} />}
    </>
  );
}

/**
 * React Flow's edge types: the definition's edges are all `smoothstep` (see `canvasEdge`), drawn
 * with React Flow's default step options (none are set per edge).
 */
export const edgeTypes = {
  smoothstep: memo(FlowEdgeView),
} satisfies EdgeTypes;
