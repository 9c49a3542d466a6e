/**
 * The `cel` language for Monaco: Monarch highlighting for CEL (identifiers, strings, numbers,
 * operators, `true false null in`), type-aware completion and hover over the open flow's
 * declarations (see `cel-scope.ts`), resolved per model so a wait filter also knows `event`.
 */
import type * as Monaco from 'monaco-editor/editor';
import { completionsAt, hoverAt } from './cel-completions.ts';
import type { CelCompletionKind } from './cel-completions.ts';
import { modelScope, scopeEntries } from './cel-scope.ts';

export const CEL_LANGUAGE_ID = 'cel';

const monarch: Monaco.languages.IMonarchLanguage = {
  defaultToken: '',
  keywords: ['true', 'false', 'null', 'in'],
  operators: ['==', '!=', '<=', '>=', '<', '>', '&&', '||', '!', '+', '-', '*', '/', '%', '?', ':'],
  symbols: /[=><!~?:&|+\-*/%]+/,
  tokenizer: {
    root: [
      [/params(?=\.)/, 'type.identifier'],
      [/[A-Za-z_][\w]*/, { cases: { '@keywords': 'keyword', '@default': 'identifier' } }],
      [/\d+\.\d+([eE][-+]?\d+)?/, 'number.float'],
      [/0[xX][0-9a-fA-F]+u?/, 'number.hex'],
      [/\d+u?/, 'number'],
      [/[rR]?"([^"\\]|\\.)*"/, 'string'],
      [/[rR]?'([^'\\]|\\.)*'/, 'string'],
      [/[{}()[\]]/, '@brackets'],
      [/@symbols/, { cases: { '@operators': 'operator', '@default': '' } }],
      [/[.,]/, 'delimiter'],
      [/\s+/, 'white'],
    ],
  },
};

/** Registers the language once per Monaco instance. */
export function registerCel(monaco: typeof Monaco): void {
  if (monaco.languages.getLanguages().some((l) => l.id === CEL_LANGUAGE_ID)) return;
  monaco.languages.register({ id: CEL_LANGUAGE_ID });
  monaco.languages.setMonarchTokensProvider(CEL_LANGUAGE_ID, monarch);
  monaco.languages.setLanguageConfiguration(CEL_LANGUAGE_ID, {
    brackets: [
      ['(', ')'],
      ['[', ']'],
      ['{', '}'],
    ],
    autoClosingPairs: [
      { open: '(', close: ')' },
      { open: '[', close: ']' },
      { open: '{', close: '}' },
      { open: '"', close: '"' },
      { open: "'", close: "'" },
    ],
  });
  const kinds = monaco.languages.CompletionItemKind;
  const kindOf: Record<CelCompletionKind, Monaco.languages.CompletionItemKind> = {
    variable: kinds.Variable,
    field: kinds.Field,
    keyword: kinds.Keyword,
    function: kinds.Function,
    macro: kinds.Method,
  };
  monaco.languages.registerCompletionItemProvider(CEL_LANGUAGE_ID, {
    triggerCharacters: ['.'],
    provideCompletionItems(model, position) {
      const offset = model.getOffsetAt(position);
      const textBefore = model.getValue().slice(0, offset);
      const entries = scopeEntries(modelScope(model.uri.toString()));
      const { items, replaceLength } = completionsAt(entries, textBefore);
      const range = {
        startLineNumber: position.lineNumber,
        endLineNumber: position.lineNumber,
        startColumn: Math.max(1, position.column - replaceLength),
        endColumn: position.column,
      };
      // Names first, then fields, keywords and functions, each group in declaration order.
      const order: CelCompletionKind[] = ['variable', 'field', 'macro', 'function', 'keyword'];
      return {
        suggestions: items.map((item, index) => ({
          label: { label: item.label, description: item.detail },
          detail: item.detail,
          documentation: item.documentation ?? undefined,
          kind: kindOf[item.kind],
          insertText: item.insertText,
          sortText: `${order.indexOf(item.kind)}${String(index).padStart(4, '0')}`,
          range,
        })),
      };
    },
  });
  monaco.languages.registerHoverProvider(CEL_LANGUAGE_ID, {
    provideHover(model, position) {
      const entries = scopeEntries(modelScope(model.uri.toString()));
      const hover = hoverAt(entries, model.getValue(), model.getOffsetAt(position));
      if (!hover) return null;
      const start = model.getPositionAt(hover.start);
      const end = model.getPositionAt(hover.end);
      return {
        range: new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column),
        contents: [
          { value: `\`${hover.name}\`: **${hover.type}**` },
          ...(hover.description ? [{ value: hover.description }] : []),
        ],
      };
    },
  });
}
