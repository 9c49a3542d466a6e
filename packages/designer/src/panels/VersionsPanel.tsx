import type { ReactElement } from 'react';
import type { FlowVersionInfo } from '../api/client.ts';
import type { VersionRef } from '../versions/VersionDiffView.tsx';
import { formatDateTime } from './format.ts';

/** Published versions of the flow, newest first, each comparable with the one before it. */
export function VersionsPanel({
  versions,
  onCompare,
}: {
  versions: readonly FlowVersionInfo[];
  onCompare?: (from: VersionRef, to: VersionRef) => void;
}): ReactElement {
  const sorted = [...versions].sort((a, b) => b.version - a.version);
  const latest = sorted[0]?.version;
  return (
    <div data-testid="versions-panel">
      {sorted.length === 0 ? (
        <p className="empty-note">Not published yet. Publish the draft to let instances run it.</p>
      ) : (
        <table className="table table--compact">
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Published</th>
              <th scope="col">By</th>
              <th scope="col">Note</th>
              <th scope="col" className="num">
                {onCompare && latest !== undefined && (
                  <button
                    type="button"
                    className="btn btn--small"
                    onClick={() => onCompare(latest, 'draft')}
                    data-testid="compare-draft"
                  >
                    Draft vs v{latest}
                  </button>
                )}
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((v) => (
              <tr key={v.version} data-testid={`version-${v.version}`}>
                <td>
                  <span className="badge badge--version">v{v.version}</span>
                </td>
                <td>{formatDateTime(v.publishedAt)}</td>
                <td>{v.publishedBy}</td>
                <td>{v.note ?? <span className="muted">—</span>}</td>
                <td className="num">
                  {onCompare && v.version > 1 && (
                    <button
                      type="button"
                      className="btn btn--ghost btn--small"
                      onClick={() => onCompare(v.version - 1, v.version)}
                      data-testid={`compare-${v.version}`}
                      title={`Show what changed from v${v.version - 1} to v${v.version}`}
                    >
                      Changes from v{v.version - 1}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
