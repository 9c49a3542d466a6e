/**
 * One task: the instance context that matters for the decision side by side (order, shipment
 * and invoice lines per SKU, price agreement against price, proof of delivery and documents, the
 * AI category with its confidence, other facts), the form and its outcomes, comments,
 * attachments, delegation and reassignment, and the instance's history.
 */
import { useCallback, useEffect, useState } from 'react';
import type { ChangeEvent, FormEvent, ReactElement } from 'react';
import { api, errorCode, errorMessage, problemsOfError } from '../api/client.ts';
import { useAuth } from '../auth/AuthContext.ts';
import { formatDateTime, formatRelative } from '../panels/format.ts';
import { FormFooter, Modal } from '../ui/Modal.tsx';
import { TopBar } from '../ui/TopBar.tsx';
import { DueBadge } from './InboxPage.tsx';
import { TaskForm, formFieldsOf } from './TaskForm.tsx';
import './inbox.css';

type TaskDetail = Awaited<ReturnType<typeof api.tasks.get.query>>;
type Decision = TaskDetail['decision'];

function num(value: number | null): string {
  return value === null ? '—' : value.toLocaleString();
}

function LinesPanel({ lines }: { lines: NonNullable<Decision['lines']> }): ReactElement {
  return (
    <section className="card task-panel" aria-labelledby="panel-lines">
      <h2 id="panel-lines">Order, shipment and invoice</h2>
      <table className="table table--compact" data-testid="panel-lines">
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col" className="num">
              Ordered
            </th>
            <th scope="col" className="num">
              Order price
            </th>
            <th scope="col" className="num">
              Shipped
            </th>
            <th scope="col" className="num">
              Billed
            </th>
            <th scope="col" className="num">
              Billed price
            </th>
            <th scope="col" className="num">
              Agreement price
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((line) => (
            <tr key={line.sku} className={line.mismatch ? 'is-mismatch' : undefined}>
              <th scope="row" className="mono">
                {line.sku}
                {line.mismatch && <span className="sr-only"> (differs)</span>}
              </th>
              <td className="num">{num(line.orderedQty)}</td>
              <td className="num">{num(line.orderedPrice)}</td>
              <td className="num">{num(line.shippedQty)}</td>
              <td className="num">{num(line.billedQty)}</td>
              <td className="num">{num(line.billedPrice)}</td>
              <td className="num">{num(line.contractPrice)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function base64Of(file: File): Promise<string> {
  return file.arrayBuffer().then((buffer) => {
    let binary = '';
    const bytes = new Uint8Array(buffer);
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  });
}

function DocumentsPanel({
  task,
  onChanged,
}: {
  task: TaskDetail;
  onChanged: () => Promise<void>;
}): ReactElement {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const pod = task.decision.pod;

  const upload = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const input = event.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      await api.tasks.attach.mutate({
        taskId: task.id,
        fileName: file.name,
        contentType: file.type || 'application/octet-stream',
        contentBase64: await base64Of(file),
      });
      await onChanged();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      input.value = '';
      setBusy(false);
    }
  };

  const download = async (attachmentId: string): Promise<void> => {
    try {
      const file = await api.tasks.attachment.query({ taskId: task.id, attachmentId });
      const bytes = Uint8Array.from(atob(file.contentBase64), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: file.contentType }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section className="card task-panel" aria-labelledby="panel-documents">
      <h2 id="panel-documents">Proof of delivery and documents</h2>
      {pod ? (
        <dl className="facts" data-testid="panel-pod">
          <dt>POD document</dt>
          <dd className="mono">{pod.documentId ?? '—'}</dd>
          <dt>Received</dt>
          <dd>{formatDateTime(pod.receivedAt)}</dd>
          {pod.signedBy && (
            <>
              <dt>Signed by</dt>
              <dd>{pod.signedBy}</dd>
            </>
          )}
        </dl>
      ) : (
        <p className="muted" data-testid="panel-pod-missing">
          No proof of delivery received yet.
        </p>
      )}
      <ul className="attachments" data-testid="attachments">
        {task.attachments.map((a) => (
          <li key={a.id}>
            <button
              type="button"
              className="link"
              data-testid={`attachment-${a.fileName}`}
              onClick={() => void download(a.id)}
            >
              {a.fileName}
            </button>{' '}
            <span className="muted small">
              {a.contentType}, {Math.ceil(a.sizeBytes / 1024)} KB, by {a.uploadedBy}{' '}
              {formatRelative(a.createdAt)}
            </span>
          </li>
        ))}
      </ul>
      <div className="field">
        <label className="field__label" htmlFor="task-attach">
          Attach a document (PDF, image, text or CSV; up to 2 MB)
        </label>
        <input
          id="task-attach"
          type="file"
          className="input"
          accept="application/pdf,image/png,image/jpeg,image/gif,image/webp,text/plain,text/csv"
          disabled={busy}
          data-testid="task-attach"
          onChange={(e) => void upload(e)}
        />
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid="attach-error">
          {error}
        </p>
      )}
    </section>
  );
}

function ContextPanels({
  task,
  onChanged,
}: {
  task: TaskDetail;
  onChanged: () => Promise<void>;
}): ReactElement {
  const { decision } = task;
  return (
    <div className="task-context" data-testid="task-context">
      {decision.lines && <LinesPanel lines={decision.lines} />}
      {decision.pricing && (
        <section className="card task-panel" aria-labelledby="panel-pricing">
          <h2 id="panel-pricing">Price agreement</h2>
          <dl className="facts" data-testid="panel-pricing">
            <dt>Agreement</dt>
            <dd className="mono">{decision.pricing.agreementId ?? '—'}</dd>
            <dt>Largest variance</dt>
            <dd>
              {decision.pricing.variancePct === null ? '—' : `${decision.pricing.variancePct} %`}
            </dd>
          </dl>
        </section>
      )}
      {decision.ai && (
        <section className="card task-panel" aria-labelledby="panel-ai">
          <h2 id="panel-ai">AI category</h2>
          <p data-testid="panel-ai">
            <strong>{decision.ai.category}</strong>{' '}
            <span className="muted">
              confidence {Math.round(decision.ai.confidence * 100)} %
              {decision.ai.model ? ` (${decision.ai.model})` : ''}
            </span>
          </p>
          <meter
            min={0}
            max={1}
            value={decision.ai.confidence}
            aria-label="Classification confidence"
          />
          <p className="muted small">A recommendation only: you decide.</p>
        </section>
      )}
      <DocumentsPanel task={task} onChanged={onChanged} />
      {decision.facts.map((fact) => (
        <section
          key={fact.variable}
          className="card task-panel"
          aria-labelledby={`panel-fact-${fact.variable}`}
        >
          <h2 id={`panel-fact-${fact.variable}`}>{fact.variable}</h2>
          <dl className="facts">
            {fact.fields.map((field) => (
              <div key={field.name} className="facts__row">
                <dt>{field.name}</dt>
                <dd>{field.value}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}
    </div>
  );
}

function HandOverDialog({
  task,
  onClose,
  onDone,
}: {
  task: TaskDetail;
  onClose: () => void;
  onDone: () => Promise<void>;
}): ReactElement {
  const [mode, setMode] = useState<'delegate' | 'reassign'>('delegate');
  const [user, setUser] = useState('');
  const [groups, setGroups] = useState(task.candidateRoles.join(', '));
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'delegate') {
        await api.tasks.delegate.mutate({ taskId: task.id, toUser: user.trim(), note });
      } else {
        const toGroups = groups
          .split(',')
          .map((g) => g.trim())
          .filter((g) => g !== '');
        await api.tasks.reassign.mutate({
          taskId: task.id,
          toGroups,
          toUser: user.trim() === '' ? null : user.trim(),
          note,
        });
      }
      await onDone();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <Modal
      title="Delegate or reassign"
      onClose={onClose}
      testId="handover-dialog"
      footer={
        <FormFooter
          form="handover-form"
          onCancel={onClose}
          disabled={busy || (mode === 'delegate' && user.trim() === '')}
          testId="handover-submit"
        >
          {mode === 'delegate' ? 'Delegate' : 'Reassign'}
        </FormFooter>
      }
    >
      <form id="handover-form" onSubmit={(e) => void submit(e)}>
        <fieldset className="field">
          <legend className="field__label">What to do</legend>
          <label className="checkbox">
            <input
              type="radio"
              name="handover-mode"
              checked={mode === 'delegate'}
              onChange={() => setMode('delegate')}
            />
            Delegate to a colleague (it becomes theirs)
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name="handover-mode"
              checked={mode === 'reassign'}
              data-testid="handover-reassign"
              onChange={() => setMode('reassign')}
            />
            Reassign to other groups
          </label>
        </fieldset>
        {mode === 'reassign' && (
          <div className="field">
            <label className="field__label" htmlFor="handover-groups">
              Groups (comma-separated)
            </label>
            <input
              id="handover-groups"
              className="input"
              value={groups}
              onChange={(e) => setGroups(e.target.value)}
            />
          </div>
        )}
        <div className="field">
          <label className="field__label" htmlFor="handover-user">
            {mode === 'delegate' ? 'User name' : 'User name (optional)'}
          </label>
          <input
            id="handover-user"
            className="input"
            autoFocus
            value={user}
            data-testid="handover-user"
            onChange={(e) => setUser(e.target.value)}
          />
        </div>
        <div className="field">
          <label className="field__label" htmlFor="handover-note">
            Note (kept in the audit log)
          </label>
          <textarea
            id="handover-note"
            className="input"
            rows={2}
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        </div>
        {error && (
          <p className="field-error" role="alert" data-testid="handover-error">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}

function Comments({
  task,
  onChanged,
}: {
  task: TaskDetail;
  onChanged: () => Promise<void>;
}): ReactElement {
  const [body, setBody] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (body.trim() === '') return;
    try {
      await api.tasks.comment.mutate({ taskId: task.id, body });
      setBody('');
      setError(null);
      await onChanged();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <section className="card task-panel" aria-labelledby="panel-comments">
      <h2 id="panel-comments">Comments</h2>
      <ul className="comments" data-testid="comments">
        {task.comments.map((c) => (
          <li key={c.id}>
            <strong>{c.author}</strong>{' '}
            <span className="muted small">{formatRelative(c.createdAt)}</span>
            <p>{c.body}</p>
          </li>
        ))}
      </ul>
      <form onSubmit={(e) => void add(e)}>
        <label className="field__label" htmlFor="task-comment">
          Add a comment
        </label>
        <textarea
          id="task-comment"
          className="input"
          rows={2}
          value={body}
          data-testid="task-comment"
          onChange={(e) => setBody(e.target.value)}
        />
        <button type="submit" className="btn btn--small" data-testid="task-comment-add">
          Comment
        </button>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}

export function TaskPage({ taskId }: { taskId: string }): ReactElement {
  const username = useAuth()?.user.username ?? null;
  const [task, setTask] = useState<TaskDetail | null>(null);
  const [denied, setDenied] = useState<'forbidden' | 'missing' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [handingOver, setHandingOver] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  // Bumped after an action, so the task loads again.
  const [version, setVersion] = useState(0);
  const load = useCallback((): Promise<void> => {
    setVersion((v) => v + 1);
    return Promise.resolve();
  }, []);

  useEffect(() => {
    let live = true;
    api.tasks.get
      .query({ taskId })
      .then((next) => {
        if (!live) return;
        setTask(next);
        setDenied(null);
      })
      .catch((e: unknown) => {
        if (!live) return;
        const code = errorCode(e);
        if (code === 'FORBIDDEN') setDenied('forbidden');
        else if (code === 'NOT_FOUND') setDenied('missing');
        else setError(errorMessage(e));
      });
    return () => {
      live = false;
    };
  }, [taskId, version]);

  useEffect(() => {
    document.title = task ? `${task.title} · Inbox · Waybill` : 'Task · Waybill';
  }, [task]);

  const act = async (run: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await run();
      await load();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const complete = async (outcome: string, data: Record<string, unknown>): Promise<void> => {
    setBusy(true);
    setError(null);
    setServerErrors({});
    try {
      await api.tasks.complete.mutate({ taskId, outcome, data });
      setDone(outcome);
      await load();
    } catch (e) {
      const problems = problemsOfError(e) ?? [];
      setServerErrors(Object.fromEntries(problems.map((p) => [p.field, p.message])));
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const crumbs = (
    <>
      <a href="#/inbox">Inbox</a>
      <span aria-hidden="true">/</span>
      <span className="crumb-current">{task?.title ?? 'Task'}</span>
    </>
  );

  if (denied) {
    return (
      <div className="page">
        <TopBar crumbs={crumbs} />
        <main className="list-page">
          <div className="empty-state" role="alert" data-testid="task-denied">
            <h1>{denied === 'forbidden' ? 'Not in your inbox' : 'No such task'}</h1>
            <p className="muted">
              {denied === 'forbidden'
                ? 'This task belongs to a group you are not in, so you cannot open it. Ask its group or an administrator.'
                : 'The task does not exist (or the link is incomplete).'}
            </p>
            <a className="btn" href="#/inbox">
              Back to the inbox
            </a>
          </div>
        </main>
      </div>
    );
  }

  const open = task?.status === 'open';
  const claimedByOther = task !== null && task.claimedBy !== null && task.claimedBy !== username;

  return (
    <div className="page">
      <TopBar crumbs={crumbs} />
      <main className="task-page" data-testid="task-page">
        {error && (
          <p className="banner banner--error" role="alert" data-testid="task-error">
            {error}
          </p>
        )}
        {task === null && !error && <p className="empty-note">Loading task…</p>}
        {task && (
          <>
            <header className="task-page__header">
              <div>
                <h1 id="task-title" data-testid="task-title">
                  {task.title}
                </h1>
                <p className="muted">
                  <span className="mono">{task.correlationKey}</span> ·{' '}
                  <a href={`#/flows/${encodeURIComponent(task.flowKey)}`}>{task.flowKey}</a> v
                  {task.instance.flowVersion} · groups {task.candidateRoles.join(', ')}
                  {task.assignee && <> · assigned to {task.assignee}</>}
                </p>
                <p>
                  <span
                    className={`status status--${task.status === 'open' ? 'running' : 'completed'}`}
                    data-testid="task-status"
                  >
                    {task.status}
                  </span>{' '}
                  <DueBadge dueAt={task.dueAt} breached={task.breached} />
                </p>
              </div>
              <div className="button-row">
                {open && task.claimedBy === null && (
                  <button
                    type="button"
                    className="btn"
                    disabled={busy}
                    data-testid="task-claim"
                    onClick={() => void act(() => api.tasks.claim.mutate({ taskId }))}
                  >
                    Claim
                  </button>
                )}
                {open && task.claimedBy !== null && !claimedByOther && (
                  <button
                    type="button"
                    className="btn btn--ghost"
                    disabled={busy}
                    data-testid="task-unclaim"
                    onClick={() => void act(() => api.tasks.unclaim.mutate({ taskId }))}
                  >
                    Unclaim
                  </button>
                )}
                {open && (
                  <button
                    type="button"
                    className="btn btn--ghost"
                    disabled={busy || claimedByOther}
                    data-testid="task-handover"
                    onClick={() => setHandingOver(true)}
                  >
                    Delegate or reassign
                  </button>
                )}
              </div>
            </header>
            <div className="task-page__grid">
              <ContextPanels task={task} onChanged={load} />
              <div className="task-side">
                <section className="card task-panel" aria-labelledby="panel-decision">
                  <h2 id="panel-decision">Decision</h2>
                  {task.instructions && <p className="task-instructions">{task.instructions}</p>}
                  {claimedByOther && open && (
                    <p className="banner" role="status">
                      Claimed by {task.claimedBy}: only they can decide it now.
                    </p>
                  )}
                  {open ? (
                    <TaskForm
                      fields={formFieldsOf(task.form)}
                      outcomes={task.outcomes}
                      disabled={busy || claimedByOther}
                      serverErrors={serverErrors}
                      onSubmit={(outcome, data) => void complete(outcome, data)}
                    />
                  ) : (
                    <p role="status" data-testid="task-decided">
                      Decided <strong>{task.outcome}</strong> by {task.completedBy}{' '}
                      {formatRelative(task.completedAt)}.{done && ' The instance goes on.'}
                    </p>
                  )}
                  <p className="muted small">
                    Instance{' '}
                    <span className="mono" data-testid="task-instance-status">
                      {task.instance.status}
                    </span>{' '}
                    at {task.instance.currentNodes.join(', ') || '—'}
                  </p>
                </section>
                <Comments task={task} onChanged={load} />
                <section className="card task-panel" aria-labelledby="panel-history">
                  <h2 id="panel-history">History</h2>
                  <ol className="history" data-testid="task-history">
                    {task.history.map((entry, index) => (
                      <li key={index}>
                        <span className="history__time">{formatDateTime(entry.at)}</span>{' '}
                        <span className="history__kind">{entry.kind}</span>{' '}
                        <span className="muted small">
                          {entry.actor}
                          {entry.eventType ? ` · ${entry.eventType}` : ''}
                          {entry.toNodes.length > 0 ? ` → ${entry.toNodes.join(', ')}` : ''}
                        </span>
                      </li>
                    ))}
                  </ol>
                </section>
              </div>
            </div>
            {handingOver && (
              <HandOverDialog
                task={task}
                onClose={() => setHandingOver(false)}
                onDone={async () => {
                  setHandingOver(false);
                  await load();
                }}
              />
            )}
          </>
        )}
      </main>
    </div>
  );
}
