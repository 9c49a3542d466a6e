/**
 * Invoices: what the ERP posts (and what an EDI 810 carries).
 *
 * @module
 */
import { z } from 'zod';
import { dateSchema, identifierSchema, timestampSchema } from './common.schema.ts';
import { currencyCodeSchema, nonNegativeAmountSchema, quantitySchema } from './money.schema.ts';
import { paymentTermsSchema } from './billing-profile.schema.ts';

/**
 * One invoice line: billed `quantity` (the shipped quantity) at `unitPrice`; `amount` is their
 * product rounded to the currency's minor unit (see `lineAmount`).
 *
 * ```ts
 * const line: InvoiceLine = { sku: 'TAPE-48MM', quantity: 36, unitPrice: 3.2, amount: 115.2 };
 * ```
 */
export const invoiceLineSchema = z.object({
  lineNumber: z.string().min(1).optional(),
  sku: identifierSchema,
  description: z.string().optional(),
  quantity: quantitySchema,
  unitOfMeasure: z.string().min(1).optional(),
  unitPrice: nonNegativeAmountSchema,
  amount: nonNegativeAmountSchema,
});
/**
 * An invoice line.
 *
 * ```ts
 * const subtotal = sumMoney(invoice.lines.map((l) => l.amount), invoice.currency);
 * ```
 */
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;

/**
 * Where an invoice is in its life.
 *
 * ```ts
 * const status: InvoiceStatus = 'posted';
 * ```
 */
export const invoiceStatusSchema = z.enum([
  'draft',
  'posted',
  'sent',
  'paid',
  'partially-paid',
  'void',
]);
/**
 * `'draft' | 'posted' | 'sent' | 'paid' | 'partially-paid' | 'void'`
 *
 * ```ts
 * const open = invoice.status === 'posted' || invoice.status === 'partially-paid';
 * ```
 */
export type InvoiceStatus = z.infer<typeof invoiceStatusSchema>;

/**
 * An invoice: `total` = sum of line amounts + `freightAmount` + `taxAmount`.
 *
 * ```ts
 * const invoice: Invoice = invoiceSchema.parse({
 *   invoiceNumber: 'INV-000001', orderNumber: 'SO-1001', customerId: 'C-100', currency: 'USD',
 *   invoiceDate: '2026-11-24', status: 'posted', freightAmount: 0, taxAmount: 0, total: 245,
 *   lines: [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5, amount: 245 }],
 * });
 * ```
 */
export const invoiceSchema = z.object({
  invoiceNumber: identifierSchema,
  orderNumber: identifierSchema,
  shipmentId: identifierSchema.optional(),
  customerId: identifierSchema,
  purchaseOrderNumber: identifierSchema.optional(),
  currency: currencyCodeSchema,
  invoiceDate: dateSchema,
  dueDate: dateSchema.optional(),
  status: invoiceStatusSchema,
  lines: z.array(invoiceLineSchema).min(1),
  freightAmount: nonNegativeAmountSchema,
  taxAmount: nonNegativeAmountSchema,
  total: nonNegativeAmountSchema,
  paymentTerms: paymentTermsSchema.optional(),
  postedAt: timestampSchema.optional(),
});
/**
 * An invoice.
 *
 * ```ts
 * const balance = invoice.total - paidSoFar;
 * ```
 */
export type Invoice = z.infer<typeof invoiceSchema>;
