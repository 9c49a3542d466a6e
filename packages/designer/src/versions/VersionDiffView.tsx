/**
 * Two versions of a flow on one canvas: added nodes and edges in green, removed ones dashed red,
 * changed ones amber; a legend, and the list of changes beside it.
 */
import type { FlowDefinition } from '@waybill/shared';
import { useEffect, useMemo, useState } from 'react';
import type { ReactElement } from 'react';
import { createPortal } from 'react-dom';
import { api, errorMessage } from '../api/client.ts';
import type { FlowVersionInfo } from '../api/client.ts';
import { coerceDefinition } from '../model/coerce-definition.ts';
import { DecoratedCanvas } from '../overlay/DecoratedCanvas.tsx';
import type { EdgeDecoration, NodeDecoration } from '../overlay/DecoratedCanvas.tsx';
import { diffFlows, mergeForDiff } from './flow-diff.ts';
import type { ChangeKind } from './flow-diff.ts';

/** A version number, or the current draft. */
export type VersionRef = number | 'draft';

interface VersionDiffViewProps {
  flowKey: string;
  versions: readonly FlowVersionInfo[];
  draft: FlowDefinition;
  from: VersionRef;
  to: VersionRef;
  side: HTMLElement | null;
  onChange: (from: VersionRef, to: VersionRef) => void;
  onClose: () => void;
}

const refLabel = (ref: VersionRef): string => (ref === 'draft' ? 'Draft' : `v${ref}`);

function useVersion(flowKey: string, ref: VersionRef, draft: FlowDefinition) {
  const [loaded, setLoaded] = useState<{ ref: VersionRef; definition: FlowDefinition } | null>(
    null,
  );
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (ref === 'draft') return undefined;
    let cancelled = false;
    api.flows.getVersion
      .query({ key: flowKey, version: ref })
      .then((v) => {
        if (!cancelled)
          setLoaded({
            ref,
            definition: coerceDefinition(v.definition, { key: flowKey, name: flowKey }),
          });
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(errorMessage(e));
      });
    return () => {
      cancelled = true;
    };
  }, [flowKey, ref]);
  if (ref === 'draft') return { definition: draft, error: null };
  return { definition: loaded?.ref === ref ? loaded.definition : null, error };
}

const nodeClass: Record<ChangeKind, string> = {
  added: 'deco--added',
  removed: 'deco--removed',
  changed: 'deco--changed',
};

export function VersionDiffView(props: VersionDiffViewProps): ReactElement {
  const { flowKey, versions, draft, from, to } = props;
  const before = useVersion(flowKey, from, draft);
  const after = useVersion(flowKey, to, draft);

  const view = useMemo(() => {
    if (!before.definition || !after.definition) return null;
    const diff = diffFlows(before.definition, after.definition);
    const merged = mergeForDiff(before.definition, after.definition);
    const nodes = new Map<string, NodeDecoration>();
    for (const node of merged.nodes) {
      const kind = diff.nodes.get(node.id);
      nodes.set(
        node.id,
        kind ? { className: nodeClass[kind], title: kind } : { className: 'deco--dim' },
      );
    }
    const edges = new Map<string, EdgeDecoration>();
    for (const [id, kind] of diff.edges) edges.set(id, { className: `edge--${kind}` });
    return { diff, merged, nodes, edges };
  }, [before.definition, after.definition]);

  const refs: VersionRef[] = [
    'draft',
    ...[...versions].sort((a, b) => b.version - a.version).map((v) => v.version),
  ];
  const select = (which: 'from' | 'to', value: string): void => {
    const ref: VersionRef = value === 'draft' ? 'draft' : Number(value);
    if (which === 'from') props.onChange(ref, to);
    else props.onChange(from, ref);
  };
  const counts = (kind: ChangeKind): number =>
    view?.diff.changes.filter((c) => c.kind === kind).length ?? 0;

  const side = (
    <div className="workbench-side" data-testid="diff-panel">
      <header className="workbench-side__header">
        <h2>Compare versions</h2>
        <button
          type="button"
          className="btn btn--small"
          onClick={props.onClose}
          data-testid="workbench-close"
        >
          Back to editing
        </button>
      </header>
      <section className="workbench-side__section">
        <div className="row">
          <label className="field-label" htmlFor="diff-from">
            From
          </label>
          <select
            id="diff-from"
            className="input"
            value={String(from)}
            onChange={(e) => select('from', e.target.value)}
            data-testid="diff-from"
          >
            {refs.map((r) => (
              <option key={String(r)} value={String(r)}>
                {refLabel(r)}
              </option>
            ))}
          </select>
          <label className="field-label" htmlFor="diff-to">
            to
          </label>
          <select
            id="diff-to"
            className="input"
            value={String(to)}
            onChange={(e) => select('to', e.target.value)}
            data-testid="diff-to"
          >
            {refs.map((r) => (
              <option key={String(r)} value={String(r)}>
                {refLabel(r)}
              </option>
            ))}
          </select>
        </div>
      </section>
      <section className="workbench-side__section">
        <h3>Changes</h3>
        {(before.error ?? after.error) && (
          <p className="field-error" role="alert">
            {before.error ?? after.error}
          </p>
        )}
        {!view && !before.error && !after.error && <p className="muted">Loading…</p>}
        {view && (
          <>
            <p className="muted small" data-testid="diff-summary">
              {counts('added')} added · {counts('removed')} removed · {counts('changed')} changed
            </p>
            {view.diff.flowFields.length > 0 && (
              <p className="small">Flow settings changed: {view.diff.flowFields.join(', ')}</p>
            )}
            {view.diff.changes.length === 0 && view.diff.flowFields.length === 0 ? (
              <p className="empty-note">
                {refLabel(from)} and {refLabel(to)} are the same.
              </p>
            ) : (
              <ul className="change-list" data-testid="diff-changes">
                {view.diff.changes.map((c) => (
                  <li key={`${c.element}-${c.id}`} data-testid={`change-${c.kind}-${c.id}`}>
                    <span className={`change-kind change-kind--${c.kind}`}>{c.kind}</span>
                    <span>
                      <span className="muted small">{c.element}</span> {c.label}
                      {c.fields.length > 0 && (
                        <span className="muted small"> — {c.fields.join(', ')}</span>
                      )}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </section>
    </div>
  );

  return (
    <>
      <div className="workbench-banner" aria-label="Legend">
        <strong>
          {refLabel(from)} → {refLabel(to)}
        </strong>
        <span className="legend">
          <span className="legend__item">
            <span className="legend__swatch legend__swatch--added" />
            added
          </span>
          <span className="legend__item">
            <span className="legend__swatch legend__swatch--removed" />
            removed
          </span>
          <span className="legend__item">
            <span className="legend__swatch legend__swatch--changed" />
            changed
          </span>
        </span>
      </div>
      {view && (
        <DecoratedCanvas
          key={`${String(from)}-${String(to)}`}
          definition={view.merged}
          nodes={view.nodes}
          edges={view.edges}
          testId="diff-canvas"
          ariaLabel={`Changes from ${refLabel(from)} to ${refLabel(to)}`}
        />
      )}
      {props.side && createPortal(side, props.side)}
    </>
  );
}
