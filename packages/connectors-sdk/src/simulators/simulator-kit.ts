/**
 * What the simulators share: a `node:http` server with fault injection and JSON helpers, and an
 * event feed served both by webhook delivery and by a polling endpoint with a cursor, where the
 * injected event faults (duplicates, reordering, malformed payloads) happen.
 *
 * @module
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.ts';
import type { FaultOptions } from './faults.ts';

/** One request, with the parsed URL. */
export interface SimRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
}

/** A started simulator server. */
export interface SimServer {
  url: string;
  port: number;
  faults: FaultInjector;
  close(): Promise<void>;
}

/** Starts a server that runs fault injection first, then `handle`. */
export async function startSimServer(options: {
  port?: number;
  host?: string;
  faults?: FaultOptions;
  handle(request: SimRequest): Promise<void> | void;
}): Promise<SimServer> {
  const faults = new FaultInjector(options.faults);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const respond = async (): Promise<void> => {
      if (await faults.interceptRequest(req, res, url.pathname)) return;
      await options.handle({ req, res, url });
    };
    respond().catch((error: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, {
          error: 'internal',
          message: error instanceof Error ? error.message : String(error),
        });
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  // A TCP listener always has an AddressInfo.
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        faults.releaseHanging();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Writes a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/** The body as JSON; `undefined` when it is not JSON (the caller answers 400). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** True when the request carries `Authorization: Bearer <apiKey>`; answers 401 otherwise. */
export function authorized(request: SimRequest, apiKey: string): boolean {
  if (request.req.headers.authorization === `Bearer ${apiKey}`) return true;
  sendJson(request.res, 401, { error: 'unauthorized', message: 'Missing or wrong API key' });
  return false;
}

/**
 * An event as it travels on the wire from a simulator: its own id, a native type name and a
 * native body (connectors map these to canonical events).
 */
export interface WireEvent {
  eventId: string;
  eventType: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** What happened to one webhook delivery. */
export interface DeliveryRecord {
  eventId: string;
  url: string;
  status: number | 'network-error';
  attempts: number;
}

interface Subscriber {
  url: string;
  secret: string;
}

/**
 * The events a simulator emits, in wire order (after fault injection). Served by
 * `GET /events?after=<cursor>&limit=<n>` (the cursor is the position in the wire log) and pushed
 * to webhook subscribers, each in order, retried on 5xx and network errors (at least once).
 */
export class EventFeed {
  readonly #faults: FaultInjector;
  readonly #corrupt: (event: WireEvent) => WireEvent;
  readonly #wire: WireEvent[] = [];
  readonly #held: WireEvent[] = [];
  readonly #subscribers: Subscriber[] = [];
  readonly #deliveries: DeliveryRecord[] = [];
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(faults: FaultInjector, corrupt: (event: WireEvent) => WireEvent) {
    this.#faults = faults;
    this.#corrupt = corrupt;
  }

  /** Emits one event; its fate (duplicate, held back, corrupted) is drawn from the fault settings. */
  emit(event: WireEvent): void {
    const fate = this.#faults.eventFate();
    const wire = fate.malformed ? this.#corrupt(structuredClone(event)) : event;
    if (fate.outOfOrder) {
      this.#held.push(wire);
      return;
    }
    this.#append(wire);
    if (fate.duplicate) this.#append(wire);
    // Events held back go out after the one that overtook them.
    for (const held of this.#held.splice(0)) this.#append(held);
  }

  /** Sends events still held back for reordering (a simulator's quiet period). */
  flush(): void {
    for (const held of this.#held.splice(0)) this.#append(held);
  }

  /** The wire log from position `after` on. */
  page(
    after: number,
    limit: number,
  ): { events: WireEvent[]; nextCursor: string; hasMore: boolean } {
    const events = this.#wire.slice(after, after + limit);
    const next = after + events.length;
    return { events, nextCursor: String(next), hasMore: next < this.#wire.length };
  }

  subscribe(url: string, secret: string): void {
    if (!this.#subscribers.some((s) => s.url === url)) this.#subscribers.push({ url, secret });
  }

  deliveries(): DeliveryRecord[] {
    return this.#deliveries.map((d) => ({ ...d }));
  }

  wire(): WireEvent[] {
    return structuredClone(this.#wire);
  }

  /** Resolves when every webhook delivery queued so far has finished. */
  idle(): Promise<void> {
    return this.#queue;
  }

  close(): void {
    this.#closed = true;
  }

  reset(): void {
    this.#wire.length = 0;
    this.#held.length = 0;
    this.#deliveries.length = 0;
  }

  #append(event: WireEvent): void {
    this.#wire.push(event);
    for (const subscriber of this.#subscribers) {
      this.#queue = this.#queue.then(() => this.#deliver(subscriber, event));
    }
  }

  async #deliver(subscriber: Subscriber, event: WireEvent): Promise<void> {
    const record: DeliveryRecord = {
      eventId: event.eventId,
      url: subscriber.url,
      status: 'network-error',
      attempts: 0,
    };
    this.#deliveries.push(record);
    for (let attempt = 1; attempt <= 6 && !this.#closed; attempt += 1) {
      record.attempts = attempt;
      try {
        const response = await fetch(subscriber.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-webhook-secret': subscriber.secret },
          body: JSON.stringify(event),
          signal: AbortSignal.timeout(5_000),
        });
        record.status = response.status;
        await response.body?.cancel();
        // 2xx: delivered. 4xx: the receiver refuses this event for good. 5xx: try again.
        if (response.status < 500) return;
      } catch {
        record.status = 'network-error';
      }
      await new Promise((resolve) => setTimeout(resolve, 25 * 2 ** attempt));
    }
  }
}

/** Parses `?after=&limit=` of a feed request. */
export function feedWindow(url: URL): { after: number; limit: number } {
  const after = Number(url.searchParams.get('after') ?? '0');
  const limit = Number(url.searchParams.get('limit') ?? '50');
  return {
    after: Number.isInteger(after) && after >= 0 ? after : 0,
    limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, 500) : 50,
  };
}
