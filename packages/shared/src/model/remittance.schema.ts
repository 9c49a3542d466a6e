/**
 * Remittances (cash application): a customer payment and how it splits over invoices, with
 * discounts taken and deductions (short pays) per invoice. An X12 820 maps to this.
 *
 * @module
 */
import { z } from 'zod';
import { dateSchema, identifierSchema, timestampSchema } from './common.schema.ts';
import {
  amountSchema,
  currencyCodeSchema,
  nonNegativeAmountSchema,
  toScaled,
} from './money.schema.ts';

/**
 * A deduction the customer took from an invoice (positive amount = paid less).
 *
 * ```ts
 * const deduction: RemittanceAdjustment = { reasonCode: 'PRICING', amount: 12.8, description: 'Price per contract' };
 * ```
 */
export const remittanceAdjustmentSchema = z.object({
  /** The customer's reason code (X12 ADX-02, e.g. `01` pricing, `CS` adjustment) or a category. */
  reasonCode: z.string().min(1),
  amount: amountSchema,
  description: z.string().optional(),
});
/**
 * A deduction.
 *
 * ```ts
 * const deducted = payment.adjustments.reduce((sum, a) => sum + a.amount, 0);
 * ```
 */
export type RemittanceAdjustment = z.infer<typeof remittanceAdjustmentSchema>;

/**
 * What the payment covers of one invoice. `amountPaid` + `discountTaken` + the adjustments'
 * amounts equals `invoiceAmount` when every cent is explained; see {@link unexplainedShortPay}.
 *
 * ```ts
 * const payment: InvoicePayment = { invoiceNumber: 'INV-000001', invoiceAmount: 245, amountPaid: 232.2, adjustments: [{ reasonCode: 'PRICING', amount: 12.8 }] };
 * ```
 */
export const invoicePaymentSchema = z.object({
  invoiceNumber: identifierSchema,
  /** The invoice amount as the customer saw it, when the remittance says. */
  invoiceAmount: nonNegativeAmountSchema.optional(),
  amountPaid: amountSchema,
  discountTaken: nonNegativeAmountSchema.optional(),
  adjustments: z.array(remittanceAdjustmentSchema).default([]),
});
/**
 * A payment against one invoice.
 *
 * ```ts
 * const shortPaid = remittance.payments.filter((p) => p.adjustments.length > 0);
 * ```
 */
export type InvoicePayment = z.infer<typeof invoicePaymentSchema>;

/**
 * A remittance (the payload of `remittance.received`): one payment, split over invoices.
 *
 * ```ts
 * const remittance: Remittance = remittanceSchema.parse({
 *   remittanceId: 'RA-1', customerId: 'C-100', currency: 'USD', paymentDate: '2026-12-20',
 *   method: 'ach', totalAmount: 232.2,
 *   payments: [{ invoiceNumber: 'INV-000001', invoiceAmount: 245, amountPaid: 232.2,
 *                adjustments: [{ reasonCode: 'PRICING', amount: 12.8 }] }],
 * });
 * ```
 */
export const remittanceSchema = z.object({
  remittanceId: identifierSchema,
  customerId: identifierSchema,
  currency: currencyCodeSchema,
  paymentDate: dateSchema,
  method: z.enum(['ach', 'check', 'wire', 'card', 'other']),
  /** The payment's trace or check number (X12 TRN-02). */
  reference: z.string().min(1).optional(),
  totalAmount: amountSchema,
  payments: z.array(invoicePaymentSchema).min(1),
  receivedAt: timestampSchema.optional(),
});
/**
 * A remittance.
 *
 * ```ts
 * const applied = sumMoney(remittance.payments.map((p) => p.amountPaid), remittance.currency);
 * ```
 */
export type Remittance = z.infer<typeof remittanceSchema>;

/**
 * How much of an invoice the payment leaves unexplained: `invoiceAmount − amountPaid −
 * discountTaken − adjustments` (0 when the invoice amount is unknown). Positive means an
 * unexplained short pay, negative an overpayment.
 *
 * ```ts
 * unexplainedShortPay({ invoiceNumber: 'I-1', invoiceAmount: 245, amountPaid: 230, adjustments: [{ reasonCode: 'X', amount: 12.8 }] }); // 2.2
 * ```
 */
export function unexplainedShortPay(payment: z.input<typeof invoicePaymentSchema>): number {
  if (payment.invoiceAmount === undefined) return 0;
  const explained =
    toScaled(payment.amountPaid) +
    toScaled(payment.discountTaken ?? 0) +
    (payment.adjustments ?? []).reduce((sum, a) => sum + toScaled(a.amount), 0);
  return (toScaled(payment.invoiceAmount) - explained) / 10_000;
}
