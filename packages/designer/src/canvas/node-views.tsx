/**
 * One React Flow node component per node kind. They share a card layout (icon, kind, name,
 * summary, problem marker) and differ in what they summarise and which exits they offer.
 *
 * Zoomed out below `detailZoom`, a card draws only its name on its kind's colour, its problem
 * marker and its handles, in a box of the full card's width and (but for empty exit rows) height:
 * the same name, spacers for the header and summary. A card with several exits is lower zoomed
 * out; React Flow measures it (and where its handles are) again when the zoom crosses over.
 */
import { Handle, Position, useStore } from '@xyflow/react';
import type { NodeProps, NodeTypes } from '@xyflow/react';
import type { FlowNode, FlowNodeType } from '@waybill/shared';
import { memo } from 'react';
import type { CSSProperties, ReactElement } from 'react';
import type { DesignerNode } from '../model/definition-graph.ts';
import { worstSeverity } from '../model/definition-graph.ts';
import { kindInfo } from '../model/node-kinds.ts';
import { showsDetail } from './detail.ts';
import { KindIcon } from './KindIcon.tsx';
import { exitLabelsOf, summaryOf } from '../model/node-summary.ts';

/** Summary lines a card shows: four, then "+n more". */
const summaryLimit = 4;

function NodeCard({ data, selected }: NodeProps<DesignerNode>): ReactElement {
  const { flowNode, problems, active } = data;
  const detail = useStore(showsDetail);
  const info = kindInfo(flowNode.type);
  const severity = worstSeverity(problems);
  const summary = summaryOf(flowNode);
  const exits = exitLabelsOf(flowNode);
  const singleExit = exits.length === 1 && exits[0]?.id === 'next';
  const classes = [
    'wb-node',
    `wb-node--${flowNode.type}`,
    detail ? '' : 'wb-node--far',
    selected ? 'is-selected' : '',
    active ? 'is-active' : '',
    severity ? `has-${severity}` : '',
  ].join(' ');
  const marker = severity && (
    <span
      className={`wb-node__marker wb-node__marker--${severity}`}
      data-testid={`node-marker-${flowNode.id}`}
      title={problems.map((p) => `${p.field}: ${p.message}`).join('\n')}
    >
      {problems.length}
    </span>
  );

  if (!detail) {
    const summaryLines = Math.min(summary.length, summaryLimit + 1);
    return (
      <div
        className={classes}
        data-testid={`node-${flowNode.id}`}
        data-node-id={flowNode.id}
        aria-label={`${info.label} ${flowNode.name ?? flowNode.id}`}
      >
        {flowNode.type !== 'start' && <TargetHandle />}
        <div className="wb-node__header">{marker}</div>
        <div className="wb-node__name">{flowNode.name || flowNode.id}</div>
        {summaryLines > 0 && (
          <div
            className="wb-node__summary"
            style={{ '--summary-lines': summaryLines } as CSSProperties}
          />
        )}
        <Exits node={flowNode} exits={exits} singleExit={singleExit} labelled={false} />
      </div>
    );
  }

  return (
    <div
      className={classes}
      data-testid={`node-${flowNode.id}`}
      data-node-id={flowNode.id}
      aria-label={`${info.label} ${flowNode.name ?? flowNode.id}`}
    >
      {flowNode.type !== 'start' && <TargetHandle />}
      <div className="wb-node__header">
        <span className="wb-node__icon" aria-hidden="true">
          <KindIcon kind={flowNode.type} size={13} />
        </span>
        <span className="wb-node__kind">{info.label}</span>
        {marker}
      </div>
      <div className="wb-node__name">{flowNode.name || flowNode.id}</div>
      {summary.length > 0 && (
        <ul className="wb-node__summary">
          {summary.slice(0, summaryLimit).map((line, i) => (
            <li key={i}>{line}</li>
          ))}
          {summary.length > summaryLimit && <li>+{summary.length - summaryLimit} more</li>}
        </ul>
      )}
      <Exits node={flowNode} exits={exits} singleExit={singleExit} labelled />
    </div>
  );
}

function TargetHandle(): ReactElement {
  return <Handle type="target" position={Position.Left} className="wb-handle wb-handle--target" />;
}

/**
 * The card's exits: one handle on the right edge for a single `next`, else a row per exit with
 * its label and handle. Zoomed out, the rows are empty (and so lower): with a line in them, the
 * browser's layerizing of a pan frame cost three times as much (see docs/performance.md).
 */
function Exits(props: {
  node: FlowNode;
  exits: { id: string; label: string }[];
  singleExit: boolean;
  labelled: boolean;
}): ReactElement | null {
  const { node, exits, singleExit, labelled } = props;
  const first = exits[0];
  if (singleExit && first) {
    return (
      <Handle
        type="source"
        position={Position.Right}
        id={first.id}
        className="wb-handle wb-handle--source"
        data-testid={`handle-${node.id}-${first.id}`}
      />
    );
  }
  if (exits.length === 0) return null;
  return (
    <div className="wb-node__exits">
      {exits.map((exit) => (
        <div key={exit.id} className={`wb-node__exit wb-node__exit--${exit.id}`}>
          {labelled && <span>{exit.label}</span>}
          <Handle
            type="source"
            position={Position.Right}
            id={exit.id}
            className="wb-handle wb-handle--source"
            data-testid={`handle-${node.id}-${exit.id}`}
            title={`Exit "${exit.id}": drag to connect`}
          />
        </div>
      ))}
    </div>
  );
}

const Card = memo(NodeCard);

/**
 * React Flow's node types, keyed by flow node kind. Every kind shares the card; what differs
 * (summary, exits, accent) is derived from the node itself, so a new kind needs no new component.
 */
export const nodeTypes = {
  start: Card,
  readinessGate: Card,
  decision: Card,
  connectorCall: Card,
  waitForEvent: Card,
  timer: Card,
  humanTask: Card,
  parallel: Card,
  subflow: Card,
  exception: Card,
  classify: Card,
  end: Card,
} satisfies Record<FlowNodeType, unknown> & NodeTypes;
