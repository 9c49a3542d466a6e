/**
 * `ctx.http`: a small JSON-over-HTTP client bound to the operation's abort signal. It turns every
 * failure into a {@link ConnectorError} the runtime knows how to handle:
 *
 * | outcome                         | code           | retried |
 * |---------------------------------|----------------|---------|
 * | 429                             | `RATE_LIMITED` | after `Retry-After` |
 * | 5xx, 408, network error         | `RETRYABLE`    | yes     |
 * | timeout (request or operation)  | `TIMEOUT`      | yes     |
 * | 400, 422                        | `VALIDATION`   | no      |
 * | other 4xx, unexpected body      | `PERMANENT`    | no      |
 *
 * @module
 */
import type { z } from 'zod';
import { ConnectorError, isConnectorError } from './connector.error.ts';
import type { ConnectorErrorCode } from './connector.error.ts';
import type { ConnectorLogger } from './connector-logger.ts';
import { describeIssues, formatIssues } from './zod-issues.ts';

/**
 * HTTP methods `ctx.http` supports.
 *
 * ```ts
 * const method: HttpMethod = 'POST';
 * ```
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One request. `json` is sent as the body with `content-type: application/json`.
 *
 * ```ts
 * const req: HttpRequest = { method: 'GET', url: `${base}/invoices`, query: { since: '2026-01-01' }, timeoutMs: 2_000 };
 * ```
 */
export interface HttpRequest {
  method: HttpMethod;
  url: string | URL;
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  /** Per-request limit, on top of the operation's own timeout. */
  timeoutMs?: number;
}

/**
 * The answer to a successful (2xx) request; `body` is parsed JSON, text, or `null` when empty.
 *
 * ```ts
 * const { status, body } = await ctx.http.request({ method: 'GET', url });
 * ```
 */
export interface HttpResponse<TBody> {
  status: number;
  headers: Headers;
  body: TBody;
}

/**
 * The client an operation gets as `ctx.http`. Pass `schema` to validate (and type) the
 * response body; a body that does not match fails with `PERMANENT`.
 *
 * ```ts
 * const { body } = await ctx.http.request({
 *   method: 'POST',
 *   url: `${ctx.config.baseUrl}/invoices`,
 *   headers: { 'idempotency-key': ctx.idempotencyKey },
 *   json: input,
 *   schema: postInvoiceOutput,
 * });
 * ```
 */
export interface HttpClient {
  request<TSchema extends z.ZodType>(
    request: HttpRequest & { schema: TSchema },
  ): Promise<HttpResponse<z.output<TSchema>>>;
  request(request: HttpRequest): Promise<HttpResponse<unknown>>;
}

/**
 * What {@link createHttpClient} binds each request to.
 *
 * ```ts
 * const options: HttpClientOptions = { signal: controller.signal, logger: noopLogger };
 * ```
 */
export interface HttpClientOptions {
  /** The operation's signal: aborting it aborts every request in flight. */
  signal: AbortSignal;
  logger: ConnectorLogger;
}

/**
 * Creates the client handed to an operation as `ctx.http` (the runtime gets it through
 * `invokeOperation`; connector code never calls this).
 *
 * ```ts
 * const http = createHttpClient({ signal: AbortSignal.timeout(5_000), logger: noopLogger });
 * const { body } = await http.request({ method: 'GET', url: 'http://127.0.0.1:4010/healthz' });
 * ```
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  function request<TSchema extends z.ZodType>(
    req: HttpRequest & { schema: TSchema },
  ): Promise<HttpResponse<z.output<TSchema>>>;
  function request(req: HttpRequest): Promise<HttpResponse<unknown>>;
  function request(req: HttpRequest & { schema?: z.ZodType }): Promise<HttpResponse<unknown>> {
    return send(req, options);
  }
  return { request };
}

async function send(
  req: HttpRequest & { schema?: z.ZodType },
  { signal, logger }: HttpClientOptions,
): Promise<HttpResponse<unknown>> {
  const url = withQuery(req.url, req.query);
  const where = `${req.method} ${url.origin}${url.pathname}`;
  const requestTimeout =
    req.timeoutMs === undefined ? undefined : AbortSignal.timeout(req.timeoutMs);
  const combined = requestTimeout ? AbortSignal.any([signal, requestTimeout]) : signal;
  const headers = new Headers(req.headers);
  if (!headers.has('accept')) headers.set('accept', 'application/json');
  if (req.json !== undefined) headers.set('content-type', 'application/json');

  const startedAt = Date.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: req.method,
      headers,
      body: req.json === undefined ? null : JSON.stringify(req.json),
      signal: combined,
    });
    text = await response.text();
  } catch (error) {
    throw fetchFailure(error, { where, signal, requestTimeout, timeoutMs: req.timeoutMs });
  }
  logger.debug('http request', {
    method: req.method,
    url: `${url.origin}${url.pathname}`,
    status: response.status,
    durationMs: Date.now() - startedAt,
  });

  const body = parseBody(text, response.headers);
  if (!response.ok) throw statusError(response, body, where);
  if (!req.schema) return { status: response.status, headers: response.headers, body };
  const parsed = req.schema.safeParse(body);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error.issues);
    throw new ConnectorError(
      'PERMANENT',
      `${where} answered ${response.status} with an unexpected body: ${describeIssues(issues)}`,
      { details: { status: response.status, issues }, cause: parsed.error },
    );
  }
  return { status: response.status, headers: response.headers, body: parsed.data };
}

function withQuery(url: string | URL, query: HttpRequest['query']): URL {
  const out = new URL(url);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) out.searchParams.set(key, String(value));
  }
  return out;
}

function parseBody(text: string, headers: Headers): unknown {
  if (text === '') return null;
  if (!(headers.get('content-type') ?? '').includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text; // a broken JSON error page is still worth showing as text
  }
}

/**
 * Maps a non-2xx status to the error code the runtime acts on (see the table above).
 *
 * ```ts
 * codeForStatus(503); // 'RETRYABLE'
 * codeForStatus(404); // 'PERMANENT'
 * ```
 */
export function codeForStatus(status: number): ConnectorErrorCode {
  if (status === 429) return 'RATE_LIMITED';
  if (status === 408 || status >= 500) return 'RETRYABLE';
  if (status === 400 || status === 422) return 'VALIDATION';
  return 'PERMANENT';
}

function statusError(response: Response, body: unknown, where: string): ConnectorError {
  const code = codeForStatus(response.status);
  const reason = serverMessage(body);
  const retryAfterMs =
    code === 'RATE_LIMITED' ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
  return new ConnectorError(
    code,
    `${where} answered ${response.status} ${response.statusText}${reason ? `: ${reason}` : ''}`,
    { retryAfterMs, details: { status: response.status, body: truncate(body) } },
  );
}

/**
 * Parses a `Retry-After` header (delay in seconds, or an HTTP date) into milliseconds from now.
 *
 * ```ts
 * parseRetryAfter('2'); // 2000
 * ```
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function serverMessage(body: unknown): string | undefined {
  if (typeof body === 'string') return body.slice(0, 200);
  if (typeof body !== 'object' || body === null) return undefined;
  for (const key of ['message', 'error', 'detail', 'title']) {
    const value: unknown = Reflect.get(body, key);
    if (typeof value === 'string') return value.slice(0, 200);
  }
  return undefined;
}

function truncate(body: unknown): unknown {
  if (typeof body === 'string') return body.slice(0, 2000);
  return JSON.stringify(body).length > 4000 ? '[body too large]' : body;
}

interface FailureContext {
  where: string;
  signal: AbortSignal;
  requestTimeout: AbortSignal | undefined;
  timeoutMs: number | undefined;
}

function fetchFailure(error: unknown, context: FailureContext): ConnectorError {
  const { where, signal, requestTimeout, timeoutMs } = context;
  if (requestTimeout?.aborted) {
    return new ConnectorError('TIMEOUT', `${where}: no response within ${timeoutMs} ms`, {
      cause: error,
    });
  }
  if (signal.aborted) {
    // invokeOperation aborts with the TIMEOUT error itself; any other reason is a cancellation
    // (e.g. the worker shutting down), which is safe to retry later.
    const reason: unknown = signal.reason;
    return isConnectorError(reason)
      ? new ConnectorError(reason.code, `${where}: ${reason.message}`, { cause: reason })
      : new ConnectorError('RETRYABLE', `${where}: cancelled`, { cause: reason });
  }
  return new ConnectorError('RETRYABLE', `${where}: network error: ${networkReason(error)}`, {
    cause: error,
  });
}

function networkReason(error: unknown): string {
  // undici reports `fetch failed` and keeps the useful part (ECONNREFUSED, …) in `cause`.
  const cause: unknown = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code: unknown = Reflect.get(cause, 'code');
    return typeof code === 'string' ? code : cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}
