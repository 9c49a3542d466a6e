/**
 * Credit status and credit holds: whether a customer may be shipped and invoiced.
 *
 * @module
 */
import { z } from 'zod';
import { identifierSchema, timestampSchema } from './common.schema.ts';
import { amountSchema, currencyCodeSchema, nonNegativeAmountSchema } from './money.schema.ts';

/**
 * Why a hold was placed.
 *
 * ```ts
 * const reason: CreditHoldReason = 'over-limit';
 * ```
 */
export const creditHoldReasonSchema = z.enum([
  'over-limit',
  'past-due',
  'manual',
  'new-customer',
  'dispute',
]);
/**
 * `'over-limit' | 'past-due' | 'manual' | 'new-customer' | 'dispute'`
 *
 * ```ts
 * const reason: CreditHoldReason = 'past-due';
 * ```
 */
export type CreditHoldReason = z.infer<typeof creditHoldReasonSchema>;

/**
 * A credit hold on a customer, or on one order when `orderNumber` is set.
 *
 * ```ts
 * const hold: CreditHold = { holdId: 'H-1', customerId: 'C-100', reason: 'over-limit', placedAt: '2026-11-23T10:00:00Z' };
 * ```
 */
export const creditHoldSchema = z.object({
  holdId: identifierSchema,
  customerId: identifierSchema,
  orderNumber: identifierSchema.optional(),
  reason: creditHoldReasonSchema,
  note: z.string().optional(),
  placedAt: timestampSchema,
  placedBy: z.string().min(1).optional(),
});
/**
 * A credit hold.
 *
 * ```ts
 * const blocksOrder = hold.orderNumber === undefined || hold.orderNumber === order.orderNumber;
 * ```
 */
export type CreditHold = z.infer<typeof creditHoldSchema>;

/**
 * A customer's credit position: limit, exposure and the holds in force.
 *
 * ```ts
 * const status: CreditStatus = creditStatusSchema.parse({
 *   customerId: 'C-100', currency: 'USD', creditLimit: 50000, exposure: 12000, onHold: false, holds: [],
 * });
 * ```
 */
export const creditStatusSchema = z.object({
  customerId: identifierSchema,
  currency: currencyCodeSchema,
  creditLimit: nonNegativeAmountSchema,
  /** Open receivables plus open orders. */
  exposure: amountSchema,
  /** Past-due receivables. */
  pastDue: nonNegativeAmountSchema.optional(),
  /** True when any hold is in force. */
  onHold: z.boolean(),
  holds: z.array(creditHoldSchema),
  riskRating: z.string().min(1).optional(),
  asOf: timestampSchema.optional(),
});
/**
 * A credit status.
 *
 * ```ts
 * const available = status.creditLimit - status.exposure;
 * ```
 */
export type CreditStatus = z.infer<typeof creditStatusSchema>;
