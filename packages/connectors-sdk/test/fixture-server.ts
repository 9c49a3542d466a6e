/**
 * A real HTTP server that answers whatever status a test asks for, so the HTTP client's error
 * mapping is tested over the wire rather than against a mocked fetch.
 *
 * - `GET /status/<code>?retryAfter=<value>` → that status, `{ message }`, optional `Retry-After`
 * - `GET /json` → `200 { ok: true }`
 * - `GET /hang` → never answers (until the server closes)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixtureServer {
  url: string;
  close(): Promise<void>;
}

export async function startFixtureServer(): Promise<FixtureServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture.local');
    const status = /^\/status\/(\d{3})$/.exec(url.pathname)?.[1];
    if (status !== undefined) {
      const retryAfter = url.searchParams.get('retryAfter');
      res.writeHead(Number(status), {
        'content-type': 'application/json',
        ...(retryAfter === null ? {} : { 'retry-after': retryAfter }),
      });
      res.end(JSON.stringify({ message: `fixture answered ${status}` }));
      return;
    }
    if (url.pathname === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, authorization: req.headers.authorization ?? null }));
      return;
    }
    if (url.pathname === '/hang') return; // keep the socket open, answer nothing
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
