/** Bearer authentication, scope checks and per-key rate limiting for the external HTTP API. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { authenticateApiKey, hasScope, type ApiKeyIdentity, type ApiScope } from './api-keys.ts';
import type { Counter } from './metrics.ts';
import type { RateLimiter } from './rate-limit.ts';

/** What the guard needs: the database, the per-key limiter and a counter of refusals. */
export interface AuthContext {
  db: Kysely<Database>;
  limiter: RateLimiter;
  /** Counts 401/403/429 answers by reason. */
  refused?: Counter;
}

/** The bearer token of a request, if it has one. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/**
 * Authenticates the request, checks `scope` and takes a rate-limit token for the key. On failure
 * it answers (401 with `WWW-Authenticate: Bearer`, 403 naming the missing scope, or 429 with
 * `Retry-After`) and returns null: the caller stops.
 *
 * ```ts
 * app.post('/api/v1/x', { onRequest: async (req, reply) => { await requireApiKey(auth, req, reply, 'admin'); } }, handler);
 * ```
 */
export async function requireApiKey(
  auth: AuthContext,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: ApiScope,
): Promise<ApiKeyIdentity | null> {
  const token = bearerToken(request);
  const identity = token ? await authenticateApiKey(auth.db, token) : null;
  if (!identity) {
    auth.refused?.inc({ reason: 'unauthorized' });
    await reply
      .code(401)
      .header('WWW-Authenticate', 'Bearer realm="waybill"')
      .send({
        error: 'unauthorized',
        message: token
          ? 'The API key is unknown or revoked.'
          : 'Send an API key as "Authorization: Bearer <key>".',
      });
    return null;
  }
  // Limit before the scope check, so a misconfigured client hammering a forbidden route is slowed too.
  const decision = auth.limiter.take(identity.id);
  if (!decision.allowed) {
    auth.refused?.inc({ reason: 'rate_limited' });
    await reply
      .code(429)
      .header('Retry-After', String(decision.retryAfterSeconds))
      .send({
        error: 'rate_limited',
        message: `API key "${identity.name}" is over its limit of ${auth.limiter.config.ratePerSecond} requests per second; retry after ${decision.retryAfterSeconds} s.`,
        retryAfterSeconds: decision.retryAfterSeconds,
      });
    return null;
  }
  if (!hasScope(identity, scope)) {
    auth.refused?.inc({ reason: 'forbidden' });
    await reply.code(403).send({
      error: 'forbidden',
      message: `API key "${identity.name}" lacks the scope ${scope} (it has: ${identity.scopes.join(', ') || 'none'}). Create a key with it: waybill keys create --name <name> --scope ${scope}.`,
      requiredScope: scope,
    });
    return null;
  }
  return identity;
}

const identities = new WeakMap<FastifyRequest, ApiKeyIdentity>();

/**
 * An `onRequest` hook that guards a route with `scope`; the handler reads the key with
 * {@link identityOf}. Authentication runs before the body is read, so unauthenticated clients
 * learn nothing else.
 *
 * ```ts
 * app.get('/api/v1/instances', { onRequest: guard(auth, 'instances:read') }, handler);
 * ```
 */
export function guard(
  auth: AuthContext,
  scope: ApiScope,
): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (request, reply) => {
    const identity = await requireApiKey(auth, request, reply, scope);
    if (identity) identities.set(request, identity);
  };
}

/** The key that passed the route's guard (null on unguarded routes). */
export function identityOf(request: FastifyRequest): ApiKeyIdentity | null {
  return identities.get(request) ?? null;
}
