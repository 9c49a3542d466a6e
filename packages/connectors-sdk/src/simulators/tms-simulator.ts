/**
 * A simulated TMS / carrier: it rates freight, reports delivery status and publishes proof of
 * delivery documents, by webhook and on a polling feed, with native (carrier-style) payloads.
 *
 * | route | answers |
 * |---|---|
 * | `GET /healthz` | `200 { status: 'ok' }` (no auth, no faults) |
 * | `GET`/`POST /_faults` | read / replace the fault settings (no auth) |
 * | `GET /events?after=<cursor>&limit=<n>` | `200 { events, nextCursor, hasMore }` |
 * | `POST /subscriptions` `{ url, secret }` | `201`; events are then POSTed to `url` |
 * | `GET /shipments/:ref/freight` | `200` the latest native rating, `404` |
 * | `GET /pod/:documentId` | `200` native POD metadata, `404` |
 * | `GET /pod/:documentId/image` | `200` the document (`image/png`) |
 *
 * @module
 */
import { z } from 'zod';
import type { FaultOptions, FaultStats } from './faults.ts';
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
 * The API key the TMS simulator accepts unless told otherwise.
 *
 * ```ts
 * const config = { baseUrl: tms.url, apiKey: TMS_SIMULATOR_API_KEY, webhookSecret: 'whsec-tms-1' };
 * ```
 */
export const TMS_SIMULATOR_API_KEY = 'tms-sandbox-key';

/**
 * A freight rating as the TMS reports it (`FREIGHT_RATED`).
 *
 * ```ts
 * tms.rateFreight({ shipmentRef: 'SH-1', orderRef: 'SO-1', scac: 'ODFL', proNumber: 'PRO-1', currency: 'USD',
 *   totalCharge: 150, ratedAt: '2026-11-23T16:00:00Z', charges: [{ code: 'LH', amount: 131.6 }, { code: 'FSC', amount: 18.4 }] });
 * ```
 */
export const tmsRatingSchema = z.object({
  shipmentRef: z.string().min(1),
  orderRef: z.string().min(1),
  scac: z.string().min(1),
  proNumber: z.string().min(1),
  currency: z.string().length(3),
  totalCharge: z.number().min(0),
  ratedAt: z.iso.datetime({ offset: true }),
  charges: z.array(
    z.object({
      code: z.enum(['LH', 'FSC', 'ACC', 'DSC']),
      amount: z.number(),
      desc: z.string().optional(),
    }),
  ),
});
/**
 * A native freight rating.
 *
 * ```ts
 * const rating: TmsRating = tmsRatingSchema.parse(body);
 * ```
 */
export type TmsRating = z.infer<typeof tmsRatingSchema>;

/**
 * A delivery status update (`STATUS`): PU picked up, IT in transit, OFD out for delivery, D1
 * delivered, EX exception.
 *
 * ```ts
 * tms.reportStatus({ shipmentRef: 'SH-1', orderRef: 'SO-1', scac: 'ODFL', proNumber: 'PRO-1', statusCode: 'D1', at: '2026-11-24T08:55:00Z' });
 * ```
 */
export const tmsStatusSchema = z.object({
  shipmentRef: z.string().min(1),
  orderRef: z.string().min(1),
  scac: z.string().min(1),
  proNumber: z.string().min(1),
  statusCode: z.enum(['PU', 'IT', 'OFD', 'D1', 'EX']),
  at: z.iso.datetime({ offset: true }),
  city: z.string().optional(),
  remark: z.string().optional(),
});
/**
 * A native delivery status.
 *
 * ```ts
 * const status: TmsStatus = tmsStatusSchema.parse(body);
 * ```
 */
export type TmsStatus = z.infer<typeof tmsStatusSchema>;

/**
 * Proof of delivery metadata (`POD`); the simulator serves the image at `imageUrl`.
 *
 * ```ts
 * tms.publishPod({ documentId: 'POD-1', shipmentRef: 'SH-1', orderRef: 'SO-1', scac: 'ODFL', signedBy: 'J. Doe', deliveredAt: '2026-11-24T08:55:00Z' });
 * ```
 */
export const tmsPodSchema = z.object({
  documentId: z.string().min(1),
  shipmentRef: z.string().min(1),
  orderRef: z.string().min(1),
  scac: z.string().min(1),
  signedBy: z.string().min(1),
  deliveredAt: z.iso.datetime({ offset: true }),
  imageUrl: z.url().optional(),
  /** When the carrier uploaded the document. */
  uploadedAt: z.iso.datetime({ offset: true }).optional(),
  damageNotes: z.string().optional(),
});
/**
 * Native POD metadata.
 *
 * ```ts
 * const pod: TmsPod = tmsPodSchema.parse(body);
 * ```
 */
export type TmsPod = z.infer<typeof tmsPodSchema>;

/**
 * Options of {@link startTmsSimulator}.
 *
 * ```ts
 * await startTmsSimulator({ port: 4030, faults: { seed: 3, outOfOrderRate: 0.2 } });
 * ```
 */
export interface TmsSimulatorOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  faults?: FaultOptions;
}

/**
 * A running TMS simulator.
 *
 * ```ts
 * const tms: TmsSimulator = await startTmsSimulator();
 * ```
 */
export interface TmsSimulator {
  url: string;
  port: number;
  rateFreight(rating: TmsRating): void;
  reportStatus(status: TmsStatus): void;
  /** Stores the POD (with an image) and emits a `POD` event; returns the metadata as served. */
  publishPod(pod: Omit<TmsPod, 'imageUrl' | 'uploadedAt'>): TmsPod;
  subscribe(url: string, secret: string): void;
  flush(): void;
  wire(): WireEvent[];
  deliveries(): DeliveryRecord[];
  idle(): Promise<void>;
  faults: { configure(options: FaultOptions): void; stats(): FaultStats };
  reset(): void;
  close(): Promise<void>;
}

// A 1×1 PNG: enough for a "POD image" that clients download and store.
const podImage = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Starts the TMS simulator on a real port.
 *
 * ```ts
 * const tms = await startTmsSimulator();
 * tms.publishPod({ documentId: 'POD-1', shipmentRef: 'SH-1', orderRef: 'SO-1', scac: 'ODFL', signedBy: 'J. Doe', deliveredAt: new Date().toISOString() });
 * await tms.close();
 * ```
 */
export async function startTmsSimulator(options: TmsSimulatorOptions = {}): Promise<TmsSimulator> {
  const apiKey = options.apiKey ?? TMS_SIMULATOR_API_KEY;
  const ratings = new Map<string, TmsRating>();
  const pods = new Map<string, TmsPod>();
  let sequence = 0;
  const server = await startSimServer({
    port: options.port,
    host: options.host,
    faults: options.faults,
    handle: (request) => handle(request),
  });
  const events = new EventFeed(server.faults, corrupt);

  async function handle(request: SimRequest): Promise<void> {
    const { req, res, url } = request;
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (!authorized(request, apiKey)) return;
    if (url.pathname === '/events' && req.method === 'GET') {
      const { after, limit } = feedWindow(url);
      return sendJson(res, 200, events.page(after, limit));
    }
    if (url.pathname === '/subscriptions' && req.method === 'POST') {
      const body = z
        .object({ url: z.url(), secret: z.string().min(1) })
        .safeParse(await readJson(req));
      if (!body.success)
        return sendJson(res, 400, { error: 'validation', message: 'url and secret are required' });
      events.subscribe(body.data.url, body.data.secret);
      return sendJson(res, 201, { subscribed: body.data.url });
    }
    const freight = /^\/shipments\/([^/]+)\/freight$/.exec(url.pathname)?.[1];
    if (freight !== undefined && req.method === 'GET') {
      const found = ratings.get(decodeURIComponent(freight));
      return found
        ? sendJson(res, 200, found)
        : sendJson(res, 404, { error: 'not_found', message: `No rating for ${freight}` });
    }
    const pod = /^\/pod\/([^/]+)(\/image)?$/.exec(url.pathname);
    if (pod?.[1] !== undefined && req.method === 'GET') {
      const found = pods.get(decodeURIComponent(pod[1]));
      if (!found) return sendJson(res, 404, { error: 'not_found', message: `No POD ${pod[1]}` });
      if (pod[2] === undefined) return sendJson(res, 200, found);
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': podImage.length });
      res.end(podImage);
      return;
    }
    return sendJson(res, 404, {
      error: 'not_found',
      message: `No route ${req.method} ${url.pathname}`,
    });
  }

  const emit = (eventType: string, occurredAt: string, data: Record<string, unknown>): void => {
    sequence += 1;
    events.emit({
      eventId: `TMS-EVT-${String(sequence).padStart(6, '0')}`,
      eventType,
      occurredAt,
      data,
    });
  };
  return {
    url: server.url,
    port: server.port,
    rateFreight: (input) => {
      const rating = tmsRatingSchema.parse(input);
      ratings.set(rating.shipmentRef, rating);
      emit('FREIGHT_RATED', rating.ratedAt, rating);
    },
    reportStatus: (input) => {
      const status = tmsStatusSchema.parse(input);
      emit('STATUS', status.at, status);
    },
    publishPod: (input) => {
      const pod = tmsPodSchema.parse({
        ...input,
        imageUrl: `${server.url}/pod/${encodeURIComponent(input.documentId)}/image`,
        uploadedAt: new Date().toISOString(),
      });
      pods.set(pod.documentId, pod);
      emit('POD', pod.deliveredAt, pod);
      return pod;
    },
    subscribe: (url, secret) => events.subscribe(url, secret),
    flush: () => events.flush(),
    wire: () => events.wire(),
    deliveries: () => events.deliveries(),
    idle: () => events.idle(),
    faults: server.faults,
    reset: () => {
      ratings.clear();
      pods.clear();
      events.reset();
    },
    close: async () => {
      events.close();
      await server.close();
    },
  };
}

/** A malformed event: the carrier's EDI-to-JSON bridge dropped a field or garbled a number. */
function corrupt(event: WireEvent): WireEvent {
  const data = { ...event.data };
  if (event.eventType === 'FREIGHT_RATED') data.totalCharge = '150,00';
  else if (event.eventType === 'POD') delete data.documentId;
  else data.statusCode = '??';
  return { ...event, data };
}
