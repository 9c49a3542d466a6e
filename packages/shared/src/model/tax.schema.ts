/**
 * Tax calculated for an order or shipment (by the ERP or a tax engine).
 *
 * @module
 */
import { z } from 'zod';
import { identifierSchema, timestampSchema } from './common.schema.ts';
import { currencyCodeSchema, nonNegativeAmountSchema } from './money.schema.ts';

/**
 * Tax on one line.
 *
 * ```ts
 * const line: TaxLine = { sku: 'PAL-WRAP-18', taxableAmount: 245, ratePct: 8.25, taxAmount: 20.21 };
 * ```
 */
export const taxLineSchema = z.object({
  sku: identifierSchema,
  taxableAmount: nonNegativeAmountSchema,
  ratePct: z.number().min(0),
  taxAmount: nonNegativeAmountSchema,
  jurisdiction: z.string().min(1).optional(),
});
/**
 * A taxed line.
 *
 * ```ts
 * const lines: TaxLine[] = calculation.lines ?? [];
 * ```
 */
export type TaxLine = z.infer<typeof taxLineSchema>;

/**
 * A tax calculation (the payload of `tax.calculated`).
 *
 * ```ts
 * const tax: TaxCalculation = taxCalculationSchema.parse({ taxAmount: 20.21, currency: 'USD', calculatedAt: '2026-11-23T15:00:00Z' });
 * ```
 */
export const taxCalculationSchema = z.object({
  orderNumber: identifierSchema.optional(),
  shipmentId: identifierSchema.optional(),
  taxAmount: nonNegativeAmountSchema,
  currency: currencyCodeSchema,
  calculatedAt: timestampSchema,
  /** The engine that calculated it (ERP, Avalara, Vertex, …). */
  source: z.string().min(1).optional(),
  lines: z.array(taxLineSchema).optional(),
});
/**
 * A tax calculation.
 *
 * ```ts
 * const taxAmount = calculation.taxAmount;
 * ```
 */
export type TaxCalculation = z.infer<typeof taxCalculationSchema>;
