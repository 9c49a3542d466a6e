/**
 * Type-aware completion and hover for CEL expressions, as pure functions over the scope the
 * shared expression checker sees (`describeScope(buildExpressionEnvironment(flow, scope))`).
 * After `shipment.` only the fields of `shipment` are offered; after `shipment.lines[0].` the
 * fields of a line; inside `shipment.lines.all(l, l.` the fields of a line too; after a list,
 * the list macros; after a string, the string functions.
 */
import type { ScopeEntry } from '@waybill/shared';

export type CelCompletionKind = 'variable' | 'field' | 'keyword' | 'function' | 'macro';

export interface CelCompletion {
  label: string;
  insertText: string;
  /** The type (for names) or signature (for functions) shown beside the suggestion. */
  detail: string;
  documentation: string | null;
  kind: CelCompletionKind;
}

export interface CelHover {
  /** The dotted path hovered, e.g. `shipment.lines[].sku`. */
  name: string;
  type: string;
  description: string | null;
  /** 0-based offsets of the hovered word in the text. */
  start: number;
  end: number;
}

const keywords = ['true', 'false', 'null', 'in'];

interface FunctionDoc {
  name: string;
  signature: string;
  doc: string;
}

const globalFunctions: readonly FunctionDoc[] = [
  { name: 'has', signature: 'has(a.b) → bool', doc: 'Whether the field is present.' },
  { name: 'size', signature: 'size(x) → int', doc: 'Length of a string, list or map.' },
  { name: 'int', signature: 'int(x) → int', doc: 'Converts to an integer.' },
  { name: 'double', signature: 'double(x) → double', doc: 'Converts to a double.' },
  { name: 'string', signature: 'string(x) → string', doc: 'Converts to a string.' },
  { name: 'bool', signature: 'bool(x) → bool', doc: 'Converts to a boolean.' },
  {
    name: 'timestamp',
    signature: 'timestamp(text) → timestamp',
    doc: 'Reads an ISO-8601 instant, e.g. timestamp(pod.receivedAt).',
  },
  { name: 'duration', signature: 'duration(text) → duration', doc: 'Reads a duration like "48h".' },
];

const listMacros: readonly FunctionDoc[] = [
  { name: 'all', signature: 'all(x, predicate) → bool', doc: 'Whether every item satisfies it.' },
  { name: 'exists', signature: 'exists(x, predicate) → bool', doc: 'Whether any item does.' },
  {
    name: 'exists_one',
    signature: 'exists_one(x, predicate) → bool',
    doc: 'Whether exactly one item does.',
  },
  { name: 'map', signature: 'map(x, expression) → list', doc: 'Transforms every item.' },
  { name: 'filter', signature: 'filter(x, predicate) → list', doc: 'Keeps matching items.' },
  { name: 'size', signature: 'size() → int', doc: 'Number of items.' },
];

const stringFunctions: readonly FunctionDoc[] = [
  { name: 'startsWith', signature: 'startsWith(text) → bool', doc: 'Prefix test.' },
  { name: 'endsWith', signature: 'endsWith(text) → bool', doc: 'Suffix test.' },
  { name: 'contains', signature: 'contains(text) → bool', doc: 'Substring test.' },
  { name: 'matches', signature: 'matches(regex) → bool', doc: 'Regular expression test.' },
  { name: 'size', signature: 'size() → int', doc: 'Number of characters.' },
];

const macroNames = ['all', 'exists', 'exists_one', 'map', 'filter'];

/** A member chain ending the text: `shipment.lines[0].` (group 1) and a partial word (group 2). */
const trailingChain = /((?:[A-Za-z_]\w*(?:\[[^[\]]*\])*\s*\.\s*)*)([A-Za-z_]\w*)?$/;

/** `shipment.lines[0].` → `shipment.lines[]`: indexes become `[]`, spaces and the dot go. */
function normalisePath(chain: string): string {
  return chain
    .replace(/\s+/g, '')
    .replace(/\[[^[\]]*\]/g, '[]')
    .replace(/\.$/, '');
}

/**
 * Variables bound by list macros in `text`, e.g. `l` in `shipment.lines.all(l, l.shippedQty > 0)`
 * stands for `shipment.lines[]`.
 */
export function macroAliases(text: string): Map<string, string> {
  const aliases = new Map<string, string>();
  const pattern = new RegExp(
    String.raw`([A-Za-z_][\w.[\]]*)\.(?:${macroNames.join('|')})\(\s*([A-Za-z_]\w*)\s*,`,
    'g',
  );
  for (const match of text.matchAll(pattern)) {
    const [, path, alias] = match;
    if (path !== undefined && alias !== undefined) {
      aliases.set(alias, `${resolveAliases(normalisePath(path), aliases)}[]`);
    }
  }
  return aliases;
}

function resolveAliases(path: string, aliases: ReadonlyMap<string, string>): string {
  const head = /^[A-Za-z_]\w*/.exec(path)?.[0];
  if (head === undefined) return path;
  const target = aliases.get(head);
  return target === undefined ? path : target + path.slice(head.length);
}

/** The element type of a list type label: `list<double>` → `double`. */
function elementType(type: string): string | null {
  const match = /^list<(.*)>$/.exec(type);
  return match?.[1] ?? null;
}

function lookup(
  entries: readonly ScopeEntry[],
  path: string,
): { type: string; description: string | null } | null {
  const entry = entries.find((e) => e.name === path);
  if (entry) return { type: entry.type, description: entry.description };
  // Items of a list of scalars have no entry of their own: read the list's element type.
  if (path.endsWith('[]')) {
    const list = entries.find((e) => e.name === path.slice(0, -2));
    const type = list ? elementType(list.type) : null;
    if (type !== null) return { type, description: null };
  }
  return null;
}

function fromFunctions(docs: readonly FunctionDoc[], kind: CelCompletionKind): CelCompletion[] {
  return docs.map((f) => ({
    label: f.name,
    insertText: f.name,
    detail: f.signature,
    documentation: f.doc,
    kind,
  }));
}

/**
 * What to offer at the end of `textBefore` (the text from the start of the expression to the
 * cursor). `replaceLength` is how many characters before the cursor the choice replaces.
 *
 * ```ts
 * completionsAt(describeScope(env), 'shipment.li'); // { items: [{ label: 'lines', … }], replaceLength: 2 }
 * ```
 */
export function completionsAt(
  entries: readonly ScopeEntry[],
  textBefore: string,
): { items: CelCompletion[]; replaceLength: number } {
  const match = trailingChain.exec(textBefore);
  const chain = match?.[1] ?? '';
  const word = match?.[2] ?? '';
  const matchStart = match?.index ?? textBefore.length;
  const before = textBefore.slice(0, matchStart).trimEnd();
  // A member of something that is not a plain name (`size(x).`, `"a".`) has no known type.
  if (before.endsWith('.')) return { items: [], replaceLength: word.length };

  const aliases = macroAliases(textBefore);
  if (chain === '') {
    const items: CelCompletion[] = [];
    for (const [alias, path] of aliases) {
      const found = lookup(entries, path);
      items.push({
        label: alias,
        insertText: alias,
        detail: found?.type ?? 'dyn',
        documentation: `An item of ${path.slice(0, -2)}`,
        kind: 'variable',
      });
    }
    for (const entry of entries) {
      if (entry.name.includes('.') || entry.name.includes('[')) continue;
      items.push({
        label: entry.name,
        insertText: entry.name,
        detail: entry.type,
        documentation: entry.description,
        kind: 'variable',
      });
    }
    for (const keyword of keywords) {
      items.push({
        label: keyword,
        insertText: keyword,
        detail: 'keyword',
        documentation: null,
        kind: 'keyword',
      });
    }
    items.push(...fromFunctions(globalFunctions, 'function'));
    return { items, replaceLength: word.length };
  }

  const parent = resolveAliases(normalisePath(chain), aliases);
  const parentInfo = lookup(entries, parent);
  const items: CelCompletion[] = [];
  const prefix = `${parent}.`;
  for (const entry of entries) {
    if (!entry.name.startsWith(prefix)) continue;
    const field = entry.name.slice(prefix.length);
    if (field.includes('.') || field.includes('[')) continue;
    items.push({
      label: field,
      insertText: field,
      detail: entry.type,
      documentation: entry.description,
      kind: 'field',
    });
  }
  if (parentInfo?.type.startsWith('list<')) items.push(...fromFunctions(listMacros, 'macro'));
  if (parentInfo?.type === 'string') items.push(...fromFunctions(stringFunctions, 'function'));
  return { items, replaceLength: word.length };
}

/**
 * The name under `offset` (0-based) in `text`, with its type, or `null` over anything that is
 * not a known name (numbers, operators, unknown fields).
 *
 * ```ts
 * hoverAt(describeScope(env), 'shipment.lines', 10); // { name: 'shipment.lines', type: 'list<…>', … }
 * ```
 */
export function hoverAt(
  entries: readonly ScopeEntry[],
  text: string,
  offset: number,
): CelHover | null {
  let start = offset;
  let end = offset;
  while (start > 0 && /\w/.test(text.charAt(start - 1))) start -= 1;
  while (end < text.length && /\w/.test(text.charAt(end))) end += 1;
  const word = text.slice(start, end);
  if (!/^[A-Za-z_]\w*$/.test(word)) return null;

  const chainMatch = trailingChain.exec(text.slice(0, start));
  const chain = chainMatch?.[2] === undefined ? (chainMatch?.[1] ?? '') : '';
  const aliases = macroAliases(text);
  const path = resolveAliases(normalisePath(chain + word), aliases);
  const found = lookup(entries, path);
  if (found) return { name: path, type: found.type, description: found.description, start, end };

  if (chain === '') {
    const fn = globalFunctions.find((f) => f.name === word);
    if (fn) return { name: word, type: fn.signature, description: fn.doc, start, end };
  } else {
    const parent = lookup(entries, resolveAliases(normalisePath(chain), aliases));
    const docs = parent?.type.startsWith('list<')
      ? listMacros
      : parent?.type === 'string'
        ? stringFunctions
        : [];
    const fn = docs.find((f) => f.name === word);
    if (fn) return { name: word, type: fn.signature, description: fn.doc, start, end };
  }
  return null;
}
