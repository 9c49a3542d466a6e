/**
 * A problem found in a flow definition. `validate()` returns every problem at once; the designer
 * marks them on the nodes and lists them; publishing is refused while any has severity `error`.
 *
 * ```ts
 * const problems = validate(flow);
 * const blocking = problems.filter((p) => p.severity === 'error');
 * ```
 * @module
 */

export type ProblemSeverity = 'error' | 'warning';

export interface Problem {
  /** Stable machine-readable code, e.g. `edge.unknown-target`, `expr.type`. */
  code: string;
  severity: ProblemSeverity;
  /** The node the problem belongs to; `null` for flow-level problems. */
  nodeId: string | null;
  /** The edge the problem belongs to, when it is about an edge. */
  edgeId?: string;
  /** Dotted path of the field within the node (or the flow), e.g. `conditions.0.expression`. */
  field: string;
  message: string;
  /** For expression problems: 1-based column range within the expression text. */
  range?: { start: number; end: number };
}
