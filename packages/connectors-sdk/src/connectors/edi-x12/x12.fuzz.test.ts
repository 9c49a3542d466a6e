import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ediFileToEvents } from './edi-file-to-events.ts';
import { readTransactionSet } from './transaction-set-reader.ts';
import { X12ErrorCodes, isX12Error } from './x12.error.ts';
import type { X12Error } from './x12.error.ts';
import { parseX12, transactionSetsOf } from './x12-parser.ts';

/** Cases per property: `FUZZ_RUNS` when set (for longer runs), else the suite's default. */
function fuzzRuns(suiteDefault: number): number {
  const fromEnv = Number(process.env['FUZZ_RUNS']);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : suiteDefault;
}

/** One case longer than this is a hang, however slow the machine: inputs are bounded in size. */
const CASE_BUDGET_MS = 2_000;

const fixturesDir = new URL('fixtures/', import.meta.url);
const fixtures = readdirSync(fixturesDir)
  .filter((name) => name.endsWith('.edi'))
  .map((name) => readFileSync(new URL(name, fixturesDir), 'utf8'));

type Edit =
  | { kind: 'delete-segment'; at: number }
  | { kind: 'duplicate-segment'; at: number }
  | { kind: 'move-segment'; from: number; to: number }
  | { kind: 'set-element'; at: number; element: number; value: string }
  | { kind: 'text'; at: number; remove: number; insert: string };

/** Applies one edit to an interchange whose segments end with `~` and elements split on `*`. */
function apply(text: string, edit: Edit): string {
  if (edit.kind === 'text') {
    const i = edit.at % (text.length + 1);
    return text.slice(0, i) + edit.insert + text.slice(i + edit.remove);
  }
  const segments = text.split('~');
  const at = ('at' in edit ? edit.at : edit.from) % segments.length;
  switch (edit.kind) {
    case 'delete-segment':
      segments.splice(at, 1);
      break;
    case 'duplicate-segment':
      segments.splice(at, 0, segments[at]!);
      break;
    case 'move-segment':
      segments.splice(edit.to % segments.length, 0, ...segments.splice(at, 1));
      break;
    case 'set-element': {
      const elements = segments[at]!.split('*');
      elements[edit.element % elements.length] = edit.value;
      segments[at] = elements.join('*');
      break;
    }
  }
  return segments.join('~');
}

const values = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '999999999',
    '1.5.5',
    'ABC',
    '20241331',
    '2400',
    'X'.repeat(90),
  ),
  fc.constantFrom('ST', 'SE', 'GS', 'GE', 'IEA', 'HL', 'LIN', 'IT1', '850', '856', '810', '997'),
  fc.constantFrom('~', '*', '>', '^', ':', '\n', '\r\n'),
  fc.string({ maxLength: 8 }),
);
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.nat().map<Edit>((at) => ({ kind: 'delete-segment', at })),
  fc.nat().map<Edit>((at) => ({ kind: 'duplicate-segment', at })),
  fc.tuple(fc.nat(), fc.nat()).map<Edit>(([from, to]) => ({ kind: 'move-segment', from, to })),
  fc
    .tuple(fc.nat(), fc.nat({ max: 20 }), values)
    .map<Edit>(([at, element, value]) => ({ kind: 'set-element', at, element, value })),
  fc
    .tuple(fc.nat(), fc.nat({ max: 6 }), values)
    .map<Edit>(([at, remove, insert]) => ({ kind: 'text', at, remove, insert })),
);

/** A fixture with one to five edits, or (rarely) arbitrary text. */
const interchanges = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(fc.constantFrom(...fixtures), fc.array(edit, { minLength: 1, maxLength: 5 }))
      .map(([text, edits]) => edits.reduce(apply, text)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
);

/** An error says what (a known code, a message) and, unless it is fatal, where (segment). */
function expectLocated(error: X12Error): void {
  expect(isX12Error(error)).toBe(true);
  expect(Object.keys(X12ErrorCodes)).toContain(error.code);
  expect(error.detail.trim()).not.toBe('');
  if (error.fatal) return;
  expect(error.segmentPosition).toBeGreaterThanOrEqual(1);
  expect(error.segmentId).toBeDefined();
  expect(error.message).toMatch(/^segment \d+/);
}

function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

describe('the X12 parser under mutated interchanges', () => {
  test(
    'parseX12() and the readers never throw; every error has a code and a segment position',
    () => {
      fc.assert(
        fc.property(interchanges, (text) => {
          const parsed = timed(() => parseX12(text));
          expect(parsed.ms).toBeLessThan(CASE_BUDGET_MS);
          const { interchange, errors } = parsed.value;
          for (const error of errors) expectLocated(error);
          if (interchange === undefined) {
            expect(errors.some((e) => e.fatal)).toBe(true);
            return;
          }
          for (const set of transactionSetsOf(interchange)) {
            const read = timed(() => readTransactionSet(set));
            expect(read.ms).toBeLessThan(CASE_BUDGET_MS);
            for (const error of read.value.errors) expectLocated(error);
          }
        }),
        { numRuns: fuzzRuns(300) },
      );
    },
    fuzzRuns(300) * CASE_BUDGET_MS,
  );

  test(
    'ediFileToEvents() publishes only clean sets and never throws',
    () => {
      const now = new Date('2026-01-05T10:00:00Z');
      fc.assert(
        fc.property(interchanges, (text) => {
          const result = timed(() => ediFileToEvents(text, { filename: 'in.edi', now }));
          expect(result.ms).toBeLessThan(CASE_BUDGET_MS);
          for (const error of result.value.errors) expectLocated(error);
          for (const event of result.value.events) {
            expect(event.idempotencyKey).toMatch(/^edi:/);
          }
        }),
        { numRuns: fuzzRuns(200) },
      );
    },
    fuzzRuns(200) * CASE_BUDGET_MS,
  );
});
