/**
 * Customer billing profiles and payment terms: how each customer wants to be invoiced. They
 * decide much of billing readiness (hold for POD, per-shipment or consolidated, EDI, portal).
 *
 * @module
 */
import { z } from 'zod';
import { identifierSchema } from './common.schema.ts';

/**
 * Payment terms, e.g. `2/10 net 30`: due in `netDays`, `discountPct` off when paid within
 * `discountDays`.
 *
 * ```ts
 * const terms: PaymentTerms = { code: '2-10-NET30', netDays: 30, discountPct: 2, discountDays: 10 };
 * ```
 */
export const paymentTermsSchema = z.object({
  code: z.string().min(1),
  netDays: z.number().int().min(0),
  discountPct: z.number().min(0).max(100).optional(),
  discountDays: z.number().int().min(0).optional(),
  description: z.string().optional(),
});
/**
 * Payment terms.
 *
 * ```ts
 * const due = addDays(invoiceDate, terms.netDays);
 * ```
 */
export type PaymentTerms = z.infer<typeof paymentTermsSchema>;

/**
 * How invoices are grouped: one per shipment, or consolidated per customer, route or delivery
 * window.
 *
 * ```ts
 * const mode: InvoiceMode = 'per-shipment';
 * ```
 */
export const invoiceModeSchema = z.enum(['per-shipment', 'consolidated']);
/**
 * `'per-shipment' | 'consolidated'`
 *
 * ```ts
 * if (profile.invoiceMode === 'consolidated') batch(invoice);
 * ```
 */
export type InvoiceMode = z.infer<typeof invoiceModeSchema>;

/**
 * A customer's billing profile. The first five fields are what every ERP connector returns (and
 * what the billing-readiness template reads); the rest are optional refinements.
 *
 * ```ts
 * const profile: CustomerBillingProfile = customerBillingProfileSchema.parse({
 *   customerId: 'C-200', podRequired: true, invoiceMode: 'per-shipment', paymentTermsDays: 45, ediInvoiceRequired: true,
 * });
 * ```
 */
export const customerBillingProfileSchema = z.object({
  customerId: identifierSchema,
  /** Hold the invoice until proof of delivery is received. */
  podRequired: z.boolean().meta({ label: 'Proof of delivery required' }),
  invoiceMode: invoiceModeSchema,
  /** Net days of the payment terms (the short form of `paymentTerms.netDays`). */
  paymentTermsDays: z.number().int().min(0),
  /** The customer must receive an EDI 810 invoice. */
  ediInvoiceRequired: z.boolean().meta({ label: 'EDI 810 invoice required' }),
  /** Invoices must also be uploaded to the customer's portal. */
  portalUploadRequired: z.boolean().optional(),
  /** Retail customers may require an ASN (EDI 856) before they accept an invoice. */
  asnRequired: z.boolean().optional(),
  /** For consolidated invoicing: what invoices are grouped by. */
  consolidateBy: z.enum(['customer', 'route', 'delivery-window']).optional(),
  paymentTerms: paymentTermsSchema.optional(),
  /** Bill freight to the customer. */
  billFreight: z.boolean().optional(),
});
/**
 * A customer billing profile.
 *
 * ```ts
 * const mustWaitForPod = profile.podRequired;
 * ```
 */
export type CustomerBillingProfile = z.infer<typeof customerBillingProfileSchema>;
