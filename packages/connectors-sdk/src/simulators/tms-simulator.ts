/**
 * A simulated TMS / carrier: it rates freight, reports delivery status and publishes proof of
 * delivery documents, by webhook and on a polling feed, with native (carrier-style) payloads.
 *
 * Besides the routes every feed simulator has (see `feed-simulator.ts`: health, `/_faults`,
 * `/events`, `/subscriptions`):
 *
 * | route | answers |
 * |---|---|
 * | `GET /shipments/:ref/freight` | `200` the latest native rating, `404` |
 * | `GET /pod/:documentId` | `200` native POD metadata, `404` |
 * | `GET /pod/:documentId/image` | `200` the document (`image/png`) |
 *
 * @module
 */
import { z } from 'zod';
import type { FaultOptions } from './faults.ts';
import { startFeedSimulator } from './feed-simulator.ts';
import type { FeedSimulatorControls } from './feed-simulator.ts';
import { sendJson } from './simulator-kit.ts';
import type { SimRequest, WireEvent } from './simulator-kit.ts';

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
export interface TmsSimulator extends FeedSimulatorControls {
  rateFreight(rating: TmsRating): void;
  reportStatus(status: TmsStatus): void;
  /** Stores the POD (with an image) and emits a `POD` event; returns the metadata as served. */
  publishPod(pod: Omit<TmsPod, 'imageUrl' | 'uploadedAt'>): TmsPod;
  reset(): void;
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
  const ratings = new Map<string, TmsRating>();
  const pods = new Map<string, TmsPod>();
  const feed = await startFeedSimulator({
    port: options.port,
    host: options.host,
    faults: options.faults,
    apiKey: options.apiKey ?? TMS_SIMULATOR_API_KEY,
    eventIdPrefix: 'TMS-EVT',
    corrupt,
    routes,
  });

  function routes({ req, res, url }: SimRequest): boolean {
    if (req.method !== 'GET') return false;
    const freight = /^\/shipments\/([^/]+)\/freight$/.exec(url.pathname)?.[1];
    if (freight !== undefined) {
      const found = ratings.get(decodeURIComponent(freight));
      if (found) sendJson(res, 200, found);
      else sendJson(res, 404, { error: 'not_found', message: `No rating for ${freight}` });
      return true;
    }
    const pod = /^\/pod\/([^/]+)(\/image)?$/.exec(url.pathname);
    if (pod?.[1] === undefined) return false;
    const found = pods.get(decodeURIComponent(pod[1]));
    if (!found) sendJson(res, 404, { error: 'not_found', message: `No POD ${pod[1]}` });
    else if (pod[2] === undefined) sendJson(res, 200, found);
    else {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': podImage.length });
      res.end(podImage);
    }
    return true;
  }

  return {
    ...feed.controls,
    rateFreight: (input) => {
      const rating = tmsRatingSchema.parse(input);
      ratings.set(rating.shipmentRef, rating);
      feed.emit('FREIGHT_RATED', rating.ratedAt, rating);
    },
    reportStatus: (input) => {
      const status = tmsStatusSchema.parse(input);
      feed.emit('STATUS', status.at, status);
    },
    publishPod: (input) => {
      const pod = tmsPodSchema.parse({
        ...input,
        imageUrl: `${feed.controls.url}/pod/${encodeURIComponent(input.documentId)}/image`,
        uploadedAt: new Date().toISOString(),
      });
      pods.set(pod.documentId, pod);
      feed.emit('POD', pod.deliveredAt, pod);
      return pod;
    },
    reset: () => {
      ratings.clear();
      pods.clear();
      feed.reset();
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
