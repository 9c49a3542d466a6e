/**
 * The properties panel when more than one thing is selected (a summary with bulk actions), or a
 * single connection (where it comes from, its label, delete).
 */
import type { FlowDefinition, FlowEdge } from '@waybill/shared';
import type { ReactElement } from 'react';
import { KindIcon } from '../canvas/KindIcon.tsx';
import type { Selection } from '../model/definition-graph.ts';
import { kindInfo } from '../model/node-kinds.ts';
import { exitLabelsOf } from '../model/node-summary.ts';
import { Section, TextField } from './fields.tsx';

interface SelectionInspectorProps {
  definition: FlowDefinition;
  selection: Selection;
  onDelete: () => void;
  onCopy: () => void;
  onDuplicate: () => void;
  onSelectNode: (nodeId: string) => void;
}

/** Several steps and/or connections selected. */
export function SelectionInspector(props: SelectionInspectorProps): ReactElement {
  const { definition, selection, onDelete, onCopy, onDuplicate, onSelectNode } = props;
  const nodes = definition.nodes.filter((n) => selection.nodes.includes(n.id));
  const edgeCount = selection.edges.length;
  const parts = [
    nodes.length > 0 ? `${nodes.length} ${nodes.length === 1 ? 'step' : 'steps'}` : null,
    edgeCount > 0 ? `${edgeCount} ${edgeCount === 1 ? 'connection' : 'connections'}` : null,
  ].filter((p) => p !== null);
  return (
    <div className="inspector" data-testid="selection-inspector">
      <header className="inspector__header">
        <div>
          <p className="inspector__kind">Selection</p>
          <h2 className="inspector__title">{parts.join(' and ')} selected</h2>
        </div>
      </header>
      <Section title="Actions">
        <div className="button-row">
          <button
            type="button"
            className="btn btn--small"
            onClick={onCopy}
            disabled={nodes.length === 0}
          >
            Copy
          </button>
          <button
            type="button"
            className="btn btn--small"
            onClick={onDuplicate}
            disabled={nodes.length === 0}
            data-testid="duplicate-selection"
          >
            Duplicate
          </button>
          <button
            type="button"
            className="btn btn--small btn--danger"
            onClick={onDelete}
            data-testid="delete-selection"
          >
            Delete
          </button>
        </div>
      </Section>
      {nodes.length > 0 && (
        <Section title="Steps">
          <ul className="selection-list">
            {nodes.map((node) => (
              <li key={node.id}>
                <button
                  type="button"
                  className={`selection-list__item wb-kind--${node.type}`}
                  onClick={() => onSelectNode(node.id)}
                >
                  <span className="selection-list__icon" aria-hidden="true">
                    <KindIcon kind={node.type} size={14} />
                  </span>
                  <span>{node.name || node.id}</span>
                  <span className="muted small">{kindInfo(node.type).label}</span>
                </button>
              </li>
            ))}
          </ul>
        </Section>
      )}
    </div>
  );
}

interface EdgeInspectorProps {
  definition: FlowDefinition;
  edge: FlowEdge;
  onChange: (edge: FlowEdge) => void;
  onDelete: () => void;
}

/** One connection: its ends, the exit it leaves through, and an optional label. */
export function EdgeInspector({
  definition,
  edge,
  onChange,
  onDelete,
}: EdgeInspectorProps): ReactElement {
  const source = definition.nodes.find((n) => n.id === edge.source);
  const target = definition.nodes.find((n) => n.id === edge.target);
  const exit = source
    ? exitLabelsOf(source).find((e) => e.id === (edge.sourceHandle ?? 'next'))
    : undefined;
  return (
    <div className="inspector" data-testid="edge-inspector" data-edge-id={edge.id}>
      <header className="inspector__header">
        <div>
          <p className="inspector__kind">Connection</p>
          <h2 className="inspector__title">
            {source?.name || edge.source} → {target?.name || edge.target}
          </h2>
        </div>
        <button
          type="button"
          className="btn btn--ghost btn--danger btn--small"
          data-testid="delete-edge"
          onClick={onDelete}
        >
          Delete
        </button>
      </header>
      <Section title="General">
        <TextField label="From" mono readOnly value={edge.source} />
        <TextField
          label="Exit"
          mono
          readOnly
          value={exit ? `${exit.id} (${exit.label})` : (edge.sourceHandle ?? 'next')}
        />
        <TextField label="To" mono readOnly value={edge.target} />
        <TextField
          label="Label"
          value={edge.label ?? ''}
          testId="edge-label"
          hint="Shown on the canvas instead of the exit name."
          onChange={(label) => {
            const { label: _previous, ...rest } = edge;
            onChange(label ? { ...rest, label } : rest);
          }}
        />
      </Section>
    </div>
  );
}
