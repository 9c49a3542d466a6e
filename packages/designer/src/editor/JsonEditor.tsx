/**
 * A JSON editor for lists in the flow panel (variables, event bindings). The text is edited
 * freely; each change is parsed and checked, and only a valid document reaches the definition,
 * so a half-typed brace never corrupts the flow.
 */
import Editor from '@monaco-editor/react';
import { useState } from 'react';
import type { ReactElement } from 'react';

interface JsonEditorProps<TValue> {
  value: TValue;
  /** Returns the checked value, or an error message for the user. */
  parse: (json: unknown) => { ok: true; value: TValue } | { ok: false; error: string };
  onChange: (value: TValue) => void;
  label: string;
  testId?: string;
  height?: number;
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function sameJson(text: string, value: unknown): boolean {
  try {
    return pretty(JSON.parse(text)) === pretty(value);
  } catch {
    return false;
  }
}

export function JsonEditor<TValue>(props: JsonEditorProps<TValue>): ReactElement {
  const { value, parse, onChange, label, testId, height = 180 } = props;
  const [text, setText] = useState(() => pretty(value));
  const [error, setError] = useState<string | null>(null);
  const [seen, setSeen] = useState(value);

  // Follow outside changes (another panel, a reload) without fighting the user's own
  // formatting: the text is replaced only when it means something else than the new value.
  if (seen !== value) {
    setSeen(value);
    if (!sameJson(text, value)) setText(pretty(value));
  }

  const onText = (next: string): void => {
    setText(next);
    let json: unknown;
    try {
      json = JSON.parse(next);
    } catch (e) {
      setError(`Not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const result = parse(json);
    if (result.ok) {
      setError(null);
      onChange(result.value);
    } else {
      setError(result.error);
    }
  };

  return (
    <div className="json-editor" data-testid={testId}>
      <div className="nokey json-editor__box" style={{ height }} role="group" aria-label={label}>
        <Editor
          value={text}
          language="json"
          theme="waybill"
          onChange={(next) => onText(next ?? '')}
          options={{
            ariaLabel: label,
            minimap: { enabled: false },
            lineNumbers: 'off',
            folding: true,
            glyphMargin: false,
            lineDecorationsWidth: 6,
            overviewRulerLanes: 0,
            scrollBeyondLastLine: false,
            fontSize: 12,
            tabSize: 2,
            automaticLayout: true,
            fixedOverflowWidgets: true,
            renderLineHighlight: 'none',
            contextmenu: false,
            stickyScroll: { enabled: false },
          }}
        />
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
