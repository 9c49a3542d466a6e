/**
 * Turns an exception (text + structured features) into a sparse vector of named features:
 * words and two-word phrases of the text, `key=value` for strings and flags, and a bucket for
 * numbers (`variancePct~4..8`). Names are hashed into a fixed number of slots, so the model has
 * a fixed size whatever the vocabulary; the names themselves are kept per prediction, which is
 * what lets a prediction explain itself (its drivers) in words a person recognises.
 * @module
 */
import type { TriageInput } from './classifier.ts';

/** One active feature of an input: its readable name, its hashed slot and its value. */
export interface ActiveFeature {
  name: string;
  slot: number;
  value: number;
}

/** Words too common in exception text to tell categories apart. */
const stopWords = new Set(
  (
    'a an and are as at be but by for from has have in is it its of on or our please ' +
    'that the their this to was we were will with you your re fw fyi hi hello team thanks ' +
    'regards pls please asap urgent note see attached advise check'
  ).split(' '),
);

/** Tokens of free text: lower-case words; numbers become a shape (`#num`, `#id`). */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const raw of text.toLowerCase().match(/[a-z0-9][a-z0-9\-._]*/g) ?? []) {
    const token = raw.replace(/[._-]+$/, '');
    if (token === '' || stopWords.has(token)) continue;
    if (/^\d+([.,]\d+)?$/.test(token)) tokens.push('#num');
    else if (/\d/.test(token) && /[a-z]/.test(token)) tokens.push('#id');
    else tokens.push(token);
  }
  return tokens;
}

/**
 * A number's bucket on a log scale, so 3 and 3.4 share a feature while 3 and 300 do not:
 * `0`, `0..1`, `1..2`, `2..4`, `4..8`, … (negative values mirrored with a `-`).
 */
export function numberBucket(value: number): string {
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  const magnitude = Math.abs(value);
  if (magnitude < 1) return `${sign}0..1`;
  const low = 2 ** Math.floor(Math.log2(magnitude));
  return `${sign}${low}..${low * 2}`;
}

/** 32-bit FNV-1a: a stable, fast string hash (the same slot on every machine and run). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Readable feature names of an input, each once. */
export function featureNames(input: TriageInput): string[] {
  const names = new Set<string>();
  const tokens = tokenize(input.text);
  for (const token of tokens) names.add(`word:${token}`);
  for (let i = 0; i + 1 < tokens.length; i++) names.add(`phrase:${tokens[i]} ${tokens[i + 1]}`);
  for (const [key, value] of Object.entries(input.features)) {
    if (value === null) continue;
    if (typeof value === 'number') {
      if (Number.isFinite(value)) names.add(`${key}~${numberBucket(value)}`);
    } else {
      names.add(`${key}=${String(value)}`);
    }
  }
  return [...names];
}

/**
 * The active features of an input, hashed into `dimension` slots. Every feature weighs
 * 1/√n so long texts do not shout down short ones.
 *
 * ```ts
 * featurize({ text: 'POD missing for load 4471', features: { carrier: 'ODFL' } }, 1 << 16);
 * // [{ name: 'word:pod', slot: 40211, value: 0.41 }, …]
 * ```
 */
export function featurize(input: TriageInput, dimension: number): ActiveFeature[] {
  const names = featureNames(input);
  const value = names.length === 0 ? 0 : 1 / Math.sqrt(names.length);
  return names.map((name) => ({ name, slot: fnv1a(name) % dimension, value }));
}
