/**
 * The one error type a connector operation fails with. The runtime decides from `code` and
 * `retryable` whether to try again (and when: `retryAfterMs`) or to take the node's `error` exit.
 *
 * @module
 */

/**
 * Every connector error code, what it means and whether the runtime retries it.
 *
 * ```ts
 * ConnectorErrorCodes.RATE_LIMITED.retryable; // true
 * ```
 */
export const ConnectorErrorCodes = {
  /** A transient failure: 5xx, network error, connection reset. Retried with backoff. */
  RETRYABLE: { retryable: true, description: 'Transient failure; try again later.' },
  /** The external system refused for good: 401/403/404/409, a business rule. Not retried. */
  PERMANENT: { retryable: false, description: 'Refused; retrying will not help.' },
  /** HTTP 429 or a quota: retried no sooner than `retryAfterMs`. */
  RATE_LIMITED: { retryable: true, description: 'Rate limited; retry after the given delay.' },
  /** Config, input or output failed its schema, or the external system rejected the payload (400/422). */
  VALIDATION: { retryable: false, description: 'Invalid config, input or payload.' },
  /** The operation did not finish within its timeout; its signal was aborted. Retried. */
  TIMEOUT: {
    retryable: true,
    description: 'Timed out; the call may or may not have taken effect.',
  },
} as const;

/**
 * `'RETRYABLE' | 'PERMANENT' | 'RATE_LIMITED' | 'VALIDATION' | 'TIMEOUT'`
 *
 * ```ts
 * if (error.code === 'RATE_LIMITED') delayMs = error.retryAfterMs ?? delayMs;
 * ```
 */
export type ConnectorErrorCode = keyof typeof ConnectorErrorCodes;

/**
 * Options of {@link ConnectorError}; `retryable` defaults to the code's entry in {@link ConnectorErrorCodes}.
 *
 * ```ts
 * new ConnectorError('RETRYABLE', 'ERP busy', { details: { status: 503 }, cause: error });
 * ```
 */
export interface ConnectorErrorOptions {
  retryable?: boolean;
  /** For `RATE_LIMITED`: the earliest moment to try again, in ms from now. */
  retryAfterMs?: number;
  /** Structured facts for operators: HTTP status, field issues, the operation, … (no secrets). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/**
 * One field that failed validation, by dotted path; `VALIDATION` errors list them in `details.issues`.
 *
 * ```ts
 * const issue: FieldIssue = { path: 'lines.0.quantity', message: 'Too small: expected number to be >0' };
 * ```
 */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * The JSON form of a {@link ConnectorError}, as the runtime stores it with a failed attempt.
 *
 * ```ts
 * const stored: SerializedConnectorError = error.toJSON();
 * ```
 */
export interface SerializedConnectorError {
  name: 'ConnectorError';
  code: ConnectorErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  details: Record<string, unknown>;
}

// `Symbol.for` so that `isConnectorError` recognises errors thrown by another copy of the SDK
// (a connector bundle may carry its own); `instanceof` alone would not.
const brand = Symbol.for('waybill.connectors-sdk.ConnectorError');

/**
 * A typed connector failure with a string `code`, a `retryable` flag, structured `details` and a
 * native `cause`.
 *
 * ```ts
 * throw new ConnectorError('PERMANENT', 'Customer C-1 is blocked in the ERP', {
 *   details: { customerId: 'C-1' },
 * });
 * ```
 */
export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly code: ConnectorErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown>;
  readonly [brand] = true;

  constructor(code: ConnectorErrorCode, message: string, options: ConnectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? ConnectorErrorCodes[code].retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details ?? {};
  }

  /** Makes `e instanceof ConnectorError` true for errors from another copy of the SDK too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return isConnectorError(value);
  }

  /** The JSON form stored by the runtime (the cause is left out: it may hold anything). */
  toJSON(): SerializedConnectorError {
    return {
      name: 'ConnectorError',
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
      details: this.details,
    };
  }
}

/**
 * True for a {@link ConnectorError}, whichever copy of the SDK created it.
 *
 * ```ts
 * try { await invokeOperation(connector, 'postInvoice', options); }
 * catch (e) { if (isConnectorError(e) && e.retryable) scheduleRetry(e.retryAfterMs); }
 * ```
 */
export function isConnectorError(value: unknown): value is ConnectorError {
  return typeof value === 'object' && value !== null && brand in value && value[brand] === true;
}
