/**
 * The error `compile()` throws for a definition it cannot turn into a machine.
 * @module
 */
import type { Problem } from '../problem.ts';

const brand = Symbol.for('waybill.FlowCompileError');

/**
 * A flow that cannot be compiled; `problems` holds the validator's errors when that is why.
 *
 * ```ts
 * try {
 *   compile(flow);
 * } catch (error) {
 *   if (isFlowCompileError(error)) for (const p of error.problems) console.log(p.nodeId, p.message);
 * }
 * ```
 */
export class FlowCompileError extends Error {
  override readonly name = 'FlowCompileError';
  readonly code = 'FLOW_INVALID';
  readonly problems: readonly Problem[];
  readonly [brand] = true;

  constructor(message: string, problems: readonly Problem[], options?: { cause?: unknown }) {
    super(message, options);
    this.problems = problems;
  }
}

/**
 * True for a {@link FlowCompileError}, even one created by another copy of this package.
 *
 * ```ts
 * if (isFlowCompileError(error)) showProblems(error.problems);
 * ```
 */
export function isFlowCompileError(error: unknown): error is FlowCompileError {
  return typeof error === 'object' && error !== null && brand in error;
}

/**
 * A connector input expression failed when its node was entered (e.g. it reads a field of a
 * variable that is still `null`). Thrown out of `transition()`: the driver records an incident
 * for the instance instead of committing the transition.
 *
 * ```ts
 * try { deliver(machine, snapshot, event); } catch (e) { if (e instanceof InputEvaluationError) openIncident(e.where); }
 * ```
 */
export class InputEvaluationError extends Error {
  override readonly name = 'InputEvaluationError';
  readonly code = 'INPUT_EVALUATION_FAILED';
  /** `<nodeId>.input.<field>` */
  readonly where: string;

  constructor(where: string, cause: Error) {
    super(`cannot evaluate ${where}: ${cause.message}`, { cause });
    this.where = where;
  }
}
