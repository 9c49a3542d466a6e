import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { flowDefinitionSchema } from '../flow.schema.ts';
import type { Json } from '../machine-protocol.ts';
import { billingReadinessInput } from '../test/billing-readiness.fixture.ts';
import { CASE_BUDGET_MS, fuzzParameters, fuzzTimeout, timed } from '../test/fuzz.ts';
import { buildExpressionEnvironment } from './expression-environment.ts';
import { checkExpression, evaluateExpression } from './expression.ts';
import { ExpressionErrorCode, isExpressionError } from './expression.error.ts';

const env = buildExpressionEnvironment(flowDefinitionSchema.parse(billingReadinessInput));

/** Expressions the billing-readiness flow and the docs use: the seeds of the mutations. */
const seeds = [
  'shipment != null && shipment.totalQty > 0',
  'pricing.variancePct <= params.tolerancePct',
  '!order.podRequired || pod != null',
  'shipment.lines.all(l, l.qty > 0)',
  'shipment.lines.map(l, l.sku)',
  'timestamp(pod.signedAt) < timestamp("2030-01-01T00:00:00Z")',
  '{"qty": shipment.totalQty, "sku": "A-1"}',
  '[shipment.lines.map(l, l.sku), ["X"]].flatten()',
  'has(shipment.totalQty) ? shipment.totalQty * 2.0 : 0.0',
  'size(order.orderId) > 3 && order.orderId.startsWith("SO-")',
];

const tokens = [
  ...['shipment', 'order', 'pricing', 'pod', 'params', 'review', 'lines', 'l', 'x', 'totalQty'],
  ...['&&', '||', '!', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '?', ':'],
  ...['(', ')', '[', ']', '{', '}', '.', ',', 'in', 'has', 'size', 'map', 'all', 'exists'],
  ...['null', 'true', 'false', '0', '1', '-1', '2.5', '1e308', '9223372036854775807', '0u'],
  ...['"a"', "'b'", '"""c"""', 'b"x"', '"\\u00e9"', '"', "'", '\\', '`', ' ', '\n'],
];

/** An edit of a seed: characters inserted, deleted or replaced at a random place. */
const mutated = fc
  .tuple(
    fc.constantFrom(...seeds),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.nat({ max: 4 }),
        fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 3 })),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([seed, edits]) =>
    edits.reduce((text, [at, remove, insert]) => {
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + remove);
    }, seed),
  );

/** Bounded input of three kinds: mutated seeds, token soup and arbitrary text. */
const expressions = fc.oneof(
  mutated,
  fc.array(fc.constantFrom(...tokens), { maxLength: 30 }).map((t) => t.join(' ')),
  fc.string({ maxLength: 80, unit: 'grapheme' }),
  fc.string({ maxLength: 80, unit: 'binary' }),
);

const json: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;
const activations = fc.record({
  shipment: fc.oneof(
    json,
    fc.record({ totalQty: json, lines: fc.array(fc.record({ qty: json, sku: json })) }),
  ),
  order: fc.oneof(json, fc.record({ orderId: json, podRequired: json })),
  pricing: json,
  pod: json,
  params: fc.dictionary(fc.string({ maxLength: 12 }), json, { maxKeys: 3 }),
});

/**
 * The range of an expression problem lies within the text (1-based, end exclusive); an
 * unexpected end of input is the one column just past the text.
 */
function expectRangeWithin(range: { start: number; end: number }, expr: string): void {
  expect(range.start).toBeGreaterThanOrEqual(1);
  expect(range.start).toBeLessThanOrEqual(expr.length + 1);
  expect(range.end).toBeGreaterThan(range.start);
  expect(range.end).toBeLessThanOrEqual(expr.length + 2);
}

describe('expressions under arbitrary input', () => {
  test(
    'checkExpression returns a type or problems with a message and a range, never throws',
    () => {
      fc.assert(
        fc.property(expressions, (expr) => {
          const result = timed(() => checkExpression(expr, env));
          expect(result.ms).toBeLessThan(CASE_BUDGET_MS);
          if (!result.ok) throw result.error;
          const checked = result.value;
          if (checked.ok) {
            expect(checked.type).not.toBe('');
            return;
          }
          expect(checked.problems.length).toBeGreaterThan(0);
          for (const problem of checked.problems) {
            expect(problem.message.trim()).not.toBe('');
            expect(problem.reason).not.toBe('');
            expectRangeWithin(problem.range, expr);
          }
        }),
        fuzzParameters(300),
      );
    },
    fuzzTimeout(300),
  );

  test(
    'evaluateExpression returns JSON or throws an ExpressionError naming the expression',
    () => {
      fc.assert(
        fc.property(expressions, activations, (expr, activation) => {
          const result = timed(() => evaluateExpression(expr, activation));
          expect(result.ms).toBeLessThan(CASE_BUDGET_MS);
          if (result.ok) {
            expect(JSON.parse(JSON.stringify(result.value))).toEqual(result.value);
            return;
          }
          const error = result.error;
          if (!isExpressionError(error)) throw error;
          expect(Object.values(ExpressionErrorCode)).toContain(error.code);
          expect(error.expression).toBe(expr);
          expect(error.reason).not.toBe('');
          expect(error.message).toContain(expr);
          if (error.range) expectRangeWithin(error.range, expr);
        }),
        fuzzParameters(300),
      );
    },
    fuzzTimeout(300),
  );

  test('a record without a prototype evaluates like any other record', () => {
    const shipment = Object.assign(Object.create(null) as Record<string, Json>, { qty: 2 });
    expect(evaluateExpression('shipment', { shipment: { lines: [shipment] } })).toEqual({
      lines: [{ qty: 2 }],
    });
  });
});
