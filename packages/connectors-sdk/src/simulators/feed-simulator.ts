/**
 * The server the event-pushing simulators (WMS, TMS) share: health, fault injection, bearer-key
 * auth, an event log served as a polling feed (`GET /events`) and pushed to webhook subscribers
 * (`POST /subscriptions`). Each simulator adds its own routes and the events it emits.
 *
 * | route | answers |
 * |---|---|
 * | `GET /healthz` | `200 { status: 'ok' }` (no auth, no faults) |
 * | `GET`/`POST /_faults` | read / replace the fault settings (no auth) |
 * | `GET /events?after=<cursor>&limit=<n>` | `200 { events, nextCursor, hasMore }` |
 * | `POST /subscriptions` `{ url, secret }` | `201`: every event is then POSTed to `url` with header `x-webhook-secret` |
 *
 * @module
 */
import { z } from 'zod';
import type { FaultInjector, FaultOptions } from './faults.ts';
import {
  EventFeed,
  authorized,
  feedWindow,
  readJson,
  sendJson,
  startSimServer,
} from './simulator-kit.ts';
import type { DeliveryRecord, SimRequest, WireEvent } from './simulator-kit.ts';

/**
 * Options of {@link startFeedSimulator}.
 *
 * ```ts
 * await startFeedSimulator({ apiKey: 'wms-sandbox-key', eventIdPrefix: 'WMS-EVT', corrupt, routes: () => false });
 * ```
 */
export interface FeedSimulatorOptions {
  port?: number | undefined;
  host?: string | undefined;
  faults?: FaultOptions | undefined;
  /** The bearer key every route but `/healthz` and `/_faults` requires. */
  apiKey: string;
  /** Event ids are `<prefix>-000001`, `<prefix>-000002`, … */
  eventIdPrefix: string;
  /** How an event looks when the malformed-payload fault hits it. */
  corrupt(event: WireEvent): WireEvent;
  /** The simulator's own routes (after auth); true when one answered. */
  routes(request: SimRequest): Promise<boolean> | boolean;
}

/**
 * What every feed simulator offers its tests (the WMS and TMS simulators extend it).
 *
 * ```ts
 * wms.subscribe(webhookUrl, 'whsec-wms');
 * await wms.idle();
 * wms.deliveries(); // [{ eventId, url, status: 202, attempts: 1 }]
 * ```
 */
export interface FeedSimulatorControls {
  url: string;
  port: number;
  /** Subscribes a webhook URL (what `POST /subscriptions` does). */
  subscribe(url: string, secret: string): void;
  /** Sends events held back for reordering. */
  flush(): void;
  /** Every event in wire order, faults included. */
  wire(): WireEvent[];
  deliveries(): DeliveryRecord[];
  /** Resolves once queued webhook deliveries are done. */
  idle(): Promise<void>;
  faults: FaultInjector;
  close(): Promise<void>;
}

/**
 * A started feed simulator: its controls, plus `emit` for the simulator's own events.
 *
 * ```ts
 * feed.emit('SHIPMENT_CONFIRMED', shipment.shipDate, shipment);
 * ```
 */
export interface FeedSimulator {
  controls: FeedSimulatorControls;
  /** Emits an event with the next id; its fate (duplicate, held back, corrupted) is drawn from the faults. */
  emit(eventType: string, occurredAt: string, data: Record<string, unknown>): void;
  /** Forgets every event and delivery (the simulator's `reset`). */
  reset(): void;
}

const subscriptionSchema = z.object({ url: z.url(), secret: z.string().min(1) });

/**
 * Starts a feed simulator on a real port.
 *
 * ```ts
 * const feed = await startFeedSimulator({ apiKey, eventIdPrefix: 'TMS-EVT', corrupt,
 *   routes: ({ req, res, url }) => url.pathname === '/ping' && (sendJson(res, 200, {}), true) });
 * feed.emit('POD', pod.deliveredAt, pod);
 * await feed.controls.close();
 * ```
 */
export async function startFeedSimulator(options: FeedSimulatorOptions): Promise<FeedSimulator> {
  let sequence = 0;
  const server = await startSimServer({
    port: options.port,
    host: options.host,
    faults: options.faults,
    handle: (request) => handle(request),
  });
  const events = new EventFeed(server.faults, (event) => options.corrupt(event));

  async function handle(request: SimRequest): Promise<void> {
    const { req, res, url } = request;
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (!authorized(request, options.apiKey)) return;
    if (url.pathname === '/events' && req.method === 'GET') {
      const { after, limit } = feedWindow(url);
      return sendJson(res, 200, events.page(after, limit));
    }
    if (url.pathname === '/subscriptions' && req.method === 'POST') {
      const body = subscriptionSchema.safeParse(await readJson(req));
      if (!body.success)
        return sendJson(res, 400, { error: 'validation', message: 'url and secret are required' });
      events.subscribe(body.data.url, body.data.secret);
      return sendJson(res, 201, { subscribed: body.data.url });
    }
    if (await options.routes(request)) return;
    return sendJson(res, 404, {
      error: 'not_found',
      message: `No route ${req.method} ${url.pathname}`,
    });
  }

  return {
    controls: {
      url: server.url,
      port: server.port,
      subscribe: (url, secret) => events.subscribe(url, secret),
      flush: () => events.flush(),
      wire: () => events.wire(),
      deliveries: () => events.deliveries(),
      idle: () => events.idle(),
      faults: server.faults,
      close: async () => {
        events.close();
        await server.close();
      },
    },
    emit: (eventType, occurredAt, data) => {
      sequence += 1;
      events.emit({
        eventId: `${options.eventIdPrefix}-${String(sequence).padStart(6, '0')}`,
        eventType,
        occurredAt,
        data,
      });
    },
    reset: () => events.reset(),
  };
}
