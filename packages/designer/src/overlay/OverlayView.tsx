/**
 * The live overlay of a published flow: how many instances wait at each node (badges), how long
 * instances spend at each node (a heat map from pale yellow to red), and, on a click, the
 * instances waiting there.
 */
import type { FlowDefinition } from '@waybill/shared';
import { useEffect, useMemo, useState } from 'react';
import type { ReactElement } from 'react';
import { createPortal } from 'react-dom';
import { api, errorMessage } from '../api/client.ts';
import { coerceDefinition } from '../model/coerce-definition.ts';
import { formatRelative } from '../panels/format.ts';
import { DecoratedCanvas } from './DecoratedCanvas.tsx';
import type { NodeDecoration } from './DecoratedCanvas.tsx';

const REFRESH_MS = 3000;

type NodeStats = Awaited<ReturnType<typeof api.overlay.nodeStats.query>>['nodes'][number];
type WaitingInstance = Awaited<ReturnType<typeof api.overlay.instancesAt.query>>[number];

interface OverlayViewProps {
  flowKey: string;
  version: number;
  side: HTMLElement | null;
  onClose: () => void;
  onOpenInstance: (id: string, nodes: readonly string[]) => void;
}

/** `1 h 20 min`, `45 s`: durations as people say them. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h${min % 60 ? ` ${min % 60} min` : ''}`;
  return `${Math.round(h / 24)} d`;
}

/** Pale yellow (cool) → orange → red (hot) for a share in [0, 1]. */
export function heatColour(share: number): string {
  const t = Math.min(1, Math.max(0, share));
  const stops = [
    [254, 249, 195],
    [253, 186, 116],
    [239, 68, 68],
  ] as const;
  const [a, b, local] = t < 0.5 ? [stops[0], stops[1], t * 2] : [stops[1], stops[2], (t - 0.5) * 2];
  const mix = (i: 0 | 1 | 2): number => Math.round(a[i] + (b[i] - a[i]) * local);
  return `rgb(${mix(0)} ${mix(1)} ${mix(2)} / 0.85)`;
}

export function OverlayView(props: OverlayViewProps): ReactElement {
  const { flowKey, version } = props;
  const [definition, setDefinition] = useState<FlowDefinition | null>(null);
  const [stats, setStats] = useState<{ instances: number; nodes: NodeStats[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<string | null>(null);
  const [waiting, setWaiting] = useState<WaitingInstance[] | null>(null);

  useEffect(() => {
    let cancelled = false;
    api.flows.getVersion
      .query({ key: flowKey, version })
      .then((v) => {
        if (!cancelled)
          setDefinition(coerceDefinition(v.definition, { key: flowKey, name: flowKey }));
      })
      .catch((e: unknown) => setError(errorMessage(e)));
    return () => {
      cancelled = true;
    };
  }, [flowKey, version]);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = (): void => {
      Promise.all([
        api.overlay.nodeStats.query({ flowKey, version }),
        picked
          ? api.overlay.instancesAt.query({ flowKey, version, nodeId: picked })
          : Promise.resolve(null),
      ])
        .then(([next, list]) => {
          if (cancelled) return;
          setStats(next);
          setWaiting(list);
          setError(null);
        })
        .catch((e: unknown) => {
          if (!cancelled) setError(errorMessage(e));
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
  }, [flowKey, version, picked]);

  const byNode = useMemo(() => new Map((stats?.nodes ?? []).map((n) => [n.nodeId, n])), [stats]);

  const decorations = useMemo(() => {
    const map = new Map<string, NodeDecoration>();
    const hottest = Math.max(1, ...(stats?.nodes ?? []).map((n) => n.avgMs));
    for (const node of definition?.nodes ?? []) {
      const s = byNode.get(node.id);
      if (!s) {
        map.set(node.id, { className: 'deco--clickable deco--dim' });
        continue;
      }
      const share = s.avgMs / hottest;
      map.set(node.id, {
        className: `deco--clickable${picked === node.id ? ' deco--active' : ''}`,
        ring: s.visits > 0 || s.waiting > 0 ? heatColour(share) : undefined,
        ...(s.waiting > 0
          ? {
              badge: String(s.waiting),
              badgeTone: share > 0.66 ? 'hot' : share > 0.33 ? 'warm' : 'info',
            }
          : {}),
        title: `${s.waiting} waiting · ${s.visits} stays · average ${formatDuration(s.avgMs)} · longest ${formatDuration(s.maxMs)}`,
      });
    }
    return map;
  }, [definition, stats, byNode, picked]);

  const pickedStats = picked ? byNode.get(picked) : undefined;
  const rows = [...(stats?.nodes ?? [])].sort((a, b) => b.avgMs - a.avgMs);

  const panel = (
    <div className="workbench-side" data-testid="overlay-panel">
      <header className="workbench-side__header">
        <h2>Live overlay · v{version}</h2>
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
        <p className="small" data-testid="overlay-summary">
          {stats ? `${stats.instances} instances of v${version}` : 'Loading…'}
        </p>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <p className="muted small">Click a node to see the instances waiting there.</p>
      </section>
      {picked && (
        <section className="workbench-side__section" data-testid="overlay-node">
          <h3>Waiting at {picked}</h3>
          {pickedStats && (
            <p className="small">
              Average stay {formatDuration(pickedStats.avgMs)} · longest{' '}
              {formatDuration(pickedStats.maxMs)} · {pickedStats.visits} stays
            </p>
          )}
          {waiting === null ? (
            <p className="muted">Loading…</p>
          ) : waiting.length === 0 ? (
            <p className="empty-note">No instance waits here now.</p>
          ) : (
            <table className="table table--compact">
              <tbody>
                {waiting.map((w) => (
                  <tr
                    key={w.id}
                    className="is-clickable"
                    data-testid="overlay-instance"
                    tabIndex={0}
                    onClick={() => props.onOpenInstance(w.id, [picked])}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') props.onOpenInstance(w.id, [picked]);
                    }}
                  >
                    <td className="mono">{w.correlationKey}</td>
                    <td className="muted small">since {formatRelative(w.since)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
      <section className="workbench-side__section">
        <h3>Time per node</h3>
        <table className="table table--compact" data-testid="overlay-table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col" className="num">
                Waiting
              </th>
              <th scope="col" className="num">
                Average
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((n) => (
              <tr key={n.nodeId} className="is-clickable" onClick={() => setPicked(n.nodeId)}>
                <td>{n.nodeId}</td>
                <td className="num">{n.waiting}</td>
                <td className="num">{formatDuration(n.avgMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );

  return (
    <>
      <div className="workbench-banner">
        <strong>Live · v{version}</strong>
        <span className="legend">
          <span className="legend__item">time per node</span>
          <span className="heat-scale" aria-hidden="true" />
          <span className="legend__item">
            <span className="deco__badge deco__badge--info" style={{ position: 'static' }}>
              n
            </span>
            waiting
          </span>
        </span>
      </div>
      {definition && (
        <DecoratedCanvas
          definition={definition}
          nodes={decorations}
          onNodeClick={setPicked}
          testId="overlay-canvas"
          ariaLabel={`Live overlay of version ${version}`}
        />
      )}
      {props.side && createPortal(panel, props.side)}
    </>
  );
}
