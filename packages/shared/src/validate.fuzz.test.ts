import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compile } from './compile/compile.ts';
import { isFlowCompileError } from './compile/compile.error.ts';
import { flowDefinitionSchema } from './flow.schema.ts';
import type { Problem } from './problem.ts';
import { CASE_BUDGET_MS, fuzzParameters, fuzzTimeout, timed } from './test/fuzz.ts';
import { hasErrors, validate } from './validate.ts';

/** The shipped templates' flow definitions: valid, and rich in every kind of node. */
const templatesDir = new URL('../../../templates/', import.meta.url);
const templates: unknown[] = readdirSync(templatesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules')
  .map((entry) => new URL(`${entry.name}/flow.json`, templatesDir))
  .map((url) => JSON.parse(readFileSync(url, 'utf8')) as unknown);

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type Path = (string | number)[];

/** Every path to a value inside `value`, the root first. */
function pathsOf(value: JsonValue, path: Path = []): Path[] {
  const paths: Path[] = [path];
  if (Array.isArray(value)) value.forEach((item, i) => paths.push(...pathsOf(item, [...path, i])));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...path, key]));
  }
  return paths;
}

function at(root: JsonValue, path: Path): JsonValue {
  return path.reduce<JsonValue>(
    (value, key) => (value as Record<string | number, JsonValue>)[key] as JsonValue,
    root,
  );
}

type Mutation =
  | { kind: 'delete' }
  | { kind: 'replace'; value: JsonValue }
  | { kind: 'copy-from'; source: number }
  | { kind: 'duplicate' };

/** Applies one mutation at one path of `root` (a deep copy is mutated and returned). */
function mutate(root: JsonValue, pick: number, mutation: Mutation): JsonValue {
  const copy = structuredClone(root);
  const paths = pathsOf(copy);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) return mutation.kind === 'replace' ? mutation.value : copy;
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, JsonValue> | JsonValue[];
  const key = path[path.length - 1]!;
  switch (mutation.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    case 'replace':
      (parent as Record<string | number, JsonValue>)[key] = mutation.value;
      break;
    case 'copy-from': {
      // Another value of the same document: node ids, edge ends and types in the wrong place.
      const source = paths[mutation.source % paths.length]!;
      (parent as Record<string | number, JsonValue>)[key] = structuredClone(at(copy, source));
      break;
    }
    case 'duplicate':
      if (Array.isArray(parent)) parent.push(structuredClone(parent[Number(key)]!));
      break;
  }
  return copy;
}

const json = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<JsonValue>;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.constant<Mutation>({ kind: 'delete' }),
  json.map<Mutation>((value) => ({ kind: 'replace', value })),
  fc
    .constantFrom<JsonValue>('', 'x', -1, 0, 1e21, 'PT-1S', '${x}', '__proto__', 'end', [], {})
    .map<Mutation>((value) => ({ kind: 'replace', value })),
  fc.nat().map<Mutation>((source) => ({ kind: 'copy-from', source })),
  fc.constant<Mutation>({ kind: 'duplicate' }),
);

/** A template with one to four mutations, or (rarely) any JSON at all. */
const flows: fc.Arbitrary<JsonValue> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...(templates as JsonValue[])),
        fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 4 }),
      )
      .map(([flow, edits]) => edits.reduce((f, [pick, m]) => mutate(f, pick, m), flow)),
  },
  { weight: 1, arbitrary: json },
);

/** A problem says what (code, message) and where (node, edge or field). */
function expectClear(problem: Problem): void {
  expect(problem.code).toMatch(/^[a-z][a-z_-]*(?:\.[a-z][a-z_-]*)+$/);
  expect(['error', 'warning']).toContain(problem.severity);
  expect(problem.message.trim()).not.toBe('');
  expect(problem.nodeId === null || typeof problem.nodeId === 'string').toBe(true);
  expect(typeof problem.field).toBe('string');
  // Only a problem with the document as a whole (not an object, a stray top-level key named in
  // the message) has no node, edge or field.
  if (problem.nodeId === null && problem.edgeId === undefined && problem.field === '') {
    expect(problem.code).toMatch(/^schema\./);
  }
}

describe('validate() and compile() under mutated definitions', () => {
  test('the templates are valid, so every problem found below comes from a mutation', () => {
    expect(templates.length).toBeGreaterThan(0);
    for (const flow of templates)
      expect(validate(flow).filter((p) => p.severity === 'error')).toEqual([]);
  });

  test(
    'validate() returns clear problems and never throws',
    () => {
      fc.assert(
        fc.property(flows, (flow) => {
          const result = timed(() => validate(flow));
          expect(result.ms).toBeLessThan(CASE_BUDGET_MS);
          if (!result.ok) throw result.error;
          for (const problem of result.value) expectClear(problem);
        }),
        fuzzParameters(150),
      );
    },
    fuzzTimeout(150),
  );

  test(
    'compile() builds what validate() accepts and refuses the rest with a FlowCompileError',
    () => {
      fc.assert(
        fc.property(flows, (flow) => {
          const parsed = flowDefinitionSchema.safeParse(flow);
          fc.pre(parsed.success);
          if (!parsed.success) return;
          const problems = validate(flow);
          const result = timed(() => compile(parsed.data));
          expect(result.ms).toBeLessThan(CASE_BUDGET_MS);
          if (!hasErrors(problems)) {
            if (!result.ok) throw result.error;
            return;
          }
          expect(result.ok).toBe(false);
          if (result.ok) return;
          if (!isFlowCompileError(result.error)) throw result.error;
          expect(result.error.problems.length).toBeGreaterThan(0);
          for (const problem of result.error.problems) expectClear(problem);
        }),
        fuzzParameters(60),
      );
    },
    fuzzTimeout(60),
  );

  test.each(['__proto__', 'prototype'])('a variable named %s is reported, not a crash', (name) => {
    const flow = structuredClone(templates[0]) as { variables: { name: string }[] };
    flow.variables[0]!.name = name;
    expect(validate(flow)).toContainEqual(
      expect.objectContaining({ code: 'variable.reserved', field: 'variables.0.name' }),
    );
  });

  test('a one-letter variable of an object type is checked like any other', () => {
    const flow = structuredClone(templates[0]) as { variables: { name: string; type: unknown }[] };
    flow.variables[0] = { name: 'x', type: { object: { qty: 'number' } } };
    expect(() => validate(flow)).not.toThrow();
  });
});
