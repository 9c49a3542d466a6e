/**
 * Shipments and pick exceptions reported by the WMS. Partial (short) shipments are normal: a line
 * ships less than ordered and the rest is backordered or cancelled; invoices bill what shipped.
 *
 * @module
 */
import { z } from 'zod';
import { identifierSchema, timestampSchema } from './common.schema.ts';
import { quantitySchema } from './money.schema.ts';
import type { Order } from './order.schema.ts';

/**
 * One shipped line: `shippedQty` per `sku`; `orderedQty` and `backorderedQty` when the WMS knows.
 *
 * ```ts
 * const line: ShipmentLine = { sku: 'TAPE-48MM', shippedQty: 36, orderedQty: 40, backorderedQty: 4, shortReason: 'out-of-stock' };
 * ```
 */
export const shipmentLineSchema = z.object({
  lineNumber: z.string().min(1).optional(),
  sku: identifierSchema.meta({ label: 'SKU' }),
  shippedQty: quantitySchema.meta({ label: 'Shipped quantity' }),
  orderedQty: quantitySchema.optional(),
  backorderedQty: quantitySchema.optional(),
  /** Why less than ordered shipped. */
  shortReason: z
    .enum(['out-of-stock', 'damaged', 'short-pick', 'customer-request', 'other'])
    .optional(),
  unitOfMeasure: z.string().min(1).optional(),
});
/**
 * A shipped line.
 *
 * ```ts
 * const line: ShipmentLine = { sku: 'PAL-WRAP-18', shippedQty: 10 };
 * ```
 */
export type ShipmentLine = z.infer<typeof shipmentLineSchema>;

/**
 * A shipment confirmation (the payload of `shipment.confirmed`, also built from an EDI 856).
 *
 * ```ts
 * const shipment: Shipment = shipmentSchema.parse({
 *   shipmentId: 'SH-1001', shippedAt: '2026-11-23T14:05:00Z',
 *   lines: [{ sku: 'PAL-WRAP-18', shippedQty: 10 }, { sku: 'TAPE-48MM', shippedQty: 36 }],
 * });
 * ```
 */
export const shipmentSchema = z.object({
  shipmentId: identifierSchema.meta({ label: 'Shipment' }),
  /** Optional because the event's correlation key already names the order. */
  orderNumber: identifierSchema.optional(),
  shippedAt: timestampSchema,
  warehouse: identifierSchema.optional(),
  /** Carrier SCAC code (e.g. `ODFL`). */
  carrier: z.string().min(1).optional(),
  trackingNumber: z.string().min(1).optional(),
  /** Bill of lading number. */
  billOfLading: z.string().min(1).optional(),
  /** True when the WMS says more shipments will follow for this order. */
  partial: z.boolean().optional(),
  lines: z.array(shipmentLineSchema).min(1),
});
/**
 * A shipment confirmation.
 *
 * ```ts
 * const shortLines = shipment.lines.filter((l) => l.orderedQty !== undefined && l.shippedQty < l.orderedQty);
 * ```
 */
export type Shipment = z.infer<typeof shipmentSchema>;

/**
 * A line that shipped less than ordered, as {@link shortLinesOf} reports it.
 *
 * ```ts
 * const short: ShortLine = { sku: 'TAPE-48MM', orderedQty: 40, shippedQty: 36, missingQty: 4 };
 * ```
 */
export interface ShortLine {
  sku: string;
  orderedQty: number;
  shippedQty: number;
  missingQty: number;
}

/**
 * The order lines a shipment ships short (less than ordered, or not at all), compared per SKU.
 * Quantities of the same SKU on several lines are added up first.
 *
 * ```ts
 * shortLinesOf(order, shipment); // [{ sku: 'TAPE-48MM', orderedQty: 40, shippedQty: 36, missingQty: 4 }]
 * ```
 */
export function shortLinesOf(
  order: Pick<Order, 'lines'>,
  shipment: Pick<Shipment, 'lines'>,
): ShortLine[] {
  const shipped = totalsBySku(shipment.lines.map((l) => [l.sku, l.shippedQty]));
  const ordered = totalsBySku(order.lines.map((l) => [l.sku, l.quantity]));
  const short: ShortLine[] = [];
  for (const [sku, orderedQty] of ordered) {
    const shippedQty = shipped.get(sku) ?? 0;
    // Compare in ten-thousandths: quantities carry at most four decimals.
    const missing = Math.round(orderedQty * 10_000) - Math.round(shippedQty * 10_000);
    if (missing > 0) short.push({ sku, orderedQty, shippedQty, missingQty: missing / 10_000 });
  }
  return short;
}

function totalsBySku(entries: readonly (readonly [string, number])[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [sku, qty] of entries) {
    totals.set(
      sku,
      (Math.round((totals.get(sku) ?? 0) * 10_000) + Math.round(qty * 10_000)) / 10_000,
    );
  }
  return totals;
}

/**
 * A pick exception from the WMS: a line could not be picked in full.
 *
 * ```ts
 * const exception: PickException = pickExceptionSchema.parse({
 *   exceptionId: 'PX-1', orderNumber: 'SO-1001', warehouse: 'DAL-1', sku: 'TAPE-48MM',
 *   requestedQty: 40, pickedQty: 36, reason: 'out-of-stock', occurredAt: '2026-11-23T12:00:00Z',
 * });
 * ```
 */
export const pickExceptionSchema = z.object({
  exceptionId: identifierSchema,
  orderNumber: identifierSchema,
  warehouse: identifierSchema,
  sku: identifierSchema,
  requestedQty: quantitySchema,
  pickedQty: quantitySchema,
  reason: z.enum(['out-of-stock', 'damaged', 'location-empty', 'quality-hold', 'other']),
  occurredAt: timestampSchema,
  note: z.string().optional(),
});
/**
 * A pick exception.
 *
 * ```ts
 * const missing = exception.requestedQty - exception.pickedQty;
 * ```
 */
export type PickException = z.infer<typeof pickExceptionSchema>;
