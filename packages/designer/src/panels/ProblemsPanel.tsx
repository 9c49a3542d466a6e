import type { Problem } from '@waybill/shared';
import type { ReactElement } from 'react';

interface ProblemsPanelProps {
  problems: readonly Problem[];
  validating: boolean;
  onSelect: (problem: Problem) => void;
}

/** Every problem of the draft; clicking one selects and centres its node. */
export function ProblemsPanel({
  problems,
  validating,
  onSelect,
}: ProblemsPanelProps): ReactElement {
  const sorted = [...problems].sort((a, b) =>
    a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1,
  );
  return (
    <div className="problems" data-testid="problems-panel">
      {sorted.length === 0 ? (
        <p className="empty-note">
          {validating ? 'Checking…' : 'No problems. The flow can be published.'}
        </p>
      ) : (
        <table className="table table--compact">
          <thead>
            <tr>
              <th scope="col">Severity</th>
              <th scope="col">Node</th>
              <th scope="col">Field</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((problem, index) => (
              <tr
                key={index}
                className="is-clickable"
                data-testid="problem-row"
                data-node-id={problem.nodeId ?? ''}
                tabIndex={0}
                onClick={() => onSelect(problem)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    onSelect(problem);
                  }
                }}
              >
                <td>
                  <span className={`severity severity--${problem.severity}`}>
                    {problem.severity}
                  </span>
                </td>
                <td className="mono">{problem.nodeId ?? <span className="muted">flow</span>}</td>
                <td className="mono">{problem.field || '—'}</td>
                <td>{problem.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
