import type { Problem } from '@waybill/shared';
import { useState } from 'react';
import type { FormEvent, ReactElement } from 'react';
import { FormFooter, Modal } from '../ui/Modal.tsx';

interface PublishDialogProps {
  /** The version the flow is at now (null before the first publish). */
  latestVersion: number | null;
  dirty: boolean;
  busy: boolean;
  /** Problems that refused the last attempt. */
  blocking: readonly Problem[] | null;
  error: string | null;
  onPublish: (note: string) => void;
  onClose: () => void;
  onShowProblem: (problem: Problem) => void;
}

/** Publishes the draft as the next version, with an optional change note. */
export function PublishDialog(props: PublishDialogProps): ReactElement {
  const { latestVersion, dirty, busy, blocking, error, onPublish, onClose, onShowProblem } = props;
  const [note, setNote] = useState('');
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    onPublish(note.trim());
  };
  return (
    <Modal
      title={`Publish version ${(latestVersion ?? 0) + 1}`}
      onClose={onClose}
      testId="publish-dialog"
      footer={
        <FormFooter form="publish-form" onCancel={onClose} disabled={busy} testId="publish-confirm">
          {busy ? 'Publishing…' : dirty ? 'Save and publish' : 'Publish'}
        </FormFooter>
      }
    >
      <form id="publish-form" onSubmit={submit}>
        <p className="section-hint">
          New instances start on the new version; running instances keep the version they started
          on.
        </p>
        <div className="field">
          <label className="field__label" htmlFor="publish-note">
            Change note (optional)
          </label>
          <textarea
            id="publish-note"
            className="input"
            rows={3}
            autoFocus
            value={note}
            data-testid="publish-note"
            placeholder="What changed, and why"
            onChange={(e) => setNote(e.target.value)}
          />
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        {blocking && blocking.length > 0 && (
          <div className="publish-blocking" role="alert" data-testid="publish-blocking">
            <p>
              <strong>Publishing was refused.</strong> Fix these {blocking.length} problem
              {blocking.length === 1 ? '' : 's'} first:
            </p>
            <ul>
              {blocking.map((p, i) => (
                <li key={i}>
                  <button type="button" className="link" onClick={() => onShowProblem(p)}>
                    {p.nodeId ?? 'flow'}
                    {p.field ? ` · ${p.field}` : ''}
                  </button>{' '}
                  {p.message}
                </li>
              ))}
            </ul>
          </div>
        )}
      </form>
    </Modal>
  );
}
