/**
 * Monaco is bundled with the designer and never fetched from a CDN: the lean editor entry,
 * the features the expression and JSON editors use, and their workers as Vite module workers.
 * Imported before anything renders an editor.
 */
import * as monaco from 'monaco-editor/editor';
import 'monaco-editor/features/register.all';
import 'monaco-editor/languages/features/json/register';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import JsonWorker from 'monaco-editor/languages/features/json/json.worker?worker';
import { loader } from '@monaco-editor/react';
import { registerCel } from './cel-language.ts';

self.MonacoEnvironment = {
  getWorker(_workerId: string, label: string): Worker {
    return label === 'json' ? new JsonWorker() : new EditorWorker();
  },
};

// Without this, @monaco-editor/react would load its own copy from a CDN.
loader.config({ monaco });

registerCel(monaco);

monaco.editor.defineTheme('waybill', {
  base: 'vs',
  inherit: true,
  rules: [
    { token: 'keyword', foreground: '7c3aed', fontStyle: 'bold' },
    { token: 'string', foreground: '15803d' },
    { token: 'number', foreground: 'b45309' },
    { token: 'operator', foreground: '475569' },
    { token: 'identifier', foreground: '0f172a' },
    { token: 'type.identifier', foreground: '0369a1' },
  ],
  colors: {
    'editor.background': '#ffffff',
    'editor.lineHighlightBackground': '#ffffff',
    'editorLineNumber.foreground': '#94a3b8',
  },
});
