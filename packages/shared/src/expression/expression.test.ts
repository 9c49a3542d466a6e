import { describe, expect, test } from 'vitest';
import { flowDefinitionSchema } from '../flow.schema.ts';
import { billingReadinessInput } from '../test/billing-readiness.fixture.ts';
import { bindActivation, checkExpression, evaluateExpression } from './expression.ts';
import { buildExpressionEnvironment, describeScope } from './expression-environment.ts';
import { ExpressionErrorCode, isExpressionError } from './expression.error.ts';

const flow = flowDefinitionSchema.parse({
  ...billingReadinessInput,
  variables: [...billingReadinessInput.variables, { name: 'attempts', type: 'integer' }],
  events: [
    ...billingReadinessInput.events,
    { type: 'credit.released', payload: { object: { releasedBy: 'string', limit: 'number' } } },
  ],
});
const env = buildExpressionEnvironment(flow);

describe('checkExpression', () => {
  test.each([
    ['shipment != null && shipment.totalQty > 0', 'bool'],
    ['pricing.variancePct <= params.tolerancePct', 'bool'],
    ['!order.podRequired || pod != null', 'bool'],
    ['order.podRequired != null', 'bool'],
    ['shipment.lines.all(l, l.qty > 0)', 'bool'],
    ['shipment.lines.map(l, l.sku)', 'list<string>'],
    ['shipment.totalQty', 'double'],
    ['order.lineCount', 'int'],
    ['attempts + 1', 'int'],
    ['pod.signedAt', 'string'],
    ['timestamp(pod.signedAt) < timestamp("2030-01-01T00:00:00Z")', 'bool'],
    ['review.anything.goes', 'dyn'],
    ['params.readinessSla', 'string'],
    ['{"qty": shipment.totalQty, "sku": "A-1"}', 'map<string, dyn>'],
    ['[shipment.lines.map(l, l.sku), ["X"]].flatten()', 'list<string>'],
  ])('%s is %s', (expr, type) => {
    expect(checkExpression(expr, env)).toEqual({ ok: true, type });
  });

  test.each([
    // [expression, engine reason, 1-based range (end exclusive)]
    ['shipment.totalQty > "0"', 'no_such_overload', { start: 1, end: 24 }],
    ['shipment.weight > 0', 'no_such_key', { start: 10, end: 16 }],
    ['shipmnt != null', 'unknown_variable', { start: 1, end: 8 }],
    ['shipment.totalQty >', 'unexpected_token', { start: 20, end: 21 }],
    ['params.missing', 'no_such_key', { start: 8, end: 15 }],
    ['event.releasedBy', 'unknown_variable', { start: 1, end: 6 }],
    // CEL has no implicit int → double conversion in arithmetic: write 2.0.
    ['shipment.totalQty * 2', 'no_such_overload', { start: 1, end: 22 }],
    // flatten() takes a list of lists.
    ['shipment.lines.map(l, l.sku).flatten()', 'no_matching_overload', { start: 1, end: 39 }],
  ])('%s is rejected (%s)', (expr, reason, range) => {
    const result = checkExpression(expr, env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toMatchObject({ reason, range });
  });

  test('the error message names the problem, not the whole expression', () => {
    const result = checkExpression('shipment.totalQty > "0"', env);
    expect(result).toMatchObject({
      ok: false,
      problems: [{ message: 'no such overload: double > string' }],
    });
  });

  test('event is typed from the binding of the event type in scope', () => {
    const scoped = buildExpressionEnvironment(flow, { eventType: 'credit.released' });
    expect(checkExpression('event.limit > 1000.0', scoped)).toEqual({ ok: true, type: 'bool' });
    expect(checkExpression('event.nope', scoped).ok).toBe(false);
    const untyped = buildExpressionEnvironment(flow, { eventType: 'pod.received' });
    expect(checkExpression('event.anything', untyped)).toEqual({ ok: true, type: 'dyn' });
  });

  test('repeated checks are answered from the cache', () => {
    expect(checkExpression('shipment != null', env)).toBe(checkExpression('shipment != null', env));
  });
});

describe('evaluateExpression', () => {
  const vars = {
    order: { orderNumber: 'SO-1', podRequired: true, lineCount: 2 },
    shipment: {
      totalQty: 12,
      lines: [
        { sku: 'A-1', qty: 10 },
        { sku: 'B-2', qty: 2.5 },
      ],
    },
    pricing: { variancePct: 2, currency: 'EUR' },
    pod: null,
    params: { tolerancePct: 2 },
  };

  test.each([
    ['shipment.totalQty > 0', true],
    ['shipment.totalQty > 0.5', true],
    ['shipment.totalQty == 12', true],
    ['pricing.variancePct <= params.tolerancePct', true],
    ['pricing.variancePct < 2', false],
    ['!order.podRequired || pod != null', false],
    ['size(shipment.lines)', 2],
    ['shipment.lines.map(l, l.sku)', ['A-1', 'B-2']],
    ['shipment.lines.map(l, l.qty)', [10, 2.5]],
    ['shipment.totalQty * 2.0', 24],
    ['{"order": order.orderNumber, "lines": [1, 2.5]}', { order: 'SO-1', lines: [1, 2.5] }],
    ['timestamp("2025-03-01T10:00:00Z")', '2025-03-01T10:00:00.000Z'],
    ['has(order.customerId)', false],
    ['pod == null', true],
    ['shipment != null && shipment.totalQty > 0', true],
    ['[shipment.lines.map(l, l.sku), ["C-3"]].flatten()', ['A-1', 'B-2', 'C-3']],
    ['[[], [1.5]].flatten()', [1.5]],
  ])('%s → %j', (expr, expected) => {
    expect(evaluateExpression(expr, vars)).toEqual(expected);
  });

  test('a field of null is an evaluation error that names the field', () => {
    const error = catchError(() => evaluateExpression('pod.signedBy != ""', vars));
    expect(isExpressionError(error)).toBe(true);
    expect(error).toMatchObject({
      code: ExpressionErrorCode.evaluation,
      reason: 'no_such_key',
      expression: 'pod.signedBy != ""',
      range: { start: 5, end: 13 },
    });
  });

  test('a guard written with != null short-circuits instead of failing', () => {
    expect(evaluateExpression('pod != null && pod.signedBy != ""', vars)).toBe(false);
  });

  test.each([
    ['1 +', ExpressionErrorCode.parse, 'unexpected_token'],
    ['1 / 0', ExpressionErrorCode.evaluation, 'division_by_zero'],
    ['b"raw"', ExpressionErrorCode.notJson, 'not_json'],
    ['nobody.knows', ExpressionErrorCode.evaluation, 'unknown_variable'],
  ])('%s fails with %s', (expr, code, reason) => {
    expect(catchError(() => evaluateExpression(expr, vars))).toMatchObject({ code, reason });
  });

  test('values of integer variables become CEL ints, so int arithmetic works', () => {
    const activation = bindActivation(env, { attempts: 2, order: { lineCount: 3 } });
    expect(evaluateExpression('attempts + 1', activation)).toBe(3);
    expect(evaluateExpression('order.lineCount * 2', activation)).toBe(6);
    expect(() => evaluateExpression('attempts + 1', { attempts: 2 })).toThrow(/no such overload/);
  });
});

describe('describeScope', () => {
  test('lists variables, nested fields, list items and params with types', () => {
    const scope = describeScope(env);
    expect(scope).toEqual(
      expect.arrayContaining([
        { name: 'shipment', type: 'object', description: null },
        { name: 'shipment.totalQty', type: 'double', description: null },
        { name: 'shipment.lines', type: 'list<object>', description: null },
        { name: 'shipment.lines[].sku', type: 'string', description: null },
        { name: 'order.lineCount', type: 'int', description: null },
        { name: 'params.tolerancePct', type: 'double', description: null },
        { name: 'params.readinessSla', type: 'string', description: null },
      ]),
    );
    expect(scope.some((entry) => entry.name === 'event')).toBe(false);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
