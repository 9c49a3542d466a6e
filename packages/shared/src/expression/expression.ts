/**
 * Checking and evaluating expressions.
 *
 * Checking is typed (against a flow's {@link ExpressionEnvironment}); evaluation runs on plain
 * JSON values, so it needs no environment: JSON numbers are CEL `double`s, and values of
 * variables declared `integer` become `int`s through {@link bindActivation}. Comparisons mix
 * `int` and `double` freely (`shipment.totalQty > 0`); arithmetic does not (CEL has no implicit
 * conversion): write `pricing.amount * 2.0`, or `double(count) * pricing.amount`.
 *
 * A field of `null` is an evaluation error (`no_such_key`): guard with `shipment != null && …`
 * or `has(shipment.totalQty)`.
 * @module
 */
import { Environment, EvaluationError, Optional, ParseError } from '@marcbachmann/cel-js';
import type { ParseResult, TypeCheckResult } from '@marcbachmann/cel-js';
import type { TypeSpec } from '../flow.schema.ts';
import type { Json } from '../machine-protocol.ts';
import { celEnvironmentOptions, registerWaybillFunctions } from './expression-environment.ts';
import type { ExpressionEnvironment } from './expression-environment.ts';
import { ExpressionError, ExpressionErrorCode } from './expression.error.ts';

/** A problem in an expression; `range` is 1-based, end exclusive (a Monaco column range). */
export interface ExpressionProblem {
  message: string;
  /** The engine's code, e.g. `no_such_overload`, `unknown_variable`, `unexpected_token`. */
  reason: string;
  range: { start: number; end: number };
}

export type ExpressionCheckResult =
  { ok: true; type: string } | { ok: false; problems: ExpressionProblem[] };

const checkCache = new WeakMap<ExpressionEnvironment, Map<string, ExpressionCheckResult>>();

/**
 * Parses and type-checks `expr` against `env`.
 *
 * ```ts
 * checkExpression('shipment.totalQty > "0"', env);
 * // { ok: false, problems: [{ message: 'no such overload: double > string', range: { start: 1, end: 25 }, … }] }
 * ```
 */
export function checkExpression(expr: string, env: ExpressionEnvironment): ExpressionCheckResult {
  let cache = checkCache.get(env);
  if (!cache) checkCache.set(env, (cache = new Map<string, ExpressionCheckResult>()));
  let result = cache.get(expr);
  if (!result) cache.set(expr, (result = toCheckResult(expr, env.cel.check(expr))));
  return result;
}

function toCheckResult(expr: string, checked: TypeCheckResult): ExpressionCheckResult {
  if (checked.valid) return { ok: true, type: checked.type ?? 'dyn' };
  const error = checked.error;
  if (!error)
    return { ok: false, problems: [{ message: 'invalid', reason: 'invalid', range: whole(expr) }] };
  return {
    ok: false,
    problems: [{ message: error.summary, reason: error.code, range: columns(error.range, expr) }],
  };
}

function whole(expr: string): { start: number; end: number } {
  return { start: 1, end: Math.max(2, expr.length + 1) };
}

/** Engine offsets are 0-based; editors count columns from 1. Never return an empty range. */
function columns(
  range: { start: number; end: number } | undefined,
  expr: string,
): { start: number; end: number } {
  if (!range) return whole(expr);
  return { start: range.start + 1, end: Math.max(range.end, range.start + 1) + 1 };
}

// Evaluation needs no declarations: values are plain JSON and every name is `dyn`.
let evaluator: Environment | undefined;
const parsed = new Map<string, ParseResult>();
const parsedLimit = 10_000;

function parseCached(expr: string): ParseResult {
  let result = parsed.get(expr);
  if (result) return result;
  evaluator ??= registerWaybillFunctions(
    new Environment({ ...celEnvironmentOptions, unlistedVariablesAreDyn: true }),
  );
  try {
    result = evaluator.parse(expr);
  } catch (error) {
    throw toExpressionError(expr, error);
  }
  // A compiled flow evaluates the same few expressions over and over; the bound only protects
  // a long-lived process that sees an unbounded variety of them.
  if (parsed.size >= parsedLimit) parsed.clear();
  parsed.set(expr, result);
  return result;
}

/**
 * Evaluates `expr` over `activation` (name → value) and returns the result as JSON
 * (`int` → number, maps → objects, timestamps → ISO strings).
 *
 * ```ts
 * evaluateExpression('pricing.variancePct <= params.tolerancePct', {
 *   pricing: { variancePct: 0.4 },
 *   params: { tolerancePct: 1 },
 * }); // true
 * ```
 * @throws ExpressionError when the text does not parse or evaluation fails.
 */
export function evaluateExpression(expr: string, activation: Record<string, unknown>): Json {
  const run = parseCached(expr);
  let value: unknown;
  try {
    value = run(activation);
  } catch (error) {
    throw toExpressionError(expr, error);
  }
  return toJson(value, expr);
}

function toExpressionError(expr: string, error: unknown): ExpressionError {
  if (error instanceof ParseError || error instanceof EvaluationError) {
    return new ExpressionError({
      code:
        error instanceof ParseError ? ExpressionErrorCode.parse : ExpressionErrorCode.evaluation,
      reason: error.code,
      expression: expr,
      message: error.summary,
      range: error.range ? columns(error.range, expr) : null,
      cause: error,
    });
  }
  return new ExpressionError({
    code: ExpressionErrorCode.evaluation,
    reason: 'internal',
    expression: expr,
    message: error instanceof Error ? error.message : String(error),
    cause: error,
  });
}

/**
 * Converts an engine value to JSON.
 * @throws ExpressionError (`EXPRESSION_NOT_JSON`) for bytes and non-finite numbers.
 */
function toJson(value: unknown, expr: string): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw notJson(expr, `the result ${value} is not a finite number`);
  }
  if (typeof value === 'object') return objectToJson(value, expr);
  throw notJson(expr, `a ${typeof value} is not JSON`);
}

function objectToJson(value: object, expr: string): Json {
  if (Array.isArray(value) || value instanceof Set) {
    return Array.from(value, (item: unknown) => toJson(item, expr));
  }
  if (value instanceof Map) {
    const object: Record<string, Json> = {};
    for (const [key, item] of value) object[String(key)] = toJson(item, expr);
    return object;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Optional) return value.hasValue() ? toJson(value.value(), expr) : null;
  if (ArrayBuffer.isView(value))
    throw notJson(expr, 'bytes are not JSON; use .string() or .base64()');
  // Values of CEL's own classes (types, uints) have no JSON form; results are data. A record
  // without a prototype (`Object.create(null)`) is data too.
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw notJson(expr, `a ${value.constructor.name} value is not JSON`);
  }
  const object: Record<string, Json> = {};
  for (const [key, item] of Object.entries(value)) object[key] = toJson(item, expr);
  return object;
}

function notJson(expr: string, message: string): ExpressionError {
  return new ExpressionError({
    code: ExpressionErrorCode.notJson,
    reason: 'not_json',
    expression: expr,
    message,
  });
}

/**
 * Prepares JSON values for evaluation: values of names (and fields) declared `integer` become
 * CEL `int`s, so `count + 1` works as it type-checked. Names not declared in `env` pass as is.
 *
 * ```ts
 * const activation = bindActivation(env, { ...context.vars, params });
 * evaluateExpression('attempts + 1 < params.maxAttempts', activation);
 * ```
 */
export function bindActivation(
  env: ExpressionEnvironment,
  values: Record<string, Json>,
): Record<string, unknown> {
  const activation: Record<string, unknown> = { ...values };
  for (const declaration of env.declarations) {
    const value = values[declaration.name];
    if (value !== undefined) activation[declaration.name] = withInts(value, declaration.type);
  }
  return activation;
}

function withInts(value: Json, spec: TypeSpec): unknown {
  if (spec === 'integer') {
    return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof spec === 'string' || !hasInteger(spec) || value === null) return value;
  if ('list' in spec)
    return Array.isArray(value) ? value.map((item) => withInts(item, spec.list)) : value;
  if (typeof value !== 'object' || Array.isArray(value)) return value;
  const object: Record<string, unknown> = { ...value };
  for (const [field, fieldSpec] of Object.entries(spec.object)) {
    const item = value[field];
    if (item !== undefined) object[field] = withInts(item, fieldSpec);
  }
  return object;
}

const integerCache = new WeakMap<object, boolean>();

function hasInteger(spec: TypeSpec): boolean {
  if (typeof spec === 'string') return spec === 'integer';
  let known = integerCache.get(spec);
  if (known === undefined) {
    known = 'list' in spec ? hasInteger(spec.list) : Object.values(spec.object).some(hasInteger);
    integerCache.set(spec, known);
  }
  return known;
}
