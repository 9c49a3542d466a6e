/**
 * Proof of delivery (POD): the carrier's evidence that goods arrived, required before invoicing
 * for customers whose billing profile says so.
 *
 * @module
 */
import { z } from 'zod';
import { identifierSchema, timestampSchema } from './common.schema.ts';
import { quantitySchema } from './money.schema.ts';

/**
 * A delivery exception noted on the POD (damage, shortage, refusal).
 *
 * ```ts
 * const note: DeliveryException = { kind: 'damaged', sku: 'PAL-WRAP-18', quantity: 1 };
 * ```
 */
export const deliveryExceptionSchema = z.object({
  kind: z.enum(['damaged', 'short', 'over', 'refused', 'other']),
  sku: identifierSchema.optional(),
  quantity: quantitySchema.optional(),
  note: z.string().optional(),
});
/**
 * A delivery exception.
 *
 * ```ts
 * const clean = pod.exceptions === undefined || pod.exceptions.length === 0;
 * ```
 */
export type DeliveryException = z.infer<typeof deliveryExceptionSchema>;

/**
 * A proof of delivery (the payload of `pod.received`).
 *
 * ```ts
 * const pod: ProofOfDelivery = proofOfDeliverySchema.parse({ documentId: 'POD-77812', receivedAt: '2026-11-24T09:30:00Z' });
 * ```
 */
export const proofOfDeliverySchema = z.object({
  documentId: identifierSchema,
  /** When Waybill (or the TMS) received the document. */
  receivedAt: timestampSchema,
  shipmentId: identifierSchema.optional(),
  orderNumber: identifierSchema.optional(),
  /** When the goods were delivered, per the carrier. */
  deliveredAt: timestampSchema.optional(),
  signedBy: z.string().min(1).optional(),
  carrier: z.string().min(1).optional(),
  /** Where the image or PDF can be fetched. */
  documentUrl: z.url().optional(),
  contentType: z.string().min(1).optional(),
  exceptions: z.array(deliveryExceptionSchema).optional(),
});
/**
 * A proof of delivery.
 *
 * ```ts
 * const signed = pod.signedBy !== undefined;
 * ```
 */
export type ProofOfDelivery = z.infer<typeof proofOfDeliverySchema>;

/**
 * A tracking update from the carrier (the payload of `delivery.updated`).
 *
 * ```ts
 * const update: DeliveryEvent = deliveryEventSchema.parse({
 *   shipmentId: 'SH-1001', carrier: 'ODFL', status: 'delivered', occurredAt: '2026-11-24T08:55:00Z',
 * });
 * ```
 */
export const deliveryEventSchema = z.object({
  shipmentId: identifierSchema,
  orderNumber: identifierSchema.optional(),
  carrier: z.string().min(1),
  proNumber: z.string().min(1).optional(),
  status: z.enum(['picked-up', 'in-transit', 'out-for-delivery', 'delivered', 'exception']),
  occurredAt: timestampSchema,
  location: z.string().min(1).optional(),
  note: z.string().optional(),
});
/**
 * A delivery tracking update.
 *
 * ```ts
 * const delivered = update.status === 'delivered';
 * ```
 */
export type DeliveryEvent = z.infer<typeof deliveryEventSchema>;
