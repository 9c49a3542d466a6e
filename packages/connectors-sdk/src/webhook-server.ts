/**
 * A small `node:http` {@link WebhookHost}: webhook triggers mount handlers under paths; the
 * server answers 404 for anything else. The runtime may mount triggers on its own server
 * instead; tests and the demo use this one.
 *
 * @module
 */
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookHost, WebhookRequest, WebhookResponse } from './define-trigger.ts';

/**
 * A running webhook server.
 *
 * ```ts
 * const server: WebhookServer = await startWebhookServer();
 * ```
 */
export interface WebhookServer extends WebhookHost {
  /** e.g. `http://127.0.0.1:41234` */
  url: string;
  close(): Promise<void>;
}

const maxBodyBytes = 5_000_000;

/**
 * Starts a webhook host on a real port (0, the default, picks a free one).
 *
 * ```ts
 * const webhooks = await startWebhookServer();
 * const running = await activateTrigger(wmsConnector, 'shipmentWebhook', { config, sink, webhookHost: webhooks });
 * ```
 */
export async function startWebhookServer(
  options: { port?: number; host?: string } = {},
): Promise<WebhookServer> {
  const handlers = new Map<string, (request: WebhookRequest) => Promise<WebhookResponse>>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://webhooks.local').pathname;
    const handler = handlers.get(path);
    const reply = (response: WebhookResponse): void => {
      res.writeHead(response.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(response.body ?? {}));
    };
    if (!handler) return reply({ status: 404, body: { error: `No webhook at ${path}` } });
    readBody(req)
      .then((body) => {
        if (body === null) return { status: 413, body: { error: 'Body too large' } };
        return handler({ method: req.method ?? 'GET', headers: headersOf(req), body });
      })
      .then(reply, (error: unknown) =>
        reply({
          status: 500,
          body: { error: error instanceof Error ? error.message : String(error) },
        }),
      );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // listen() on a TCP port always yields an AddressInfo.
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  return {
    url,
    mount(path, handler) {
      const normalized = `/${path.replace(/^\/+/, '')}`;
      if (handlers.has(normalized))
        throw new Error(`A webhook is already mounted at ${normalized}`);
      handlers.set(normalized, handler);
      return { url: `${url}${normalized}`, unmount: () => void handlers.delete(normalized) };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > maxBodyBytes) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
