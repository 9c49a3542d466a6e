/**
 * `@waybill/shared`: the pure core the designer (browser) and the runtime (Node) share.
 *
 * - the flow definition format (`flowDefinitionSchema`, `FlowDefinition`, `exitsOf`), also as
 *   JSON Schema for tooling (`flowDefinitionJsonSchema()`);
 * - the expression language (CEL): `buildExpressionEnvironment`, `checkExpression`,
 *   `evaluateExpression`, `describeScope`;
 * - `validate()`: every problem of a definition at once;
 * - `compile()`: a definition → an XState machine that does no I/O, driven with `startFlow` /
 *   `deliver` (or XState's `initialTransition` / `transition`) and speaking the protocol in
 *   `machine-protocol.ts`.
 *
 * ```ts
 * import { compile, deliver, startFlow, validate, hasErrors } from '@waybill/shared';
 * const problems = validate(json);
 * if (!hasErrors(problems)) {
 *   const machine = compile(flowDefinitionSchema.parse(json));
 *   const { snapshot, effects } = startFlow(machine, { trigger: { type: 'order.released', payload } });
 * }
 * ```
 * @module
 */
import { z } from 'zod';
import { flowDefinitionSchema } from './flow.schema.ts';

export * from './flow.schema.ts';
export * from './machine-protocol.ts';
export type { Problem, ProblemSeverity } from './problem.ts';
export { edgeExit, exitTargets, parallelBlocks } from './flow-graph.ts';
export type { ParallelBlock, ParallelBranch } from './flow-graph.ts';
export { durationToMs, resolveDuration, DurationError } from './duration.ts';
export type { DurationErrorCode } from './duration.ts';

export {
  buildExpressionEnvironment,
  describeScope,
  expressionDeclarations,
  reservedExpressionNames,
  typeLabel,
} from './expression/expression-environment.ts';
export type {
  ExpressionDeclaration,
  ExpressionEnvironment,
  ExpressionScope,
  ScopeEntry,
} from './expression/expression-environment.ts';
export { bindActivation, checkExpression, evaluateExpression } from './expression/expression.ts';
export type { ExpressionCheckResult, ExpressionProblem } from './expression/expression.ts';
export {
  ExpressionError,
  ExpressionErrorCode,
  isExpressionError,
} from './expression/expression.error.ts';

export {
  exceptionCategories,
  exceptionCategoryInfo,
  exceptionTaxonomy,
} from './exception-taxonomy.ts';
export type { ExceptionCategory, ExceptionCategoryInfo } from './exception-taxonomy.ts';

export { hasErrors, validate } from './validate.ts';
export type { ConnectorCatalogEntry, FlowCatalogEntry, ValidateOptions } from './validate.ts';

export { compile, timerKey } from './compile/compile.ts';
export type { FlowMachine, FlowOutput } from './compile/compile.ts';
export { compileToConfig } from './compile/machine-config.ts';
export type { FlowMachineConfig } from './compile/machine-config.ts';
export {
  FlowCompileError,
  InputEvaluationError,
  isFlowCompileError,
} from './compile/compile.error.ts';
export { activeNodeIds, canAccept, deliver, startFlow } from './compile/flow-runner.ts';
export type { FlowSnapshot, FlowStep } from './compile/flow-runner.ts';

/**
 * The flow definition format as JSON Schema (draft 2020-12), for editors and CI checks of
 * `flow.json` files.
 *
 * ```ts
 * writeFileSync('flow.schema.json', JSON.stringify(flowDefinitionJsonSchema(), null, 2));
 * ```
 */
export function flowDefinitionJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(flowDefinitionSchema, { io: 'input', unrepresentable: 'any' });
}

// The canonical billing data model (orders, shipments, freight, pricing, POD, billing profiles,
// credit, tax, invoices, credit memos, disputes, remittances) and the canonical event payloads.
export * from './model/index.ts';

// BPMN 2.0 import (with a per-element report) and export.
export { importBpmn, toCel, toEventType } from './bpmn/bpmn-import.ts';
export type { BpmnImportResult, BpmnReportItem, BpmnReportOutcome } from './bpmn/bpmn-import.ts';
export { exportBpmn } from './bpmn/bpmn-export.ts';
export { BpmnImportError, isBpmnImportError } from './bpmn/bpmn.error.ts';
export type { BpmnImportErrorCode } from './bpmn/bpmn.error.ts';

// The check of a human task's form values (the designer and the runtime run the same one).
export { TASK_FORM_TEXT_LIMIT, validateTaskForm } from './task-form.ts';
export type { TaskFormResult, TaskFormValue } from './task-form.ts';
