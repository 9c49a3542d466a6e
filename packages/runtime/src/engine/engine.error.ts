/**
 * Errors of operator actions on running instances (incidents, cancellation, version
 * migration): a string `code` the API maps to HTTP/tRPC codes, and `details` about the refusal.
 * @module
 */

/** Every engine error code, what it means, and the HTTP status an API should answer with. */
export const EngineErrorCodes = {
  INSTANCE_NOT_FOUND: { status: 404, description: 'No instance with this id.' },
  INSTANCE_NOT_RUNNING: { status: 409, description: 'The instance is not running any more.' },
  INCIDENT_NOT_FOUND: { status: 404, description: 'No incident with this id.' },
  INCIDENT_NOT_OPEN: { status: 409, description: 'The incident was retried or resolved already.' },
  VERSION_NOT_FOUND: { status: 404, description: 'No published version with this number.' },
  MIGRATION_REFUSED: {
    status: 422,
    description: 'The mapping would leave instances nowhere (see `details.refused`).',
  },
} as const;
export type EngineErrorCode = keyof typeof EngineErrorCodes;

const brand = Symbol.for('waybill.runtime.EngineError');

/**
 * A refused operator action.
 *
 * ```ts
 * try { await retryIncident(db, id, { actor: 'ana' }); }
 * catch (e) { if (isEngineError(e)) reply.status(EngineErrorCodes[e.code].status).send({ code: e.code }); }
 * ```
 */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: EngineErrorCode;
  readonly details: Record<string, unknown>;
  readonly [brand] = true;

  constructor(code: EngineErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** True for an {@link EngineError}. */
export function isEngineError(value: unknown): value is EngineError {
  return typeof value === 'object' && value !== null && brand in value;
}
