/**
 * Sessions over HTTP: reading the session cookie of a request, the CSRF and origin checks, and
 * the sign-in / sign-out / session routes under `/auth`.
 *
 * - `POST /auth/sign-in` — JSON `{ username, password }` (or an HTML form post): sets the
 *   session cookie (HTTP-only, SameSite=Strict, Secure over HTTPS) and the CSRF cookie; answers
 *   `{ user, csrfToken }`, or 401 / 423 (locked) / 403 (disabled) with a message to show, or
 *   429 with `Retry-After` once an address has failed too often (see `signInThrottleFromEnv`).
 * - `POST /auth/sign-out` — ends the session; needs the `X-CSRF-Token` header (or a `csrf` form field).
 * - `GET /auth/session` — `{ user, csrfToken }` of the live session, or 401.
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { RateLimiter, signInThrottleFromEnv, type RateLimitConfig } from '../api/rate-limit.ts';
import type { Database } from '../db/schema.ts';
import { isRecord } from '../util.ts';
import { audit } from './audit.ts';
import { isIdentityError } from './identity.error.ts';
import {
  createSession,
  CSRF_COOKIE,
  CSRF_HEADER,
  csrfMatches,
  resolveSession,
  revokeSession,
  SESSION_COOKIE,
  SESSION_LIFETIME,
  type ActiveSession,
} from './sessions.ts';
import { authenticatePassword, type Principal } from './users.ts';

/** The cookies of a request (the first value of each name wins). */
export function cookiesOf(request: FastifyRequest): Record<string, string> {
  const header = request.headers.cookie;
  const cookies: Record<string, string> = {};
  if (typeof header !== 'string') return cookies;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name in cookies) continue;
    try {
      cookies[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      // A malformed value is ignored, as if absent.
    }
  }
  return cookies;
}

/** What a request carries: its session (if any) and whether its CSRF proof holds. */
export interface RequestAuth {
  session: ActiveSession | null;
  /** True when the request proved it comes from our own pages (see {@link csrfProofHolds}). */
  csrfOk: boolean;
}

const resolved = new WeakMap<FastifyRequest, Promise<RequestAuth>>();

/**
 * The session and CSRF proof of a request, resolved once per request.
 *
 * ```ts
 * const { session, csrfOk } = await requestAuth(db, request);
 * ```
 */
export function requestAuth(db: Kysely<Database>, request: FastifyRequest): Promise<RequestAuth> {
  let pending = resolved.get(request);
  if (!pending) {
    pending = resolveRequestAuth(db, request);
    resolved.set(request, pending);
  }
  return pending;
}

async function resolveRequestAuth(
  db: Kysely<Database>,
  request: FastifyRequest,
): Promise<RequestAuth> {
  const token = cookiesOf(request)[SESSION_COOKIE];
  const session = token ? await resolveSession(db, token) : null;
  const header = request.headers[CSRF_HEADER];
  const presented = Array.isArray(header) ? header[0] : header;
  return { session, csrfOk: session !== null && csrfProofHolds(request, session, presented) };
}

/**
 * A state-changing request is ours when it echoes the session's CSRF token (a page of another
 * site can neither read the token nor set the header without a CORS preflight we never grant)
 * and, when the browser names an origin, that origin is this host.
 */
export function csrfProofHolds(
  request: FastifyRequest,
  session: ActiveSession,
  presented: string | null | undefined,
): boolean {
  return sameOrigin(request) && csrfMatches(session.csrfToken, presented);
}

/** False when `Origin` (or, without it, `Referer`) names another host than the request's. */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin ?? request.headers.referer;
  if (typeof origin !== 'string' || origin === '') return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** Whether cookies get `Secure`: over HTTPS, or always with `WAYBILL_SECURE_COOKIES=1`. */
function secureRequest(request: FastifyRequest): boolean {
  if (process.env.WAYBILL_SECURE_COOKIES === '1') return true;
  if (request.protocol === 'https') return true;
  // Behind a TLS-terminating proxy that the operator vouches for.
  return (
    process.env.WAYBILL_TRUST_PROXY === '1' && request.headers['x-forwarded-proto'] === 'https'
  );
}

function cookie(
  name: string,
  value: string,
  options: { httpOnly: boolean; maxAgeSeconds: number; secure: boolean },
): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    'Path=/',
    `Max-Age=${options.maxAgeSeconds}`,
    // Strict: the designer is a single-page app whose API calls are same-site, so links from
    // mail into a task page still work (the page loads, then its own requests carry the cookie).
    'SameSite=Strict',
    ...(options.httpOnly ? ['HttpOnly'] : []),
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

function setSessionCookies(
  reply: FastifyReply,
  request: FastifyRequest,
  values: { token: string; csrfToken: string } | null,
): void {
  const secure = secureRequest(request);
  const maxAgeSeconds = values ? Math.round(SESSION_LIFETIME.hours * 3600) : 0;
  void reply.header('set-cookie', [
    cookie(SESSION_COOKIE, values?.token ?? '', { httpOnly: true, maxAgeSeconds, secure }),
    cookie(CSRF_COOKIE, values?.csrfToken ?? '', { httpOnly: false, maxAgeSeconds, secure }),
  ]);
}

/** The signed-in user as the designer shows it. */
export function userJson(principal: Principal): {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  groups: string[];
  permissions: string[];
} {
  return {
    id: principal.id,
    username: principal.username,
    displayName: principal.displayName,
    roles: [...principal.roles],
    groups: [...principal.groups],
    permissions: [...principal.permissions].sort(),
  };
}

const signInBody = z.object({
  username: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(1000),
});

function isFormPost(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

/**
 * Registers `/auth/sign-in`, `/auth/sign-out` and `/auth/session`.
 *
 * ```ts
 * await authRoutes(app, { db });
 * ```
 */
export async function authRoutes(
  app: FastifyInstance,
  options: {
    db: Kysely<Database>;
    /** Failed sign-ins per client address (default {@link signInThrottleFromEnv}). */
    signInThrottle?: RateLimitConfig | undefined;
  },
): Promise<void> {
  const { db } = options;
  const failures = new RateLimiter(options.signInThrottle ?? signInThrottleFromEnv());
  await app.register((scope, _options, done) => {
    // HTML form posts (a sign-in page without scripts); only these routes accept them.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );

    scope.post('/auth/sign-in', async (request, reply) => {
      const form = isFormPost(request);
      // Login CSRF: a page of another site must not sign a browser into an account of its choosing.
      if (!sameOrigin(request)) {
        return reply
          .code(403)
          .send({ error: 'csrf_failed', message: 'Sign-in from another site is refused.' });
      }
      // Too many failures from this address: refused before any password is checked.
      const gate = failures.peek(request.ip);
      if (!gate.allowed) {
        const message = `Too many failed sign-ins from this address. Try again in ${gate.retryAfterSeconds} s.`;
        reply.header('retry-after', String(gate.retryAfterSeconds));
        if (form)
          return reply
            .code(303)
            .header('location', `/?signInError=${encodeURIComponent(message)}`)
            .send();
        return reply.code(429).send({
          error: 'too_many_sign_in_failures',
          message,
          retryAfterSeconds: gate.retryAfterSeconds,
        });
      }
      const parsed = signInBody.safeParse(request.body);
      if (!parsed.success) {
        return reply.code(400).send({
          error: 'invalid_sign_in',
          message: 'Send a username and a password.',
          fieldErrors: z.flattenError(parsed.error).fieldErrors,
        });
      }
      try {
        const principal = await authenticatePassword(db, parsed.data, { ip: request.ip });
        const session = await createSession(db, principal.id, {
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        await audit(db, {
          actor: principal.username,
          kind: 'auth.signed_in',
          subject: `user:${principal.username}`,
          details: { ip: request.ip, method: 'password' },
        });
        setSessionCookies(reply, request, session);
        if (form) return reply.code(303).header('location', '/').send();
        return { user: userJson(principal), csrfToken: session.csrfToken };
      } catch (error) {
        if (!isIdentityError(error)) throw error;
        // A wrong password, an unknown user, a locked or disabled account all count.
        failures.take(request.ip);
        if (form)
          return reply
            .code(303)
            .header('location', `/?signInError=${encodeURIComponent(error.message)}`)
            .send();
        return reply
          .code(error.status)
          .send({ error: error.code.toLowerCase(), message: error.message, ...error.details });
      }
    });

    scope.post('/auth/sign-out', async (request, reply) => {
      const token = cookiesOf(request)[SESSION_COOKIE];
      const { session } = await requestAuth(db, request);
      if (session && token) {
        const body: unknown = request.body;
        const formToken = isRecord(body) && typeof body.csrf === 'string' ? body.csrf : null;
        const header = request.headers[CSRF_HEADER];
        const presented = (Array.isArray(header) ? header[0] : header) ?? formToken;
        if (!csrfProofHolds(request, session, presented)) {
          await audit(db, {
            actor: session.principal.username,
            kind: 'access.denied',
            subject: 'http:POST /auth/sign-out',
            details: { reason: 'csrf' },
          });
          return reply.code(403).send({
            error: 'csrf_failed',
            message: `Send the session's CSRF token in the ${CSRF_HEADER} header.`,
          });
        }
        await revokeSession(db, token);
        await audit(db, {
          actor: session.principal.username,
          kind: 'auth.signed_out',
          subject: `user:${session.principal.username}`,
        });
      }
      setSessionCookies(reply, request, null);
      if (isFormPost(request)) return reply.code(303).header('location', '/').send();
      return { signedOut: true };
    });

    scope.get('/auth/session', async (request, reply) => {
      const { session } = await requestAuth(db, request);
      void reply.header('cache-control', 'no-store');
      if (!session)
        return reply.code(401).send({ error: 'unauthenticated', message: 'Not signed in.' });
      return { user: userJson(session.principal), csrfToken: session.csrfToken };
    });
    done();
  });
}
