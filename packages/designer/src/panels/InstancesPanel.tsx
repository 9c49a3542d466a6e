/**
 * Instances of the open flow, refreshed every few seconds, with the context and history of the
 * one picked. The picked instance's current nodes glow on the canvas.
 */
import { useEffect, useRef, useState } from 'react';
import type { ReactElement } from 'react';
import { api, errorMessage } from '../api/client.ts';
import type { InstanceDetail, InstanceSummary } from '../api/client.ts';
import { formatDateTime, formatRelative, formatTime } from './format.ts';

const REFRESH_MS = 3000;

interface InstancesPanelProps {
  flowKey: string;
  selectedId: string | null;
  onSelect: (id: string | null, currentNodes: readonly string[]) => void;
}

interface Polled<TValue> {
  key: string;
  value: TValue | null;
  error: string | null;
}

/**
 * Loads `load()` now and every few seconds while `key` stays the same; answers for an older
 * key are never shown (so switching instances never flashes the previous one's details).
 */
function usePolling<TValue>(
  key: string | null,
  load: () => Promise<TValue>,
): { value: TValue | null; error: string | null } {
  const [state, setState] = useState<Polled<TValue> | null>(null);
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  useEffect(() => {
    if (key === null) return undefined;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (): void => {
      loadRef
        .current()
        .then((value) => {
          if (!cancelled) setState({ key, value, error: null });
        })
        .catch((e: unknown) => {
          if (!cancelled)
            setState((prev) => ({
              key,
              value: prev?.key === key ? prev.value : null,
              error: errorMessage(e),
            }));
        })
        .finally(() => {
          if (!cancelled) timer = setTimeout(tick, REFRESH_MS);
        });
    };
    tick();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [key]);
  return state && state.key === key ? state : { value: null, error: null };
}

function StatusBadge({ status }: { status: string }): ReactElement {
  return <span className={`status status--${status}`}>{status}</span>;
}

function InstanceDetails({ detail }: { detail: InstanceDetail }): ReactElement {
  return (
    <div className="instance-detail" data-testid="instance-detail">
      <header>
        <h3>
          {detail.correlationKey} <StatusBadge status={detail.status} />
        </h3>
        <p className="muted">
          v{detail.flowVersion} · started {formatDateTime(detail.createdAt)}
          {detail.outcome ? ` · outcome ${detail.outcome}` : ''}
        </p>
      </header>
      <div className="instance-detail__grid">
        <section>
          <h4>Context</h4>
          <pre className="code-block" data-testid="instance-context">
            {JSON.stringify(detail.context, null, 2)}
          </pre>
        </section>
        <section>
          <h4>History</h4>
          <ol className="history" data-testid="instance-history">
            {detail.history.map((entry, i) => (
              <li key={i}>
                <span className="history__time" title={formatDateTime(entry.at)}>
                  {formatTime(entry.at)}
                </span>
                <span className="history__kind">{entry.eventType ?? entry.kind}</span>
                <span className="mono">
                  {entry.fromNodes.join(', ') || '∅'} → {entry.toNodes.join(', ') || '∅'}
                </span>
              </li>
            ))}
          </ol>
        </section>
      </div>
    </div>
  );
}

export function InstancesPanel({
  flowKey,
  selectedId,
  onSelect,
}: InstancesPanelProps): ReactElement {
  const list = usePolling<InstanceSummary[]>(flowKey, () =>
    api.instances.list.query({ flowKey, limit: 50 }),
  );
  const detail = usePolling<InstanceDetail>(selectedId, () =>
    api.instances.get.query({ id: selectedId ?? '' }),
  );
  // Tell the canvas where the watched instance is whenever it moves (not on every poll).
  const nodesKey = detail.value ? detail.value.currentNodes.join('|') : null;
  const onSelectRef = useRef(onSelect);
  useEffect(() => {
    onSelectRef.current = onSelect;
  });
  useEffect(() => {
    if (selectedId && nodesKey !== null)
      onSelectRef.current(selectedId, nodesKey.split('|').filter(Boolean));
  }, [selectedId, nodesKey]);

  return (
    <div className="instances" data-testid="instances-panel">
      <div className="instances__list">
        {list.error && <p className="field-error">{list.error}</p>}
        {list.value === null && !list.error && <p className="empty-note">Loading instances…</p>}
        {list.value?.length === 0 && <p className="empty-note">No instances of this flow yet.</p>}
        {list.value && list.value.length > 0 && (
          <table className="table table--compact">
            <thead>
              <tr>
                <th scope="col">Correlation key</th>
                <th scope="col">Status</th>
                <th scope="col">At</th>
                <th scope="col">Version</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {list.value.map((instance) => (
                <tr
                  key={instance.id}
                  className={`is-clickable${instance.id === selectedId ? ' is-selected' : ''}`}
                  data-testid="instance-row"
                  data-instance-id={instance.id}
                  tabIndex={0}
                  onClick={() =>
                    onSelect(instance.id === selectedId ? null : instance.id, instance.currentNodes)
                  }
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') onSelect(instance.id, instance.currentNodes);
                  }}
                >
                  <td className="mono">{instance.correlationKey}</td>
                  <td>
                    <StatusBadge status={instance.status} />
                  </td>
                  <td className="mono">
                    {instance.currentNodes.join(', ') || instance.outcome || '—'}
                  </td>
                  <td>v{instance.flowVersion}</td>
                  <td>{formatRelative(instance.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {selectedId && (
        <div className="instances__detail">
          {detail.error && <p className="field-error">{detail.error}</p>}
          {detail.value ? (
            <InstanceDetails detail={detail.value} />
          ) : (
            !detail.error && <p className="empty-note">Loading…</p>
          )}
        </div>
      )}
    </div>
  );
}
