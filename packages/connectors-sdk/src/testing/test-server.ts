/**
 * A fault-injecting HTTP server for a connector's tests when its system has no simulator yet:
 * you write the routes, it adds `POST /_faults` (latency, 5xx, hangs, 429) like the simulators.
 *
 * @module
 */
import type { FaultOptions } from '../simulators/faults.ts';
import { readJson, sendJson, startSimServer } from '../simulators/simulator-kit.ts';

/**
 * A request to the test server, with helpers to answer.
 *
 * ```ts
 * handle: async ({ method, path, json, reply }) => reply(200, { path, body: await json() }),
 * ```
 */
export interface TestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body parsed as JSON (`undefined` when it is not JSON). */
  json: () => Promise<unknown>;
  reply: (status: number, body?: unknown) => void;
}

/**
 * Options of {@link startTestServer}.
 *
 * ```ts
 * const options: TestServerOptions = { handle: ({ reply }) => reply(404), faults: { seed: 1 } };
 * ```
 */
export interface TestServerOptions {
  handle(request: TestRequest): Promise<void> | void;
  faults?: FaultOptions;
  port?: number;
}

/**
 * A running test server.
 *
 * ```ts
 * const server: TestServer = await startTestServer({ handle });
 * ```
 */
export interface TestServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts a test server on a free port.
 *
 * ```ts
 * const server = await startTestServer({
 *   handle: ({ method, path, reply }) => (method === 'GET' && path === '/ping' ? reply(200, { ok: true }) : reply(404)),
 * });
 * await server.close();
 * ```
 */
export async function startTestServer(options: TestServerOptions): Promise<TestServer> {
  const server = await startSimServer({
    port: options.port,
    faults: options.faults,
    handle: ({ req, res, url }) =>
      options.handle({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        json: () => readJson(req),
        reply: (status, body) => sendJson(res, status, body ?? {}),
      }),
  });
  return { url: server.url, close: () => server.close() };
}
