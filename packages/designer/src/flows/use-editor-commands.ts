/**
 * The editor's commands (undo, redo, copy, cut, paste, duplicate, select all, delete, zoom) and
 * the keyboard shortcuts that run them. The clipboard lives here, in memory, for the page.
 */
import { useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useRef } from 'react';
import { copyNodes, pasteNodes } from '../model/clipboard.ts';
import type { ClipboardContent } from '../model/clipboard.ts';
import { deleteElements, emptySelection } from '../model/definition-graph.ts';
import type { Selection } from '../model/definition-graph.ts';
import { isTypingTarget, shortcutFor } from './shortcuts.ts';
import type { FlowDocument } from './use-flow-document.ts';

interface CommandOptions {
  doc: FlowDocument;
  selection: Selection;
  setSelection: (selection: Selection) => void;
  save: () => Promise<void>;
  tidy: () => Promise<void>;
  openHelp: () => void;
  /** A dialog is open: canvas shortcuts are off (the dialog handles its own keys). */
  blocked: boolean;
}

export interface EditorCommands {
  copy: () => void;
  cut: () => void;
  paste: () => void;
  duplicate: () => void;
  selectAll: () => void;
  deleteSelection: () => void;
}

export function useEditorCommands(options: CommandOptions): EditorCommands {
  const { doc, selection, setSelection, save, tidy, openHelp, blocked } = options;
  const flow = useReactFlow();
  const clipboard = useRef<{ content: ClipboardContent; pastes: number } | null>(null);
  const definition = doc.definition;

  const copy = useCallback(() => {
    if (!definition) return;
    const content = copyNodes(definition, selection.nodes);
    if (content) clipboard.current = { content, pastes: 0 };
  }, [definition, selection.nodes]);

  const paste = useCallback(() => {
    const clip = clipboard.current;
    if (!clip || !definition) return;
    clip.pastes += 1;
    const result = pasteNodes(definition, clip.content, clip.pastes);
    doc.update(() => result.definition);
    setSelection({ nodes: result.nodeIds, edges: [] });
  }, [definition, doc, setSelection]);

  const deleteSelection = useCallback(() => {
    if (selection.nodes.length === 0 && selection.edges.length === 0) return;
    doc.update((d) => deleteElements(d, selection));
    setSelection(emptySelection);
  }, [doc, selection, setSelection]);

  const cut = useCallback(() => {
    copy();
    deleteSelection();
  }, [copy, deleteSelection]);

  const duplicate = useCallback(() => {
    if (!definition) return;
    const content = copyNodes(definition, selection.nodes);
    if (!content) return;
    const result = pasteNodes(definition, content, 1);
    doc.update(() => result.definition);
    setSelection({ nodes: result.nodeIds, edges: [] });
  }, [definition, doc, selection.nodes, setSelection]);

  const selectAll = useCallback(() => {
    if (definition) setSelection({ nodes: definition.nodes.map((n) => n.id), edges: [] });
  }, [definition, setSelection]);

  // The latest commands, read by one long-lived listener.
  const latest = useRef({ copy, cut, paste, duplicate, selectAll, save, tidy, openHelp, doc });
  useLayoutEffect(() => {
    latest.current = { copy, cut, paste, duplicate, selectAll, save, tidy, openHelp, doc };
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const shortcut = shortcutFor(e);
      const run = latest.current;
      if (shortcut === 'save') {
        // Saving works everywhere, also while typing in a field.
        e.preventDefault();
        void run.save();
        return;
      }
      if (
        blocked ||
        isTypingTarget(e.target) ||
        shortcut === null ||
        window.getSelection()?.type === 'Range'
      ) {
        if (e.key === 'Escape' && !blocked && !isTypingTarget(e.target))
          setSelection(emptySelection);
        return;
      }
      e.preventDefault();
      switch (shortcut) {
        case 'undo':
          run.doc.undo();
          break;
        case 'redo':
          run.doc.redo();
          break;
        case 'copy':
          run.copy();
          break;
        case 'cut':
          run.cut();
          break;
        case 'paste':
          run.paste();
          break;
        case 'duplicate':
          run.duplicate();
          break;
        case 'selectAll':
          run.selectAll();
          break;
        case 'fitView':
          void flow.fitView({ padding: 0.2, duration: 300, maxZoom: 1.1 });
          break;
        case 'zoomIn':
          void flow.zoomIn({ duration: 150 });
          break;
        case 'zoomOut':
          void flow.zoomOut({ duration: 150 });
          break;
        case 'tidy':
          void run.tidy();
          break;
        case 'help':
          run.openHelp();
          break;
      }
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [blocked, flow, setSelection]);

  return { copy, cut, paste, duplicate, selectAll, deleteSelection };
}
