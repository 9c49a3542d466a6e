/**
 * The runtime's typed error: a string `code` the API maps to HTTP/tRPC codes, plus the flow
 * problems or fields it is about.
 * @module
 */
import type { Problem } from '@waybill/shared';

/** Every runtime error code and what it means. */
export const RuntimeErrorCodes = {
  FLOW_NOT_FOUND: 'No flow with this key.',
  FLOW_EXISTS: 'A flow with this key exists already.',
  FLOW_NO_DRAFT: 'The flow has no draft to publish.',
  FLOW_INVALID: 'The flow has blocking problems (see `problems`).',
  FLOW_KEY_MISMATCH: 'The key inside the definition differs from the flow key.',
  VERSION_NOT_FOUND: 'No published version with this number.',
  TASK_NOT_FOUND: 'No task with this id.',
  TASK_NOT_OPEN: 'The task was completed or cancelled already.',
  TASK_INVALID_OUTCOME: 'The outcome is not one of the task outcomes.',
  TASK_MISSING_FIELDS: 'Required form fields are missing (see `details.fields`).',
  TASK_INVALID_FIELDS: 'Form values do not fit the form (see `problems`, one per field).',
  TASK_FORBIDDEN: 'The task is not in your inbox (not your groups, not assigned to you).',
  TASK_CLAIMED: 'Someone else claimed the task.',
  TASK_NOT_LOW_RISK: 'The task is not low risk, so it cannot be approved in bulk.',
  ATTACHMENT_NOT_FOUND: 'No attachment with this id on this task.',
  ATTACHMENT_TOO_LARGE: 'The attachment is larger than the limit.',
  ATTACHMENT_TYPE: 'The attachment type is not accepted, or the content is not of that type.',
} as const;
export type RuntimeErrorCode = keyof typeof RuntimeErrorCodes;

const brand = Symbol.for('waybill.runtime.RuntimeError');

/**
 * A refused runtime operation.
 *
 * ```ts
 * try { await publishFlow(db, 'billing', { publishedBy: 'ana' }); }
 * catch (e) { if (isRuntimeError(e) && e.code === 'FLOW_INVALID') console.table(e.problems); }
 * ```
 */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  readonly code: RuntimeErrorCode;
  readonly problems: Problem[];
  readonly details: Record<string, unknown>;
  readonly [brand] = true;

  constructor(
    code: RuntimeErrorCode,
    message: string,
    options: { problems?: Problem[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
    this.details = options.details ?? {};
  }
}

/** True for a {@link RuntimeError}. */
export function isRuntimeError(value: unknown): value is RuntimeError {
  return typeof value === 'object' && value !== null && brand in value;
}
