/**
 * A simulated warehouse management system (WMS): it confirms shipments (often short) and reports
 * pick exceptions, pushes them to webhook subscribers and serves them on a polling feed. Its
 * payloads are "native" (WMS field names), so connectors show their mapping to the canonical model.
 *
 * Besides the routes every feed simulator has (see `feed-simulator.ts`: health, `/_faults`,
 * `/events`, `/subscriptions`):
 *
 * | route | answers |
 * |---|---|
 * | `GET /shipments/:shipmentNo` | `200` native shipment, `404` |
 * | `GET /orders/:orderNo/pick-exceptions` | `200 { exceptions }` |
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
export interface WmsSimulator extends FeedSimulatorControls {
  /** Confirms a shipment: stored, and emitted as a `SHIPMENT_CONFIRMED` event. */
  confirmShipment(shipment: WmsShipment): void;
  /** Emitted as a `PICK_EXCEPTION` event. */
  reportPickException(exception: WmsPickException): void;
  reset(): void;
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
  const shipments = new Map<string, WmsShipment>();
  const exceptions: WmsPickException[] = [];
  const feed = await startFeedSimulator({
    port: options.port,
    host: options.host,
    faults: options.faults,
    apiKey: options.apiKey ?? WMS_SIMULATOR_API_KEY,
    eventIdPrefix: 'WMS-EVT',
    corrupt,
    routes,
  });

  function routes({ req, res, url }: SimRequest): boolean {
    if (req.method !== 'GET') return false;
    const shipment = /^\/shipments\/([^/]+)$/.exec(url.pathname)?.[1];
    if (shipment !== undefined) {
      const found = shipments.get(decodeURIComponent(shipment));
      if (found) sendJson(res, 200, found);
      else sendJson(res, 404, { error: 'not_found', message: `No shipment ${shipment}` });
      return true;
    }
    const order = /^\/orders\/([^/]+)\/pick-exceptions$/.exec(url.pathname)?.[1];
    if (order !== undefined) {
      const orderNo = decodeURIComponent(order);
      sendJson(res, 200, { exceptions: exceptions.filter((e) => e.orderNo === orderNo) });
      return true;
    }
    return false;
  }

  return {
    ...feed.controls,
    confirmShipment: (input) => {
      const shipment = wmsShipmentSchema.parse(input);
      shipments.set(shipment.shipmentNo, shipment);
      feed.emit('SHIPMENT_CONFIRMED', shipment.shipDate, shipment);
    },
    reportPickException: (input) => {
      const exception = wmsPickExceptionSchema.parse(input);
      exceptions.push(exception);
      feed.emit('PICK_EXCEPTION', exception.at, exception);
    },
    reset: () => {
      shipments.clear();
      exceptions.length = 0;
      feed.reset();
    },
  };
}

/** A malformed event: a date the WMS garbled, a quantity turned into text. */
function corrupt(event: WireEvent): WireEvent {
  if (event.eventType === 'SHIPMENT_CONFIRMED')
    return { ...event, data: { ...event.data, shipDate: '31/02/2026 25:61' } };
  return { ...event, data: { ...event.data, qtyPicked: 'n/a' } };
}
