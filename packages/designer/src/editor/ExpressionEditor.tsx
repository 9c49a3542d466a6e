/**
 * A compact CEL editor (Monaco, single line-ish: grows to a few lines, then scrolls). Wrapped in
 * `nokey` so the canvas does not treat Space, Delete or Backspace typed here as canvas commands.
 *
 * As the user types, the expression is checked by the same checker the runtime uses
 * (`checkExpression` against the flow's environment) and problems appear inline as markers;
 * the type of a valid expression shows in the corner.
 */
import Editor from '@monaco-editor/react';
import type { OnMount } from '@monaco-editor/react';
import { checkExpression } from '@waybill/shared';
// The same instance monaco-setup hands to the React wrapper (the bundled editor, never a CDN).
import * as monaco from 'monaco-editor/editor';
import type * as Monaco from 'monaco-editor/editor';
import { useEffect, useRef, useState } from 'react';
import type { ReactElement } from 'react';
import { CEL_LANGUAGE_ID } from './cel-language.ts';
import { expressionEnvironment, onExpressionFlowChange, setModelScope } from './cel-scope.ts';

const MARKER_OWNER = 'cel';

type Diagnosis =
  | { kind: 'empty' }
  | { kind: 'ok'; type: string }
  | { kind: 'problems'; markers: Monaco.editor.IMarkerData[] };

/** Checks `text` and turns each problem into a marker over its range. */
function diagnose(
  model: Monaco.editor.ITextModel,
  eventType: string | undefined,
  expectType: string | undefined,
): Diagnosis {
  const text = model.getValue();
  const env = expressionEnvironment(eventType);
  if (!env || text.trim() === '') return { kind: 'empty' };
  const result = checkExpression(text, env);
  if (result.ok) {
    if (expectType === undefined || result.type === expectType || result.type === 'dyn') {
      return { kind: 'ok', type: result.type };
    }
    const end = model.getPositionAt(text.length);
    return {
      kind: 'problems',
      markers: [
        {
          severity: monaco.MarkerSeverity.Error,
          message: `Must be a ${expectType}, but this is a ${result.type}.`,
          code: 'type',
          startLineNumber: 1,
          startColumn: 1,
          endLineNumber: end.lineNumber,
          endColumn: end.column,
        },
      ],
    };
  }
  return {
    kind: 'problems',
    markers: result.problems.map((problem) => {
      const start = model.getPositionAt(problem.range.start - 1);
      const end = model.getPositionAt(problem.range.end - 1);
      return {
        severity: monaco.MarkerSeverity.Error,
        message: problem.message,
        code: problem.reason,
        startLineNumber: start.lineNumber,
        startColumn: start.column,
        endLineNumber: end.lineNumber,
        endColumn: Math.max(end.column, start.column + 1),
      };
    }),
  };
}

interface ExpressionEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** Accessible name, e.g. "Condition expression". */
  label: string;
  testId?: string;
  placeholder?: string;
  invalid?: boolean;
  /** The event whose payload `event` is (wait filters); otherwise `event` is not in scope. */
  eventType?: string | undefined;
  /** The type the expression must have, e.g. `bool` for conditions. */
  expectType?: string | undefined;
}

const LINE_HEIGHT = 20;
const MAX_HEIGHT = LINE_HEIGHT * 5 + 8;

export function ExpressionEditor(props: ExpressionEditorProps): ReactElement {
  const { value, onChange, label, testId, placeholder, invalid, eventType, expectType } = props;
  const [height, setHeight] = useState(LINE_HEIGHT + 10);
  const [diagnosis, setDiagnosis] = useState<Diagnosis>({ kind: 'empty' });
  const refresh = useRef<() => void>(() => undefined);
  const uri = useRef<string | null>(null);
  const eventTypeRef = useRef(eventType);
  const expectTypeRef = useRef(expectType);

  // The editor owns its text while the user types: React renders that lag behind fast typing
  // would otherwise push an older text back into it, dropping characters and closing the
  // suggestions. Only a value that the editor did not emit (undo, another panel) is pushed in.
  const editorRef = useRef<Monaco.editor.IStandaloneCodeEditor | null>(null);
  const emitted = useRef<string[]>([]);
  useEffect(() => {
    const editor = editorRef.current;
    if (!editor) return;
    const recent = emitted.current;
    if (recent.at(-1) === value) {
      emitted.current = [];
      return;
    }
    if (recent.includes(value) || editor.getValue() === value) return;
    emitted.current = [];
    const model = editor.getModel();
    if (!model) return;
    editor.executeEdits('external', [{ range: model.getFullModelRange(), text: value }]);
    editor.pushUndoStop();
  }, [value]);

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    const fit = (): void =>
      setHeight(Math.min(MAX_HEIGHT, Math.max(LINE_HEIGHT + 10, editor.getContentHeight())));
    editor.onDidContentSizeChange(fit);
    fit();
    const model = editor.getModel();
    if (!model) return;
    uri.current = model.uri.toString();
    setModelScope(uri.current, eventType);
    refresh.current = () => {
      if (model.isDisposed()) return;
      const next = diagnose(model, eventTypeRef.current, expectTypeRef.current);
      monaco.editor.setModelMarkers(
        model,
        MARKER_OWNER,
        next.kind === 'problems' ? next.markers : [],
      );
      setDiagnosis(next);
    };
    editor.onDidChangeModelContent(() => refresh.current());
    refresh.current();
  };

  useEffect(() => {
    eventTypeRef.current = eventType;
    expectTypeRef.current = expectType;
    if (uri.current !== null) setModelScope(uri.current, eventType);
    refresh.current();
  }, [eventType, expectType]);
  useEffect(() => onExpressionFlowChange(() => refresh.current()), []);

  const problemCount = diagnosis.kind === 'problems' ? diagnosis.markers.length : 0;
  return (
    <div
      className={`nokey expr-editor${invalid || problemCount > 0 ? ' is-invalid' : ''}`}
      data-testid={testId}
      data-diagnostics={problemCount}
      role="group"
      aria-label={label}
      style={{ height }}
    >
      <Editor
        defaultValue={value}
        language={CEL_LANGUAGE_ID}
        theme="waybill"
        onChange={(next) => {
          const text = next ?? '';
          emitted.current = [...emitted.current.slice(-50), text];
          onChange(text);
        }}
        onMount={onMount}
        loading={<span className="expr-editor__loading">{value || placeholder}</span>}
        options={{
          ariaLabel: label,
          placeholder,
          minimap: { enabled: false },
          lineNumbers: 'off',
          glyphMargin: false,
          folding: false,
          lineDecorationsWidth: 6,
          lineNumbersMinChars: 0,
          overviewRulerLanes: 0,
          hideCursorInOverviewRuler: true,
          overviewRulerBorder: false,
          renderLineHighlight: 'none',
          scrollBeyondLastLine: false,
          wordWrap: 'on',
          wrappingStrategy: 'advanced',
          fontSize: 13,
          lineHeight: LINE_HEIGHT,
          fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
          padding: { top: 4, bottom: 4 },
          scrollbar: {
            vertical: 'auto',
            horizontal: 'hidden',
            verticalScrollbarSize: 6,
            alwaysConsumeMouseWheel: false,
          },
          automaticLayout: true,
          fixedOverflowWidgets: true,
          quickSuggestions: { other: true, strings: false, comments: false },
          wordBasedSuggestions: 'off',
          suggestOnTriggerCharacters: true,
          contextmenu: false,
          tabFocusMode: true,
          stickyScroll: { enabled: false },
        }}
      />
      {diagnosis.kind === 'ok' && (
        <span className="expr-editor__type" data-testid={testId ? `${testId}-type` : undefined}>
          {diagnosis.type}
        </span>
      )}
      {diagnosis.kind === 'problems' && (
        <span className="sr-only" role="status">
          {diagnosis.markers.map((m) => m.message).join(' ')}
        </span>
      )}
    </div>
  );
}
