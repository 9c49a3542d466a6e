/**
 * One React Flow node component per node kind. They share a card layout (icon, kind, name,
 * summary, problem marker) and differ in what they summarise and which exits they offer.
 */
import { Handle, Position } from '@xyflow/react';
import type { NodeProps, NodeTypes } from '@xyflow/react';
import type { FlowNodeType } from '@waybill/shared';
import { memo } from 'react';
import type { ReactElement } from 'react';
import type { DesignerNode } from '../model/definition-graph.ts';
import { worstSeverity } from '../model/definition-graph.ts';
import { kindInfo } from '../model/node-kinds.ts';
import { KindIcon } from './KindIcon.tsx';
import { exitLabelsOf, summaryOf } from '../model/node-summary.ts';

function NodeCard({ data, selected }: NodeProps<DesignerNode>): ReactElement {
  const { flowNode, problems, active } = data;
  const info = kindInfo(flowNode.type);
  const severity = worstSeverity(problems);
  const summary = summaryOf(flowNode);
  const exits = exitLabelsOf(flowNode);
  const singleExit = exits.length === 1 && exits[0]?.id === 'next';
  const classes = [
    'wb-node',
    `wb-node--${flowNode.type}`,
    selected ? 'is-selected' : '',
    active ? 'is-active' : '',
    severity ? `has-${severity}` : '',
  ].join(' ');

  return (
    <div
      className={classes}
      data-testid={`node-${flowNode.id}`}
      data-node-id={flowNode.id}
      aria-label={`${info.label} ${flowNode.name ?? flowNode.id}`}
    >
      {flowNode.type !== 'start' && (
        <Handle type="target" position={Position.Left} className="wb-handle wb-handle--target" />
      )}
      <div className="wb-node__header">
        <span className="wb-node__icon" aria-hidden="true">
          <KindIcon kind={flowNode.type} size={13} />
        </span>
        <span className="wb-node__kind">{info.label}</span>
        {severity && (
          <span
            className={`wb-node__marker wb-node__marker--${severity}`}
            data-testid={`node-marker-${flowNode.id}`}
            title={problems.map((p) => `${p.field}: ${p.message}`).join('\n')}
          >
            {problems.length}
          </span>
        )}
      </div>
      <div className="wb-node__name">{flowNode.name || flowNode.id}</div>
      {summary.length > 0 && (
        <ul className="wb-node__summary">
          {summary.slice(0, 4).map((line, i) => (
            <li key={i}>{line}</li>
          ))}
          {summary.length > 4 && <li>+{summary.length - 4} more</li>}
        </ul>
      )}
      {singleExit && exits[0] ? (
        <Handle
          type="source"
          position={Position.Right}
          id={exits[0].id}
          className="wb-handle wb-handle--source"
          data-testid={`handle-${flowNode.id}-${exits[0].id}`}
        />
      ) : (
        exits.length > 0 && (
          <div className="wb-node__exits">
            {exits.map((exit) => (
              <div key={exit.id} className={`wb-node__exit wb-node__exit--${exit.id}`}>
                <span>{exit.label}</span>
                <Handle
                  type="source"
                  position={Position.Right}
                  id={exit.id}
                  className="wb-handle wb-handle--source"
                  data-testid={`handle-${flowNode.id}-${exit.id}`}
                  title={`Exit "${exit.id}": drag to connect`}
                />
              </div>
            ))}
          </div>
        )
      )}
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
