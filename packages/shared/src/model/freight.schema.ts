/**
 * Freight charges from the TMS or carrier. They often arrive after the shipment, and the invoice
 * waits for them when the customer is billed freight.
 *
 * @module
 */
import { z } from 'zod';
import { identifierSchema, timestampSchema } from './common.schema.ts';
import { amountSchema, currencyCodeSchema, nonNegativeAmountSchema } from './money.schema.ts';

/**
 * One component of a freight charge (linehaul, fuel surcharge, accessorials such as liftgate).
 *
 * ```ts
 * const fuel: FreightChargeComponent = { type: 'fuel', amount: 18.4, description: 'Fuel surcharge 14%' };
 * ```
 */
export const freightChargeComponentSchema = z.object({
  type: z.enum(['linehaul', 'fuel', 'accessorial', 'discount', 'other']),
  /** Negative for discounts. */
  amount: amountSchema,
  description: z.string().optional(),
});
/**
 * A freight charge component.
 *
 * ```ts
 * const linehaul: FreightChargeComponent = { type: 'linehaul', amount: 131.6 };
 * ```
 */
export type FreightChargeComponent = z.infer<typeof freightChargeComponentSchema>;

/**
 * A rated freight charge for a shipment (the payload of `freight.rated`).
 *
 * ```ts
 * const charge: FreightCharge = freightChargeSchema.parse({
 *   shipmentId: 'SH-1001', carrier: 'ODFL', amount: 150, currency: 'USD', ratedAt: '2026-11-23T16:00:00Z',
 * });
 * ```
 */
export const freightChargeSchema = z.object({
  shipmentId: identifierSchema,
  orderNumber: identifierSchema.optional(),
  /** Carrier SCAC code. */
  carrier: z.string().min(1),
  /** Total charge; equals the sum of `components` when they are given. */
  amount: nonNegativeAmountSchema,
  currency: currencyCodeSchema,
  ratedAt: timestampSchema,
  /** Who pays: billed to the customer (`prepaid-and-add`), absorbed, or collect. */
  terms: z.enum(['prepaid-and-add', 'prepaid', 'collect']).optional(),
  components: z.array(freightChargeComponentSchema).optional(),
  /** The carrier's PRO (tracking) number. */
  proNumber: z.string().min(1).optional(),
});
/**
 * A freight charge.
 *
 * ```ts
 * const billable = charge.terms === 'prepaid-and-add' ? charge.amount : 0;
 * ```
 */
export type FreightCharge = z.infer<typeof freightChargeSchema>;
