/**
 * The error thrown when an expression cannot be parsed or evaluated at run time.
 * @module
 */

/** Why an expression failed. */
export const ExpressionErrorCode = {
  /** The text is not a valid CEL expression. */
  parse: 'EXPRESSION_PARSE',
  /** Evaluation failed: a field of `null`, a missing key, division by zero, a wrong type, … */
  evaluation: 'EXPRESSION_EVALUATION',
  /** The result cannot be represented as JSON (e.g. bytes). */
  notJson: 'EXPRESSION_NOT_JSON',
} as const;
export type ExpressionErrorCode = (typeof ExpressionErrorCode)[keyof typeof ExpressionErrorCode];

const brand = Symbol.for('waybill.ExpressionError');

/**
 * A failed expression: says which expression, why (`code`, and the engine's finer `reason`
 * such as `no_such_key`) and where (`range`, 1-based columns, end exclusive).
 *
 * ```ts
 * try {
 *   evaluateExpression('shipment.totalQty > 0', { shipment: null });
 * } catch (error) {
 *   if (isExpressionError(error)) console.log(error.code, error.reason, error.range);
 * }
 * ```
 */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  readonly code: ExpressionErrorCode;
  /** The engine's own code, e.g. `no_such_key`, `division_by_zero`, `unexpected_token`. */
  readonly reason: string;
  readonly expression: string;
  readonly range: { start: number; end: number } | null;
  readonly [brand] = true;

  constructor(options: {
    code: ExpressionErrorCode;
    reason: string;
    expression: string;
    message: string;
    range?: { start: number; end: number } | null;
    cause?: unknown;
  }) {
    super(`${options.message} in \`${options.expression}\``, { cause: options.cause });
    this.code = options.code;
    this.reason = options.reason;
    this.expression = options.expression;
    this.range = options.range ?? null;
  }
}

/**
 * True for an {@link ExpressionError}, even one created by another copy of this package.
 *
 * ```ts
 * if (isExpressionError(error)) report(error.expression, error.range);
 * ```
 */
export function isExpressionError(error: unknown): error is ExpressionError {
  return typeof error === 'object' && error !== null && brand in error;
}
