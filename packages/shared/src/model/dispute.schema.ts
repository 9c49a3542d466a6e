/**
 * Customer disputes of an invoice (the collections side of the exception taxonomy).
 *
 * @module
 */
import { z } from 'zod';
import { identifierSchema, timestampSchema } from './common.schema.ts';
import { currencyCodeSchema, nonNegativeAmountSchema } from './money.schema.ts';

/**
 * What a dispute is about.
 *
 * ```ts
 * const category: DisputeCategory = 'pricing';
 * ```
 */
export const disputeCategorySchema = z.enum([
  'pricing',
  'quantity',
  'damaged',
  'missing-pod',
  'freight',
  'tax',
  'duplicate-billing',
  'promotion',
  'other',
]);
/**
 * A dispute category.
 *
 * ```ts
 * const category: DisputeCategory = 'freight';
 * ```
 */
export type DisputeCategory = z.infer<typeof disputeCategorySchema>;

/**
 * A dispute (the payload of `dispute.opened`).
 *
 * ```ts
 * const dispute: Dispute = disputeSchema.parse({
 *   disputeId: 'D-1', invoiceNumber: 'INV-000001', customerId: 'C-100', category: 'pricing',
 *   amount: 12.8, currency: 'USD', openedAt: '2026-12-01T09:00:00Z', status: 'open',
 * });
 * ```
 */
export const disputeSchema = z.object({
  disputeId: identifierSchema,
  invoiceNumber: identifierSchema,
  orderNumber: identifierSchema.optional(),
  customerId: identifierSchema,
  /** Absent when the customer did not say; a classifier may suggest one. */
  category: disputeCategorySchema.optional(),
  /** The amount disputed. */
  amount: nonNegativeAmountSchema,
  currency: currencyCodeSchema,
  openedAt: timestampSchema,
  status: z.enum(['open', 'in-review', 'resolved', 'rejected']),
  description: z.string().optional(),
  /** Where it came from: portal, email, remittance deduction, sales rep. */
  source: z.string().min(1).optional(),
});
/**
 * A dispute.
 *
 * ```ts
 * const open = dispute.status === 'open' || dispute.status === 'in-review';
 * ```
 */
export type Dispute = z.infer<typeof disputeSchema>;
