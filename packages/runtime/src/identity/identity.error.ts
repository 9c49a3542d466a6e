/**
 * The identity layer's typed error: a string `code` the API edge maps to HTTP statuses and tRPC
 * codes, a message fit to show the user, and the fields it is about.
 * @module
 */

/** Every identity error code, its HTTP status and what it means. */
export const IdentityErrorCodes = {
  SIGN_IN_FAILED: { status: 401, meaning: 'Unknown user or wrong password.' },
  ACCOUNT_LOCKED: { status: 423, meaning: 'Too many failed sign-ins; locked for a while.' },
  ACCOUNT_DISABLED: { status: 403, meaning: 'The account was disabled by an administrator.' },
  UNAUTHENTICATED: { status: 401, meaning: 'No valid session: sign in.' },
  CSRF_FAILED: {
    status: 403,
    meaning: 'The request lacks the session CSRF token or came from another origin.',
  },
  FORBIDDEN: { status: 403, meaning: 'The signed-in user lacks the permission.' },
  USER_NOT_FOUND: { status: 404, meaning: 'No user with this id or username.' },
  USER_EXISTS: { status: 409, meaning: 'A user with this username exists already.' },
  GROUP_NOT_FOUND: { status: 404, meaning: 'No group with this key.' },
  GROUP_EXISTS: { status: 409, meaning: 'A group with this key exists already.' },
  INVALID_ROLE: { status: 400, meaning: 'The role is not one of the known roles.' },
  INVALID_USERNAME: {
    status: 400,
    meaning: 'The username has characters a username may not have.',
  },
  INVALID_GROUP_KEY: { status: 400, meaning: 'The group key has characters a key may not have.' },
  WEAK_PASSWORD: { status: 400, meaning: 'The password is too short.' },
  INVALID_MANAGER: { status: 400, meaning: 'The manager is unknown or the user themself.' },
} as const;
export type IdentityErrorCode = keyof typeof IdentityErrorCodes;

const brand = Symbol.for('waybill.identity.IdentityError');

/**
 * A refused identity operation.
 *
 * ```ts
 * try { await signIn(db, { username, password }); }
 * catch (e) { if (isIdentityError(e) && e.code === 'ACCOUNT_LOCKED') show(e.message); }
 * ```
 */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  readonly code: IdentityErrorCode;
  readonly details: Record<string, unknown>;
  readonly [brand] = true;

  constructor(code: IdentityErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.code = code;
    this.details = details;
  }

  /** The HTTP status the code documents. */
  get status(): number {
    return IdentityErrorCodes[this.code].status;
  }
}

/** True for an {@link IdentityError} (also across duplicate module copies). */
export function isIdentityError(value: unknown): value is IdentityError {
  return typeof value === 'object' && value !== null && brand in value;
}
