/**
 * Credit memos: amounts credited back against an invoice (re-pricing, returns, accepted
 * deductions, freight adjustments).
 *
 * @module
 */
import { z } from 'zod';
import { identifierSchema, timestampSchema } from './common.schema.ts';
import { currencyCodeSchema, nonNegativeAmountSchema, quantitySchema } from './money.schema.ts';

/**
 * Why a credit is issued (matches the exception taxonomy).
 *
 * ```ts
 * const reason: CreditMemoReason = 'pricing';
 * ```
 */
export const creditMemoReasonSchema = z.enum([
  'pricing',
  'short-shipment',
  'damaged',
  'return',
  'freight',
  'tax',
  'duplicate-billing',
  'deduction-accepted',
  'other',
]);
/**
 * A credit memo reason.
 *
 * ```ts
 * const reason: CreditMemoReason = 'short-shipment';
 * ```
 */
export type CreditMemoReason = z.infer<typeof creditMemoReasonSchema>;

/**
 * A credited line.
 *
 * ```ts
 * const line: CreditMemoLine = { sku: 'TAPE-48MM', quantity: 4, unitPrice: 3.2, amount: 12.8 };
 * ```
 */
export const creditMemoLineSchema = z.object({
  sku: identifierSchema,
  quantity: quantitySchema,
  unitPrice: nonNegativeAmountSchema,
  amount: nonNegativeAmountSchema,
});
/**
 * A credited line.
 *
 * ```ts
 * const lines: CreditMemoLine[] = memo.lines ?? [];
 * ```
 */
export type CreditMemoLine = z.infer<typeof creditMemoLineSchema>;

/**
 * A credit memo request or posted memo (`creditMemoNumber` is set once the ERP posted it).
 * `amount` is positive: the amount credited.
 *
 * ```ts
 * const memo: CreditMemo = creditMemoSchema.parse({
 *   invoiceNumber: 'INV-000001', customerId: 'C-100', currency: 'USD', reason: 'pricing', amount: 12.8,
 * });
 * ```
 */
export const creditMemoSchema = z.object({
  creditMemoNumber: identifierSchema.optional(),
  invoiceNumber: identifierSchema,
  customerId: identifierSchema,
  currency: currencyCodeSchema,
  reason: creditMemoReasonSchema,
  amount: nonNegativeAmountSchema.refine((a) => a > 0, 'must be greater than 0'),
  lines: z.array(creditMemoLineSchema).optional(),
  /** The dispute this settles, when it does. */
  disputeId: identifierSchema.optional(),
  note: z.string().optional(),
  issuedAt: timestampSchema.optional(),
});
/**
 * A credit memo.
 *
 * ```ts
 * const net = invoice.total - memo.amount;
 * ```
 */
export type CreditMemo = z.infer<typeof creditMemoSchema>;
