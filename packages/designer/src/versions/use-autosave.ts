/**
 * Saves the draft on its own once editing pauses, so a closed tab loses at most the last
 * couple of seconds. A failed save is not retried in a loop: the status shows it, and the next
 * edit (or Save) tries again.
 */
import { useEffect, useRef } from 'react';
import type { FlowDocument } from '../flows/use-flow-document.ts';

export const AUTOSAVE_DELAY_MS = 1500;

export function useAutosave(doc: FlowDocument, delayMs: number = AUTOSAVE_DELAY_MS): void {
  const { definition, dirty, save, saveDraft } = doc;
  const failedFor = useRef<unknown>(null);
  useEffect(() => {
    if (!dirty || save.kind === 'saving') return undefined;
    if (save.kind === 'failed' && failedFor.current === definition) return undefined;
    const timer = setTimeout(() => {
      void saveDraft().then((ok) => {
        failedFor.current = ok ? null : definition;
      });
    }, delayMs);
    return () => clearTimeout(timer);
  }, [definition, dirty, save.kind, saveDraft, delayMs]);
}
