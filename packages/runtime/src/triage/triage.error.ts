/**
 * Errors of training, storing and loading triage models.
 * @module
 */

/** Every triage error code and what it means. */
export const TriageErrorCodes = {
  NOT_ENOUGH_EXAMPLES: 'Too few labelled examples (or categories) to train or evaluate on.',
  MODEL_INVALID: 'A stored model could not be read.',
  MODEL_NOT_FOUND: 'No trained model (or not the version asked for).',
  EXAMPLE_INVALID: 'A labelled example is malformed (see `details.line` / `details.field`).',
  USAGE: 'The command was called with an unknown subcommand or a bad option.',
} as const;
export type TriageErrorCode = keyof typeof TriageErrorCodes;

const brand = Symbol.for('waybill.runtime.TriageError');

/**
 * A triage operation that cannot be done as asked.
 *
 * ```ts
 * try { trainClassifier(examples); }
 * catch (e) { if (isTriageError(e) && e.code === 'NOT_ENOUGH_EXAMPLES') console.error(e.message); }
 * ```
 */
export class TriageError extends Error {
  override readonly name = 'TriageError';
  readonly code: TriageErrorCode;
  readonly details: Record<string, unknown>;
  readonly [brand] = true;

  constructor(code: TriageErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True for a {@link TriageError}. */
export function isTriageError(value: unknown): value is TriageError {
  return typeof value === 'object' && value !== null && brand in value;
}
