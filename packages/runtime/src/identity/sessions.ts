/**
 * Server-side sessions. The cookie carries a random 256-bit id; only its sha256 is stored, so a
 * copy of the table signs nobody in. Each session has its own CSRF token, which every
 * state-changing request must echo in the `X-CSRF-Token` header.
 * @module
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { sha256Hex } from '../util.ts';
import { loadPrincipal, type Principal } from './users.ts';

/** The HTTP-only cookie holding the session id. */
export const SESSION_COOKIE = 'waybill_session';
/** The cookie the designer reads the CSRF token from (readable by scripts of the same origin). */
export const CSRF_COOKIE = 'waybill_csrf';
/** The header state-changing requests echo the CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Lifetimes: a session ends `WAYBILL_SESSION_HOURS` (default 12) after sign-in, or after
 * `WAYBILL_SESSION_IDLE_MINUTES` (default 120) without a request.
 */
export const SESSION_LIFETIME = {
  hours: numberFromEnv('WAYBILL_SESSION_HOURS') ?? 12,
  idleMinutes: numberFromEnv('WAYBILL_SESSION_IDLE_MINUTES') ?? 120,
};

function numberFromEnv(name: string): number | null {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/** A new session: the cookie value and the CSRF token are returned once, here. */
export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** A live session of a request. */
export interface ActiveSession {
  principal: Principal;
  csrfToken: string;
  expiresAt: Date;
}

/**
 * Opens a session for a signed-in user.
 *
 * ```ts
 * const { token, csrfToken } = await createSession(db, principal.id, { ip: request.ip });
 * ```
 */
export async function createSession(
  db: Kysely<Database>,
  userId: string,
  context: { ip?: string | null; userAgent?: string | null } = {},
): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_LIFETIME.hours * 3_600_000);
  await db
    .insertInto('sessions')
    .values({
      id_hash: sha256Hex(token),
      user_id: userId,
      csrf_token: csrfToken,
      expires_at: expiresAt,
      ip: context.ip ?? null,
      user_agent: context.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return { token, csrfToken, expiresAt };
}

/** Touching `last_seen_at` on every request would write per request; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;

/**
 * The live session of a cookie value: not revoked, not expired, not idle too long, its user
 * still enabled. Returns null otherwise.
 */
export async function resolveSession(
  db: Kysely<Database>,
  token: string,
): Promise<ActiveSession | null> {
  if (token.length < 20 || token.length > 100) return null;
  const idHash = sha256Hex(token);
  const row = await db
    .selectFrom('sessions')
    .select(['user_id', 'csrf_token', 'expires_at', 'last_seen_at', 'revoked_at'])
    .where('id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row || row.revoked_at !== null) return null;
  const now = Date.now();
  if (row.expires_at.getTime() <= now) return null;
  if (row.last_seen_at.getTime() + SESSION_LIFETIME.idleMinutes * 60_000 <= now) return null;
  const principal = await loadPrincipal(db, row.user_id);
  if (!principal) return null;
  if (now - row.last_seen_at.getTime() > TOUCH_EVERY_MS)
    await db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(now) })
      .where('id_hash', '=', idHash)
      .execute();
  return { principal, csrfToken: row.csrf_token, expiresAt: row.expires_at };
}

/** Ends a session (sign-out). Returns whether one was open. */
export async function revokeSession(db: Kysely<Database>, token: string): Promise<boolean> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: new Date() })
    .where('id_hash', '=', sha256Hex(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Compares a presented CSRF token with the session's in constant time. */
export function csrfMatches(expected: string, presented: string | null | undefined): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
