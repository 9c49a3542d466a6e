/**
 * The platform's HTTP server: ingestion and instance API, health, metrics, OpenAPI, tRPC for the
 * designer, and the designer's static build.
 * @module
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Connection } from '../db/connect.ts';
import { isOutOfSpace, outOfSpaceMessage } from '../db/disk-guard.ts';
import { engineMetrics } from '../engine/metrics.ts';
import { queueDepths } from '../engine/stats.ts';
import { authRoutes } from '../identity/http.ts';
import type { Logger } from '../log.ts';
import { addDatabaseCollectors, createApiMetrics, type ApiMetrics } from './api-metrics.ts';
import { eventsRoute } from './events.route.ts';
import type { AuthContext } from './http-auth.ts';
import { incidentsRoute } from './incidents.route.ts';
import { intelligenceRoute } from '../intelligence/intelligence.route.ts';
import { instancesRoute } from './instances.route.ts';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.ts';
import { openApiDocument } from './openapi.ts';
import { RateLimiter, rateLimitFromEnv, type RateLimitConfig } from './rate-limit.ts';
import { serveDesigner } from './static.ts';
import { addProcessCollectors } from './worker-health.ts';

export interface HttpAppOptions {
  connection: Connection;
  logger: Logger;
  version: string;
  /** Largest event body in bytes (default `WAYBILL_MAX_EVENT_BYTES` or 1 MiB). */
  maxEventBytes?: number | undefined;
  /** Largest body of any other request (default `WAYBILL_MAX_BODY_BYTES` or 4 MiB: flow drafts). */
  maxBodyBytes?: number | undefined;
  /** Per-key rate limit of the external API (default from `WAYBILL_RATE_LIMIT`). */
  rateLimit?: RateLimitConfig | undefined;
  /** Failed sign-ins per client address (default from `WAYBILL_SIGN_IN_FAILURES`). */
  signInThrottle?: RateLimitConfig | undefined;
  /**
   * Which proxies' `X-Forwarded-For` names the client (default `WAYBILL_TRUST_PROXY`, else none):
   * the address sign-in failures are counted by and the logs show.
   */
  trustProxy?: TrustProxy | undefined;
  /** Metrics to add to (default: a registry of the app's own). */
  metrics?: ApiMetrics | undefined;
  /** The designer's build directory; served at `/` when it holds an `index.html`. */
  designerDir?: string | null | undefined;
  /** Registers more routes (the tRPC plugin) before the static fallback. */
  plugins?: ((app: FastifyInstance) => Promise<void>)[] | undefined;
}

/** Default event size limit: `WAYBILL_MAX_EVENT_BYTES` or 1 MiB. */
export function defaultMaxEventBytes(): number {
  return positiveIntFromEnv('WAYBILL_MAX_EVENT_BYTES') ?? 1024 * 1024;
}

/** Default size limit of every other body: `WAYBILL_MAX_BODY_BYTES` or 4 MiB. */
export function defaultMaxBodyBytes(): number {
  return positiveIntFromEnv('WAYBILL_MAX_BODY_BYTES') ?? 4 * 1024 * 1024;
}

/** Which proxies to believe: none, every one, or these addresses and CIDR ranges. */
export type TrustProxy = boolean | string[];

/**
 * `WAYBILL_TRUST_PROXY`: `true` (every proxy) or a comma-separated list of proxy addresses and
 * ranges (`10.0.0.0/8,127.0.0.1`); unset or `false`: the socket's address is the client's.
 *
 * ```ts
 * trustProxyFromEnv({ WAYBILL_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' }); // ['10.0.0.0/8', '127.0.0.1']
 * ```
 */
export function trustProxyFromEnv(
  env: Record<string, string | undefined> = process.env,
): TrustProxy {
  const value = env.WAYBILL_TRUST_PROXY?.trim() ?? '';
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

function positiveIntFromEnv(name: string): number | null {
  const fromEnv = Number(process.env[name]);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : null;
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error && 'statusCode' in error;
}

/** A client's `X-Request-Id` is kept when it is a sane token; otherwise a new UUID is used. */
const REQUEST_ID = /^[\w.:@/-]{1,128}$/;

function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID();
}

/**
 * The content security policy of everything the platform serves. React Flow and Monaco set
 * inline `style` attributes, hence `'unsafe-inline'` for styles only; scripts, Monaco's module
 * workers and fetches stay on the platform's own origin.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every answer, errors and static files included. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

/** Two years, subdomains included: sent only on answers over HTTPS. */
export const HSTS = 'max-age=63072000; includeSubDomains';

const routesByApp = new WeakMap<FastifyInstance, { method: string; url: string }[]>();
const allRoutesByApp = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/**
 * The routes an app registered under `/api/v1` (methods upper-case, fastify paths like
 * `/api/v1/instances/:id`); the OpenAPI test checks each is documented.
 *
 * ```ts
 * apiRoutesOf(app); // [{ method: 'POST', url: '/api/v1/events' }, …]
 * ```
 */
export function apiRoutesOf(app: FastifyInstance): { method: string; url: string }[] {
  return [...(routesByApp.get(app) ?? [])];
}

/**
 * Every route the app registered (methods upper-case, HEAD left out); the authorization test
 * checks each has a rule.
 *
 * ```ts
 * allRoutesOf(app); // [{ method: 'GET', url: '/healthz' }, { method: 'POST', url: '/auth/sign-in' }, …]
 * ```
 */
export function allRoutesOf(app: FastifyInstance): { method: string; url: string }[] {
  return [...(allRoutesByApp.get(app) ?? [])];
}

/**
 * Builds (does not start) the fastify app.
 *
 * ```ts
 * const app = await createHttpApp({ connection, logger, version: '0.1.0' });
 * await app.listen({ port: 3000, host: '0.0.0.0' });
 * ```
 */
export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const { connection, logger } = options;
  const db = connection.db;
  const metrics = options.metrics ?? createApiMetrics();
  addDatabaseCollectors(metrics.registry, db);
  addProcessCollectors(metrics.registry);
  // The in-process worker's counters (transitions, connector attempts and failures, latency).
  metrics.registry.addExposition(() => engineMetrics.toPrometheus());
  const auth: AuthContext = {
    db,
    limiter: new RateLimiter(options.rateLimit ?? rateLimitFromEnv()),
    refused: metrics.refused,
  };
  const app = Fastify({
    logger: false,
    trustProxy: options.trustProxy ?? trustProxyFromEnv(),
    bodyLimit: options.maxBodyBytes ?? defaultMaxBodyBytes(),
    routerOptions: { maxParamLength: 5000 },
    genReqId: (request) => requestIdOf(request.headers['x-request-id']),
  });

  const routes: { method: string; url: string }[] = [];
  const allRoutes: { method: string; url: string }[] = [];
  routesByApp.set(app, routes);
  allRoutesByApp.set(app, allRoutes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      allRoutes.push({ method, url: route.url });
      if (route.url.startsWith('/api/v1')) routes.push({ method, url: route.url });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    // Echo the id on every answer (errors included), so a caller can quote it in a ticket.
    reply.header('x-request-id', request.id);
    // No framing (clickjacking of the sign-in page and of task decisions), no MIME sniffing, no
    // full URLs (task links) leaking to other sites in Referer, and only the platform's own
    // scripts, styles, workers and connections (the designer bundles Monaco; no CDN).
    for (const [name, value] of Object.entries(securityHeaders)) reply.header(name, value);
    // Only over HTTPS: TLS ending here, or at a proxy that says so. Browsers ignore HSTS over
    // plain HTTP, so a forged header gains nothing.
    if (request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https')
      reply.header('strict-transport-security', HSTS);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.httpRequests.inc({
      method: request.method,
      route,
      status: String(reply.statusCode),
    });
    metrics.httpDuration.observe({ method: request.method, route }, seconds);
    // The designer polls tRPC and probes hit /healthz often: log those only at debug level.
    const fields = {
      requestId: request.id,
      method: request.method,
      route,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (route.startsWith('/api/')) logger.info('request completed', fields);
    else logger.debug('request completed', fields);
  });

  app.setErrorHandler(async (error, request, reply) => {
    const status = isFastifyError(error) && error.statusCode ? error.statusCode : 500;
    const message = error instanceof Error ? error.message : String(error);
    if (status === 413) {
      return reply.code(413).send({ error: 'payload_too_large', message });
    }
    if (status === 400 && request.url.startsWith('/api/v1/events')) {
      return reply
        .code(400)
        .send({ error: 'invalid_event', message, fieldErrors: [{ path: '(body)', message }] });
    }
    if (status < 500) {
      return reply.code(status).send({ error: 'bad_request', message });
    }
    if (isOutOfSpace(error)) {
      // Nothing was stored; the client sends again once space is freed.
      logger.error('request refused: disk full', {
        requestId: request.id,
        url: request.url,
        message,
      });
      return reply
        .code(507)
        .send({ error: 'insufficient_storage', message: outOfSpaceMessage(error) });
    }
    logger.error('request failed', {
      requestId: request.id,
      method: request.method,
      url: request.url,
      err: error,
    });
    return reply.code(500).send({
      error: 'internal',
      message: `Internal error; see the server log (request ${request.id}).`,
    });
  });

  app.get('/healthz', async (_request, reply) => {
    try {
      const queue = await queueDepths(db);
      return { status: 'ok', database: connection.kind, version: options.version, queue };
    } catch (error) {
      logger.error('health check failed', { err: error });
      return reply
        .code(503)
        .send({ status: 'unavailable', database: connection.kind, version: options.version });
    }
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.registry.render();
    return reply.header('Content-Type', PROMETHEUS_CONTENT_TYPE).send(text);
  });
  app.get('/api/v1/openapi.json', () => openApiDocument(options.version));

  eventsRoute(app, {
    auth,
    logger,
    metrics,
    maxEventBytes: options.maxEventBytes ?? defaultMaxEventBytes(),
  });
  instancesRoute(app, { auth });
  incidentsRoute(app, { auth });
  intelligenceRoute(app, { auth });
  // Sign-in, sign-out and the session of the designer's users.
  await authRoutes(app, { db, signInThrottle: options.signInThrottle });
  for (const plugin of options.plugins ?? []) await plugin(app);

  if (options.designerDir) {
    const served = serveDesigner(app, options.designerDir);
    if (!served)
      logger.info('designer build not found; serving the API only', { dir: options.designerDir });
  }
  return app;
}
