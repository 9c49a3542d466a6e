/**
 * A simulated warehouse management system (WMS): it confirms shipments (often short) and reports
 * pick exceptions, pushes them to webhook subscribers and serves them on a polling feed. Its
 * payloads are "native" (WMS field names), so connectors show their mapping to the canonical model.
 *
 * | route | answers |
 * |---|---|
 * | `GET /healthz` | `200 { status: 'ok' }` (no auth, no faults) |
 * | `GET`/`POST /_faults` | read / replace the fault settings (no auth) |
 * | `GET /events?after=<cursor>&limit=<n>` | `200 { events, nextCursor, hasMore }` |
 * | `POST /subscriptions` `{ url, secret }` | `201`: every event is then POSTed to `url` with header `x-webhook-secret` |
 * | `GET /shipments/:shipmentNo` | `200` native shipment, `404` |
 * | `GET /orders/:orderNo/pick-exceptions` | `200 { exceptions }` |
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
 * The API key the WMS simulator accepts unless told otherwise.
 *
 * ```ts
 * const config = { baseUrl: wms.url, apiKey: WMS_SIMULATOR_API_KEY, webhookSecret: 'whsec-wms' };
 * ```
 */
export const WMS_SIMULATOR_API_KEY = 'wms-sandbox-key';

/**
 * A shipment as the WMS reports it.
 *
 * ```ts
 * const native: WmsShipment = { shipmentNo: 'SH-1', orderNo: 'SO-1', warehouseCode: 'DAL-1', shipDate: '2026-11-23T14:05:00Z',
 *   lines: [{ lineNo: 1, item: 'TAPE-48MM', qtyOrdered: 40, qtyShipped: 36, shortReason: 'OOS' }] };
 * ```
 */
export const wmsShipmentSchema = z.object({
  shipmentNo: z.string().min(1),
  orderNo: z.string().min(1),
  warehouseCode: z.string().min(1),
  shipDate: z.iso.datetime({ offset: true }),
  carrierScac: z.string().optional(),
  trackingNo: z.string().optional(),
  moreToFollow: z.boolean().optional(),
  lines: z
    .array(
      z.object({
        lineNo: z.number().int().min(1),
        item: z.string().min(1),
        qtyOrdered: z.number().min(0),
        qtyShipped: z.number().min(0),
        /** OOS out of stock, DMG damaged, SP short pick, CR customer request. */
        shortReason: z.enum(['OOS', 'DMG', 'SP', 'CR', 'OTHER']).optional(),
      }),
    )
    .min(1),
});
/**
 * A native WMS shipment.
 *
 * ```ts
 * wms.confirmShipment(native satisfies WmsShipment);
 * ```
 */
export type WmsShipment = z.infer<typeof wmsShipmentSchema>;

/**
 * A pick exception as the WMS reports it.
 *
 * ```ts
 * const native: WmsPickException = { exceptionNo: 'PX-1', orderNo: 'SO-1', warehouseCode: 'DAL-1', item: 'TAPE-48MM',
 *   qtyRequested: 40, qtyPicked: 36, reasonCode: 'OOS', at: '2026-11-23T12:00:00Z' };
 * ```
 */
export const wmsPickExceptionSchema = z.object({
  exceptionNo: z.string().min(1),
  orderNo: z.string().min(1),
  warehouseCode: z.string().min(1),
  item: z.string().min(1),
  qtyRequested: z.number().min(0),
  qtyPicked: z.number().min(0),
  reasonCode: z.enum(['OOS', 'DMG', 'EMPTY', 'QC', 'OTHER']),
  at: z.iso.datetime({ offset: true }),
  note: z.string().optional(),
});
/**
 * A native WMS pick exception.
 *
 * ```ts
 * wms.reportPickException(native satisfies WmsPickException);
 * ```
 */
export type WmsPickException = z.infer<typeof wmsPickExceptionSchema>;

/**
 * Options of {@link startWmsSimulator}.
 *
 * ```ts
 * await startWmsSimulator({ port: 4020, faults: { seed: 7, duplicateRate: 0.1 } });
 * ```
 */
export interface WmsSimulatorOptions {
  port?: number;
  host?: string;
  apiKey?: string;
  faults?: FaultOptions;
}

/**
 * A running WMS simulator.
 *
 * ```ts
 * const wms: WmsSimulator = await startWmsSimulator();
 * ```
 */
export interface WmsSimulator {
  url: string;
  port: number;
  /** Confirms a shipment: stored, and emitted as a `SHIPMENT_CONFIRMED` event. */
  confirmShipment(shipment: WmsShipment): void;
  /** Emitted as a `PICK_EXCEPTION` event. */
  reportPickException(exception: WmsPickException): void;
  /** Subscribes a webhook URL (what `POST /subscriptions` does). */
  subscribe(url: string, secret: string): void;
  /** Sends events held back for reordering. */
  flush(): void;
  /** Every event in wire order, faults included. */
  wire(): WireEvent[];
  deliveries(): DeliveryRecord[];
  /** Resolves once queued webhook deliveries are done. */
  idle(): Promise<void>;
  faults: { configure(options: FaultOptions): void; stats(): FaultStats };
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts the WMS simulator on a real port.
 *
 * ```ts
 * const wms = await startWmsSimulator();
 * wms.subscribe(webhookUrl, 'whsec-wms');
 * wms.confirmShipment({ shipmentNo: 'SH-1', orderNo: 'SO-1', warehouseCode: 'DAL-1', shipDate: new Date().toISOString(),
 *   lines: [{ lineNo: 1, item: 'A', qtyOrdered: 2, qtyShipped: 2 }] });
 * await wms.idle();
 * await wms.close();
 * ```
 */
export async function startWmsSimulator(options: WmsSimulatorOptions = {}): Promise<WmsSimulator> {
  const apiKey = options.apiKey ?? WMS_SIMULATOR_API_KEY;
  const shipments = new Map<string, WmsShipment>();
  const exceptions: WmsPickException[] = [];
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
    const shipment = /^\/shipments\/([^/]+)$/.exec(url.pathname)?.[1];
    if (shipment !== undefined && req.method === 'GET') {
      const found = shipments.get(decodeURIComponent(shipment));
      return found
        ? sendJson(res, 200, found)
        : sendJson(res, 404, { error: 'not_found', message: `No shipment ${shipment}` });
    }
    const order = /^\/orders\/([^/]+)\/pick-exceptions$/.exec(url.pathname)?.[1];
    if (order !== undefined && req.method === 'GET') {
      const orderNo = decodeURIComponent(order);
      return sendJson(res, 200, { exceptions: exceptions.filter((e) => e.orderNo === orderNo) });
    }
    return sendJson(res, 404, {
      error: 'not_found',
      message: `No route ${req.method} ${url.pathname}`,
    });
  }

  const nextEventId = (): string => `WMS-EVT-${String((sequence += 1)).padStart(6, '0')}`;
  return {
    url: server.url,
    port: server.port,
    confirmShipment: (input) => {
      const shipment = wmsShipmentSchema.parse(input);
      shipments.set(shipment.shipmentNo, shipment);
      events.emit({
        eventId: nextEventId(),
        eventType: 'SHIPMENT_CONFIRMED',
        occurredAt: shipment.shipDate,
        data: shipment,
      });
    },
    reportPickException: (input) => {
      const exception = wmsPickExceptionSchema.parse(input);
      exceptions.push(exception);
      events.emit({
        eventId: nextEventId(),
        eventType: 'PICK_EXCEPTION',
        occurredAt: exception.at,
        data: exception,
      });
    },
    subscribe: (url, secret) => events.subscribe(url, secret),
    flush: () => events.flush(),
    wire: () => events.wire(),
    deliveries: () => events.deliveries(),
    idle: () => events.idle(),
    faults: server.faults,
    reset: () => {
      shipments.clear();
      exceptions.length = 0;
      events.reset();
    },
    close: async () => {
      events.close();
      await server.close();
    },
  };
}

/** A malformed event: a date the WMS garbled, a quantity turned into text. */
function corrupt(event: WireEvent): WireEvent {
  if (event.eventType === 'SHIPMENT_CONFIRMED')
    return { ...event, data: { ...event.data, shipDate: '31/02/2026 25:61' } };
  return { ...event, data: { ...event.data, qtyPicked: 'n/a' } };
}
