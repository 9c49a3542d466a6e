/**
 * WMS sandbox connector: shipment confirmations (short shipments included) and pick exceptions
 * from the WMS simulator, by webhook or by polling its event feed, mapped to the canonical
 * `shipment.confirmed` and `pick.exception` events; plus lookups of a shipment and of an
 * order's pick exceptions.
 *
 * @module
 */
import { pickExceptionSchema, shipmentSchema } from '@waybill/shared';
import type { PickException, Shipment } from '@waybill/shared';
import { z } from 'zod';
import type { ConnectorContext } from '../../define-connector.ts';
import { defineConnector } from '../../define-connector.ts';
import type { PublishEvent } from '../../define-trigger.ts';
import { nativeData, sandboxFeedTriggers } from '../sandbox-feed.ts';
import type { WireEvent } from '../sandbox-feed.ts';

const config = z.object({
  baseUrl: z.url().meta({ label: 'Base URL', description: 'Where the WMS API lives' }),
  apiKey: z.string().min(1).meta({ label: 'API key', secret: true }),
  webhookSecret: z.string().min(8).meta({
    label: 'Webhook secret',
    description: 'Shared with the WMS to sign pushes',
    secret: true,
  }),
  pollIntervalMs: z.number().int().min(100).default(2_000).meta({ label: 'Poll interval (ms)' }),
});
type WmsConfig = z.output<typeof config>;

// The WMS's own shapes (its API documentation, as it were).
const nativeShipment = z.object({
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
        lineNo: z.number().int(),
        item: z.string().min(1),
        qtyOrdered: z.number().min(0),
        qtyShipped: z.number().min(0),
        shortReason: z.enum(['OOS', 'DMG', 'SP', 'CR', 'OTHER']).optional(),
      }),
    )
    .min(1),
});
const nativePickException = z.object({
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

const shortReasons = {
  OOS: 'out-of-stock',
  DMG: 'damaged',
  SP: 'short-pick',
  CR: 'customer-request',
  OTHER: 'other',
} as const;
const pickReasons = {
  OOS: 'out-of-stock',
  DMG: 'damaged',
  EMPTY: 'location-empty',
  QC: 'quality-hold',
  OTHER: 'other',
} as const;

/**
 * Maps a WMS shipment to the canonical shipment: shipped and ordered quantity per line, the
 * backordered rest, and `partial` when any line shipped short or more shipments follow.
 *
 * ```ts
 * toCanonicalShipment(native).lines[0]; // { lineNumber: '1', sku: 'TAPE-48MM', shippedQty: 36, orderedQty: 40, backorderedQty: 4, shortReason: 'out-of-stock' }
 * ```
 */
export function toCanonicalShipment(native: z.output<typeof nativeShipment>): Shipment {
  const lines = native.lines.map((line) => {
    const missing = Math.max(0, line.qtyOrdered - line.qtyShipped);
    return {
      lineNumber: String(line.lineNo),
      sku: line.item,
      shippedQty: line.qtyShipped,
      orderedQty: line.qtyOrdered,
      ...(missing > 0
        ? { backorderedQty: missing, shortReason: shortReasons[line.shortReason ?? 'OTHER'] }
        : {}),
    };
  });
  return {
    shipmentId: native.shipmentNo,
    orderNumber: native.orderNo,
    shippedAt: native.shipDate,
    warehouse: native.warehouseCode,
    carrier: native.carrierScac,
    trackingNumber: native.trackingNo,
    partial: native.moreToFollow === true || lines.some((l) => l.backorderedQty !== undefined),
    lines,
  };
}

function toCanonicalPickException(native: z.output<typeof nativePickException>): PickException {
  return {
    exceptionId: native.exceptionNo,
    orderNumber: native.orderNo,
    warehouse: native.warehouseCode,
    sku: native.item,
    requestedQty: native.qtyRequested,
    pickedQty: native.qtyPicked,
    reason: pickReasons[native.reasonCode],
    occurredAt: native.at,
    note: native.note,
  };
}

/** One native event → one canonical event (keyed by the WMS's event id, so redeliveries dedupe). */
function toEvent(event: WireEvent): PublishEvent | null {
  const idempotencyKey = `wms:${event.eventId}`;
  switch (event.eventType) {
    case 'SHIPMENT_CONFIRMED': {
      const shipment = toCanonicalShipment(nativeData(nativeShipment, event));
      return {
        type: 'shipment.confirmed',
        correlationKey: shipment.orderNumber ?? shipment.shipmentId,
        idempotencyKey,
        occurredAt: shipment.shippedAt,
        payload: shipment,
      };
    }
    case 'PICK_EXCEPTION': {
      const exception = toCanonicalPickException(nativeData(nativePickException, event));
      return {
        type: 'pick.exception',
        correlationKey: exception.orderNumber,
        idempotencyKey,
        occurredAt: exception.occurredAt,
        payload: exception,
      };
    }
    default:
      return null; // event types this connector does not map
  }
}

/**
 * The WMS sandbox connector, `waybill.wms-sandbox` version 1.
 *
 * ```ts
 * const running = await activateTrigger(wmsSandboxConnector, 'webhook', {
 *   config: { baseUrl: wms.url, apiKey: WMS_SIMULATOR_API_KEY, webhookSecret: 'whsec-wms-1' },
 *   sink, webhookHost,
 * });
 * ```
 */
export const wmsSandboxConnector = defineConnector({
  id: 'waybill.wms-sandbox',
  version: 1,
  kind: 'wms',
  displayName: 'WMS sandbox',
  description:
    'Shipment confirmations (with short shipments) and pick exceptions from the local WMS simulator.',
  config,
  operations: ({ defineOperation }) => ({
    getShipment: defineOperation({
      displayName: 'Get shipment',
      description:
        'Reads a shipment confirmation: shipped, ordered and backordered quantity per line.',
      input: z.object({ shipmentId: z.string().min(1).meta({ label: 'Shipment' }) }),
      output: shipmentSchema,
      idempotent: true,
      defaultTimeoutMs: 5_000,
      defaultRetry: {
        maxAttempts: 5,
        initialIntervalMs: 500,
        backoffCoefficient: 2,
        maxIntervalMs: 10_000,
      },
      run: async (ctx, input) => {
        const { body } = await ctx.http.request({
          method: 'GET',
          url: endpoint(ctx, `/shipments/${encodeURIComponent(input.shipmentId)}`),
          headers: headers(ctx),
          schema: nativeShipment,
        });
        return toCanonicalShipment(body);
      },
    }),
    getPickExceptions: defineOperation({
      displayName: 'Get pick exceptions',
      description: "Lists an order's pick exceptions (lines the warehouse could not pick in full).",
      input: z.object({ orderNumber: z.string().min(1).meta({ label: 'Order number' }) }),
      output: z.object({ exceptions: z.array(pickExceptionSchema) }),
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: async (ctx, input) => {
        const { body } = await ctx.http.request({
          method: 'GET',
          url: endpoint(ctx, `/orders/${encodeURIComponent(input.orderNumber)}/pick-exceptions`),
          headers: headers(ctx),
          schema: z.object({ exceptions: z.array(nativePickException) }),
        });
        return { exceptions: body.exceptions.map(toCanonicalPickException) };
      },
    }),
  }),
  triggers: (helpers) =>
    sandboxFeedTriggers(helpers, {
      system: 'WMS',
      events: ['shipment.confirmed', 'pick.exception'],
      toEvent,
    }),
});

function endpoint(ctx: ConnectorContext<WmsConfig>, path: string): string {
  return `${ctx.config.baseUrl.replace(/\/+$/, '')}${path}`;
}

function headers(ctx: ConnectorContext<WmsConfig>): Record<string, string> {
  return { authorization: `Bearer ${ctx.config.apiKey}`, 'x-correlation-id': ctx.correlationId };
}
