/**
 * The open flow as a document: load, edit, save, validate (debounced), publish. The definition
 * in here is the designer's single source of truth.
 */
import type { FlowDefinition, Problem } from '@waybill/shared';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, errorMessage, problemsOfError } from '../api/client.ts';
import type { FlowDetail } from '../api/client.ts';
import { setExpressionFlow } from '../editor/cel-scope.ts';
import { autoLayout } from '../model/auto-layout.ts';
import { coerceDefinition, toJsonDefinition } from '../model/coerce-definition.ts';
import { hasPositions } from '../model/definition-graph.ts';
import { emptyHistory, recordEdit, redo, undo } from '../model/edit-history.ts';
import type { EditHistory } from '../model/edit-history.ts';

const VALIDATE_DELAY_MS = 500;

export type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: string }
  | { kind: 'failed'; message: string };

export interface PublishState {
  busy: boolean;
  blocking: Problem[] | null;
  error: string | null;
}

export interface FlowDocument {
  status: 'loading' | 'ready' | 'missing' | 'failed';
  loadError: string | null;
  detail: FlowDetail | null;
  definition: FlowDefinition | null;
  problems: Problem[];
  validating: boolean;
  dirty: boolean;
  save: SaveState;
  publishState: PublishState;
  /**
   * Applies an edit. Edits sharing a `group` (one drag, typing in one field) in quick succession
   * undo as one step.
   */
  update: (change: (definition: FlowDefinition) => FlowDefinition, options?: EditOptions) => void;
  undo: () => void;
  redo: () => void;
  canUndo: boolean;
  canRedo: boolean;
  saveDraft: () => Promise<boolean>;
  publish: (note: string) => Promise<number | null>;
  resetPublish: () => void;
}

export interface EditOptions {
  group?: string;
}

interface Edited {
  definition: FlowDefinition | null;
  history: EditHistory<FlowDefinition>;
}

function serialise(definition: FlowDefinition | null): string {
  return definition ? JSON.stringify(toJsonDefinition(definition)) : '';
}

export function useFlowDocument(key: string): FlowDocument {
  const [status, setStatus] = useState<FlowDocument['status']>('loading');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [detail, setDetail] = useState<FlowDetail | null>(null);
  const [edited, setEdited] = useState<Edited>(() => ({
    definition: null,
    history: emptyHistory(),
  }));
  const { definition, history } = edited;
  const [savedJson, setSavedJson] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [validating, setValidating] = useState(false);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const [publishState, setPublishState] = useState<PublishState>({
    busy: false,
    blocking: null,
    error: null,
  });
  const validatedJson = useRef('');
  const validateSeq = useRef(0);

  const reload = useCallback(async (): Promise<void> => {
    const next = await api.flows.get.query({ key });
    setDetail(next);
    return undefined;
  }, [key]);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const flow = await api.flows.get.query({ key });
        let doc = coerceDefinition(flow.definition, { key: flow.key, name: flow.name });
        // A definition without positions (written by hand, imported) is laid out once on open;
        // the layout is the baseline, so opening alone does not leave unsaved changes.
        if (!hasPositions(doc)) doc = await autoLayout(doc);
        if (cancelled) return;
        const json = serialise(doc);
        setDetail(flow);
        setEdited({ definition: doc, history: emptyHistory() });
        setSavedJson(json);
        validatedJson.current = json;
        setProblems(flow.problems);
        setSave(
          flow.draftUpdatedAt ? { kind: 'saved', at: flow.draftUpdatedAt } : { kind: 'idle' },
        );
        setStatus('ready');
      } catch (e) {
        if (cancelled) return;
        setLoadError(errorMessage(e));
        setStatus(/not.?found/i.test(errorMessage(e)) ? 'missing' : 'failed');
      }
    })().catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [key]);

  const json = useMemo(() => serialise(definition), [definition]);
  const dirty = definition !== null && json !== savedJson;

  useEffect(() => {
    if (definition) setExpressionFlow(definition);
  }, [definition]);

  // Re-validate on the server as the user edits, once typing pauses.
  useEffect(() => {
    if (!definition || json === validatedJson.current) return undefined;
    const seq = ++validateSeq.current;
    setValidating(true);
    const timer = setTimeout(() => {
      api.flows.validate
        .query({ definition: toJsonDefinition(definition) })
        .then((result) => {
          if (seq !== validateSeq.current) return;
          validatedJson.current = json;
          setProblems(result);
        })
        .catch(() => undefined)
        .finally(() => {
          if (seq === validateSeq.current) setValidating(false);
        });
    }, VALIDATE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [definition, json]);

  const update = useCallback(
    (change: (d: FlowDefinition) => FlowDefinition, options: EditOptions = {}) => {
      const at = Date.now();
      setEdited((current) => {
        if (!current.definition) return current;
        const next = change(current.definition);
        if (next === current.definition) return current;
        return {
          definition: next,
          history: recordEdit(current.history, current.definition, { group: options.group, at }),
        };
      });
    },
    [],
  );

  const undoEdit = useCallback(() => {
    setEdited((current) => {
      const step = current.definition ? undo(current.history, current.definition) : null;
      return step ? { definition: step.present, history: step.history } : current;
    });
  }, []);

  const redoEdit = useCallback(() => {
    setEdited((current) => {
      const step = current.definition ? redo(current.history, current.definition) : null;
      return step ? { definition: step.present, history: step.history } : current;
    });
  }, []);

  const saveDraft = useCallback(async (): Promise<boolean> => {
    if (!definition) return false;
    const snapshot = json;
    setSave({ kind: 'saving' });
    try {
      const result = await api.flows.saveDraft.mutate({
        key,
        definition: toJsonDefinition(definition),
      });
      setSavedJson(snapshot);
      validatedJson.current = snapshot;
      validateSeq.current += 1;
      setValidating(false);
      setProblems(result.problems);
      setSave({ kind: 'saved', at: result.savedAt });
      return true;
    } catch (e) {
      setSave({ kind: 'failed', message: errorMessage(e) });
      return false;
    }
  }, [definition, json, key]);

  const publish = useCallback(
    async (note: string): Promise<number | null> => {
      setPublishState({ busy: true, blocking: null, error: null });
      if (dirty && !(await saveDraft())) {
        setPublishState({
          busy: false,
          blocking: null,
          error: 'The draft could not be saved, so it was not published.',
        });
        return null;
      }
      try {
        const result = await api.flows.publish.mutate(note ? { key, note } : { key });
        setPublishState({ busy: false, blocking: null, error: null });
        await reload().catch(() => undefined);
        return result.version;
      } catch (e) {
        const blocking = problemsOfError(e);
        if (blocking) setProblems((current) => (current.length > 0 ? current : blocking));
        setPublishState({ busy: false, blocking, error: blocking ? null : errorMessage(e) });
        return null;
      }
    },
    [dirty, key, reload, saveDraft],
  );

  const resetPublish = useCallback(
    () => setPublishState({ busy: false, blocking: null, error: null }),
    [],
  );

  return {
    status,
    loadError,
    detail,
    definition,
    problems,
    validating,
    dirty,
    save,
    publishState,
    update,
    undo: undoEdit,
    redo: redoEdit,
    canUndo: history.past.length > 0,
    canRedo: history.future.length > 0,
    saveDraft,
    publish,
    resetPublish,
  };
}
