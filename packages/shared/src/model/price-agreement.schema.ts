/**
 * Price agreements (contract prices per customer and SKU) and the result of validating an order's
 * prices against them.
 *
 * @module
 */
import { z } from 'zod';
import { dateSchema, identifierSchema, timestampSchema } from './common.schema.ts';
import { currencyCodeSchema, nonNegativeAmountSchema, quantitySchema } from './money.schema.ts';

/**
 * One contract price: `unitPrice` for `sku` from `minQuantity` up (quantity breaks).
 *
 * ```ts
 * const price: AgreementPrice = { sku: 'TAPE-48MM', unitPrice: 3.1, minQuantity: 100 };
 * ```
 */
export const agreementPriceSchema = z.object({
  sku: identifierSchema,
  unitPrice: nonNegativeAmountSchema,
  minQuantity: quantitySchema.optional(),
});
/**
 * A contract price.
 *
 * ```ts
 * const price: AgreementPrice = { sku: 'PAL-WRAP-18', unitPrice: 24.5 };
 * ```
 */
export type AgreementPrice = z.infer<typeof agreementPriceSchema>;

/**
 * A customer's price agreement, valid over a date range.
 *
 * ```ts
 * const agreement: PriceAgreement = priceAgreementSchema.parse({
 *   agreementId: 'PA-7', customerId: 'C-100', currency: 'USD', validFrom: '2026-01-01',
 *   tolerancePct: 2, prices: [{ sku: 'PAL-WRAP-18', unitPrice: 24.5 }],
 * });
 * ```
 */
export const priceAgreementSchema = z.object({
  agreementId: identifierSchema,
  customerId: identifierSchema,
  currency: currencyCodeSchema,
  validFrom: dateSchema,
  /** Open-ended when absent. */
  validTo: dateSchema.optional(),
  /** Largest variance (in %) accepted without review. */
  tolerancePct: z.number().min(0).optional(),
  prices: z.array(agreementPriceSchema).min(1),
});
/**
 * A price agreement.
 *
 * ```ts
 * const contractPrice = agreement.prices.find((p) => p.sku === line.sku)?.unitPrice;
 * ```
 */
export type PriceAgreement = z.infer<typeof priceAgreementSchema>;

/**
 * A priced line after validation: the price to bill (`unitPrice`) and, when known, the contract
 * price it was checked against.
 *
 * ```ts
 * const line: PricedLine = { sku: 'TAPE-48MM', quantity: 36, unitPrice: 3.2, contractPrice: 3.2 };
 * ```
 */
export const pricedLineSchema = z.object({
  sku: identifierSchema,
  quantity: quantitySchema,
  unitPrice: nonNegativeAmountSchema,
  contractPrice: nonNegativeAmountSchema.optional(),
  /** This line's variance from the contract price, in %. */
  variancePct: z.number().optional(),
});
/**
 * A priced line.
 *
 * ```ts
 * const lines: PricedLine[] = pricing.lines;
 * ```
 */
export type PricedLine = z.infer<typeof pricedLineSchema>;

/**
 * The outcome of a pricing validation (the payload of `pricing.validated` and `pricing.variance`):
 * the lines to bill and the largest variance found, in %.
 *
 * ```ts
 * const result: PricingValidation = pricingValidationSchema.parse({
 *   variancePct: 0.4, lines: [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 }],
 * });
 * ```
 */
export const pricingValidationSchema = z.object({
  /** The largest absolute line variance against the agreement, in %. */
  variancePct: z.number().min(0),
  lines: z.array(pricedLineSchema).min(1),
  agreementId: identifierSchema.optional(),
  currency: currencyCodeSchema.optional(),
  tolerancePct: z.number().min(0).optional(),
  validatedAt: timestampSchema.optional(),
});
/**
 * A pricing validation.
 *
 * ```ts
 * const withinTolerance = result.variancePct <= (result.tolerancePct ?? 2);
 * ```
 */
export type PricingValidation = z.infer<typeof pricingValidationSchema>;

/**
 * The variance of `billed` from `contract`, in % of the contract price (0 when both are 0).
 *
 * ```ts
 * priceVariancePct(3.2, 3.1); // 3.2258…
 * ```
 */
export function priceVariancePct(billed: number, contract: number): number {
  if (contract === 0) return billed === 0 ? 0 : 100;
  return (Math.abs(billed - contract) / contract) * 100;
}
