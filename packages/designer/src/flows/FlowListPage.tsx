/** The start page: every flow with its version, instance counts and draft state. */
import { flowKeySchema } from '@waybill/shared';
import { useEffect, useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { api, errorCode, errorMessage } from '../api/client.ts';
import type { FlowSummary } from '../api/client.ts';
import { formatRelative } from '../panels/format.ts';
import { FormFooter, Modal } from '../ui/Modal.tsx';
import { TopBar } from '../ui/TopBar.tsx';
import { ImportButton } from '../bpmn/BpmnActions.tsx';

function keyFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 80);
}

function NewFlowDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (key: string) => void;
}): ReactElement {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyTouched, setKeyTouched] = useState(false);
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const effectiveKey = keyTouched ? key : keyFromName(name);
  const keyCheck = flowKeySchema.safeParse(effectiveKey);
  const keyError =
    effectiveKey && !keyCheck.success ? (keyCheck.error.issues[0]?.message ?? 'Invalid key') : null;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!name.trim() || !keyCheck.success) return;
    setBusy(true);
    setError(null);
    try {
      const created = await api.flows.create.mutate({
        key: effectiveKey,
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      onCreated(created.key);
    } catch (err) {
      setError(
        errorCode(err) === 'CONFLICT'
          ? `A flow with key “${effectiveKey}” already exists.`
          : errorMessage(err),
      );
      setBusy(false);
    }
  };

  return (
    <Modal
      title="New flow"
      onClose={onClose}
      testId="new-flow-dialog"
      footer={
        <FormFooter
          form="new-flow-form"
          onCancel={onClose}
          disabled={busy || !name.trim() || !keyCheck.success}
          testId="new-flow-create"
        >
          {busy ? 'Creating…' : 'Create flow'}
        </FormFooter>
      }
    >
      <form id="new-flow-form" onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label className="field__label" htmlFor="new-flow-name">
            Name
          </label>
          <input
            id="new-flow-name"
            className="input"
            autoFocus
            value={name}
            placeholder="Billing readiness"
            data-testid="new-flow-name"
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className={`field${keyError ? ' field--invalid' : ''}`}>
          <label className="field__label" htmlFor="new-flow-key">
            Key
          </label>
          <input
            id="new-flow-key"
            className="input input--mono"
            value={effectiveKey}
            placeholder="billing-readiness"
            data-testid="new-flow-key"
            aria-invalid={keyError ? true : undefined}
            onChange={(e) => {
              setKeyTouched(true);
              setKey(e.target.value);
            }}
          />
          <p className="field__hint">
            Stable identifier used by the API and the CLI; cannot be changed later.
          </p>
          {keyError && <p className="field-error">Key {keyError}.</p>}
        </div>
        <div className="field">
          <label className="field__label" htmlFor="new-flow-description">
            Description (optional)
          </label>
          <textarea
            id="new-flow-description"
            className="input"
            rows={2}
            value={description}
            data-testid="new-flow-description"
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
        {error && (
          <p className="field-error" role="alert" data-testid="new-flow-error">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}

export function FlowListPage({ onOpen }: { onOpen: (key: string) => void }): ReactElement {
  const [flows, setFlows] = useState<FlowSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  // Counts move while instances run, so the list refreshes itself.
  useEffect(() => {
    const load = (): void => {
      api.flows.list
        .query()
        .then((next) => {
          setFlows(next);
          setError(null);
        })
        .catch((e: unknown) => setError(errorMessage(e)));
    };
    load();
    const timer = setInterval(load, 5000);
    return () => clearInterval(timer);
  }, []);

  return (
    <div className="page">
      <TopBar crumbs={<span className="crumb-current">Flows</span>}>
        <ImportButton onImported={onOpen} />
        <button
          type="button"
          className="btn btn--primary"
          data-testid="new-flow-button"
          onClick={() => setCreating(true)}
        >
          + New flow
        </button>
      </TopBar>
      <main className="list-page">
        <div className="list-page__intro">
          <h1>Flows</h1>
          <p className="muted">
            Billing flows your teams run: open one to edit its draft, publish it, and watch its
            instances.
          </p>
        </div>
        {error && (
          <p className="banner banner--error" role="alert">
            Could not load flows: {error}
          </p>
        )}
        {flows === null && !error && <p className="empty-note">Loading flows…</p>}
        {flows?.length === 0 && (
          <div className="empty-state">
            <h2>No flows yet</h2>
            <p className="muted">
              Create your first flow, for example the readiness check before an invoice is posted.
            </p>
            <button type="button" className="btn btn--primary" onClick={() => setCreating(true)}>
              + New flow
            </button>
          </div>
        )}
        {flows && flows.length > 0 && (
          <div className="card">
            <table className="table" data-testid="flow-list">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Latest version</th>
                  <th scope="col" className="num">
                    Running
                  </th>
                  <th scope="col" className="num">
                    Completed
                  </th>
                  <th scope="col">Draft</th>
                </tr>
              </thead>
              <tbody>
                {flows.map((flow) => (
                  <tr
                    key={flow.key}
                    className="is-clickable"
                    data-testid={`flow-row-${flow.key}`}
                    tabIndex={0}
                    onClick={() => onOpen(flow.key)}
                    onKeyDown={(e) => {
                      if (e.key === 'Enter') onOpen(flow.key);
                    }}
                  >
                    <td>
                      <a
                        className="flow-name"
                        href={`#/flows/${encodeURIComponent(flow.key)}`}
                        onClick={(e) => e.stopPropagation()}
                      >
                        {flow.name}
                      </a>
                      {flow.description && <div className="muted small">{flow.description}</div>}
                    </td>
                    <td>
                      <code className="key-chip">{flow.key}</code>
                    </td>
                    <td>
                      {flow.latestVersion !== null ? (
                        <>
                          <span className="badge badge--version">v{flow.latestVersion}</span>{' '}
                          <span className="muted small">{formatRelative(flow.publishedAt)}</span>
                        </>
                      ) : (
                        <span className="badge">unpublished</span>
                      )}
                    </td>
                    <td className="num">
                      <span className={flow.runningInstances > 0 ? 'count-strong' : 'muted'}>
                        {flow.runningInstances}
                      </span>
                    </td>
                    <td className="num">{flow.completedInstances}</td>
                    <td>
                      {flow.draftUpdatedAt ? (
                        <span className="badge badge--draft" title={flow.draftUpdatedAt}>
                          Draft · {formatRelative(flow.draftUpdatedAt)}
                        </span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </main>
      {creating && (
        <NewFlowDialog
          onClose={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            onOpen(key);
          }}
        />
      )}
    </div>
  );
}
