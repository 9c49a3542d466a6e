/**
 * The ★ canonical events of the billing templates and their payload schemas. Connectors publish
 * them, `POST /api/v1/events` accepts them, flows wait for them. The correlation key is the order
 * number unless {@link canonicalEventCatalog} says otherwise.
 *
 * @module
 */
import { z } from 'zod';
import { identifierSchema, timestampSchema } from './common.schema.ts';
import { creditHoldSchema } from './credit.schema.ts';
import { disputeSchema } from './dispute.schema.ts';
import { freightChargeSchema } from './freight.schema.ts';
import { invoiceSchema } from './invoice.schema.ts';
import { currencyCodeSchema, nonNegativeAmountSchema } from './money.schema.ts';
import { orderSchema } from './order.schema.ts';
import { pricingValidationSchema } from './price-agreement.schema.ts';
import { deliveryEventSchema, proofOfDeliverySchema } from './proof-of-delivery.schema.ts';
import { remittanceSchema } from './remittance.schema.ts';
import { pickExceptionSchema, shipmentSchema } from './shipment.schema.ts';
import { taxCalculationSchema } from './tax.schema.ts';

/**
 * Payload of `pricing.variance`: a pricing validation whose variance exceeds `tolerancePct`.
 *
 * ```ts
 * pricingVarianceSchema.parse({ variancePct: 6.2, tolerancePct: 2, lines: [{ sku: 'A', quantity: 1, unitPrice: 10.62, contractPrice: 10 }] });
 * ```
 */
export const pricingVarianceSchema = pricingValidationSchema.extend({
  tolerancePct: z.number().min(0),
});

/**
 * Payload of `credit.released`.
 *
 * ```ts
 * creditReleasedSchema.parse({ holdId: 'H-1', customerId: 'C-100', releasedAt: '2026-11-23T11:00:00Z' });
 * ```
 */
export const creditReleasedSchema = z.object({
  holdId: identifierSchema,
  customerId: identifierSchema,
  orderNumber: identifierSchema.optional(),
  releasedAt: timestampSchema,
  releasedBy: z.string().min(1).optional(),
  note: z.string().optional(),
});

/**
 * Payload of `invoice.posted`: the posting receipt, with the full invoice when the ERP returns it.
 *
 * ```ts
 * invoicePostedSchema.parse({ invoiceNumber: 'INV-000001', orderNumber: 'SO-1001', customerId: 'C-100', currency: 'USD', total: 245, postedAt: '2026-11-24T08:00:00Z' });
 * ```
 */
export const invoicePostedSchema = z.object({
  invoiceNumber: identifierSchema,
  orderNumber: identifierSchema,
  customerId: identifierSchema,
  shipmentId: identifierSchema.optional(),
  currency: currencyCodeSchema,
  total: nonNegativeAmountSchema,
  postedAt: timestampSchema,
  invoice: invoiceSchema.optional(),
});

/**
 * Every canonical event type → the zod schema of its payload.
 *
 * ```ts
 * const result = canonicalEvents['shipment.confirmed'].safeParse(body.payload);
 * ```
 */
export const canonicalEvents = {
  'order.released': orderSchema,
  'shipment.confirmed': shipmentSchema,
  'freight.rated': freightChargeSchema,
  'pricing.validated': pricingValidationSchema,
  'pricing.variance': pricingVarianceSchema,
  'tax.calculated': taxCalculationSchema,
  'pod.received': proofOfDeliverySchema,
  'credit.held': creditHoldSchema,
  'credit.released': creditReleasedSchema,
  'invoice.posted': invoicePostedSchema,
  'dispute.opened': disputeSchema,
  'remittance.received': remittanceSchema,
} as const;

/**
 * The canonical event type names.
 *
 * ```ts
 * const type: CanonicalEventType = 'pod.received';
 * ```
 */
export type CanonicalEventType = keyof typeof canonicalEvents;

/**
 * The payload type of a canonical event (after parsing: defaults applied).
 *
 * ```ts
 * const pod: CanonicalEventPayload<'pod.received'> = { documentId: 'POD-1', receivedAt: '2026-11-24T09:30:00Z' };
 * ```
 */
export type CanonicalEventPayload<TType extends CanonicalEventType> = z.output<
  (typeof canonicalEvents)[TType]
>;

/**
 * What a producer sends as the payload of a canonical event (before defaults).
 *
 * ```ts
 * const payment: CanonicalEventInput<'remittance.received'> = remittanceInput;
 * ```
 */
export type CanonicalEventInput<TType extends CanonicalEventType> = z.input<
  (typeof canonicalEvents)[TType]
>;

/**
 * Any canonical event with its typed payload, discriminated by `type`.
 *
 * ```ts
 * function onEvent(event: CanonicalEvent) { if (event.type === 'pod.received') event.payload.documentId; }
 * ```
 */
export type CanonicalEvent = {
  [TType in CanonicalEventType]: { type: TType; payload: CanonicalEventPayload<TType> };
}[CanonicalEventType];

/**
 * What each event means and what its correlation key is.
 *
 * ```ts
 * canonicalEventCatalog['remittance.received'].correlationKey; // 'remittanceId'
 * ```
 */
export const canonicalEventCatalog: Readonly<
  Record<CanonicalEventType, { description: string; correlationKey: string }>
> = {
  'order.released': {
    description: 'The ERP released an order for fulfilment.',
    correlationKey: 'orderNumber',
  },
  'shipment.confirmed': {
    description: 'The WMS confirmed what shipped, per line (partials are normal).',
    correlationKey: 'orderNumber',
  },
  'freight.rated': {
    description: 'The TMS or carrier rated the freight of a shipment.',
    correlationKey: 'orderNumber',
  },
  'pricing.validated': {
    description: 'Prices were checked against the agreement, within tolerance.',
    correlationKey: 'orderNumber',
  },
  'pricing.variance': {
    description: 'Prices differ from the agreement beyond tolerance.',
    correlationKey: 'orderNumber',
  },
  'tax.calculated': {
    description: 'Tax was calculated for the order or shipment.',
    correlationKey: 'orderNumber',
  },
  'pod.received': {
    description: 'Proof of delivery arrived from the carrier.',
    correlationKey: 'orderNumber',
  },
  'credit.held': {
    description: 'A credit hold was placed (on the order, or on the customer).',
    correlationKey: 'orderNumber, or customerId for customer-wide holds',
  },
  'credit.released': {
    description: 'A credit hold was released.',
    correlationKey: 'orderNumber, or customerId for customer-wide holds',
  },
  'invoice.posted': { description: 'The ERP posted an invoice.', correlationKey: 'orderNumber' },
  'dispute.opened': {
    description: 'A customer disputed an invoice.',
    correlationKey: 'invoiceNumber',
  },
  'remittance.received': {
    description: 'A customer payment arrived, split over invoices.',
    correlationKey: 'remittanceId',
  },
};

/**
 * Events beyond the ★ canonical list that connectors also publish (operational signals flows may
 * wait for): WMS pick exceptions and carrier tracking updates. Correlation key: the order number.
 *
 * ```ts
 * integrationEvents['pick.exception'].parse(payload);
 * ```
 */
export const integrationEvents = {
  'pick.exception': pickExceptionSchema,
  'delivery.updated': deliveryEventSchema,
} as const;

/**
 * Every event a connector may publish: the canonical events plus {@link integrationEvents}.
 *
 * ```ts
 * const schema = publishableEvents['delivery.updated'];
 * ```
 */
export const publishableEvents = { ...canonicalEvents, ...integrationEvents } as const;

/**
 * `CanonicalEventType | 'pick.exception' | 'delivery.updated'`
 *
 * ```ts
 * const type: PublishableEventType = 'pick.exception';
 * ```
 */
export type PublishableEventType = keyof typeof publishableEvents;

/**
 * What a producer sends as the payload of a publishable event (before defaults).
 *
 * ```ts
 * const exception: PublishableEventInput<'pick.exception'> = { exceptionId: 'PX-1', ...rest };
 * ```
 */
export type PublishableEventInput<TType extends PublishableEventType> = z.input<
  (typeof publishableEvents)[TType]
>;

/**
 * True when `type` names a canonical event.
 *
 * ```ts
 * if (isCanonicalEventType(body.type)) canonicalEvents[body.type].parse(body.payload);
 * ```
 */
export function isCanonicalEventType(type: string): type is CanonicalEventType {
  return Object.hasOwn(canonicalEvents, type);
}

/**
 * The JSON Schema (draft 2020-12) of each canonical event payload, for the designer, the OpenAPI
 * document and external producers.
 *
 * ```ts
 * canonicalEventJsonSchemas()['pod.received'].required; // ['documentId', 'receivedAt']
 * ```
 */
export function canonicalEventJsonSchemas(): Record<CanonicalEventType, Record<string, unknown>> {
  const out: Partial<Record<CanonicalEventType, Record<string, unknown>>> = {};
  for (const type of canonicalEventTypes) {
    out[type] = z.toJSONSchema(canonicalEvents[type], { io: 'input', unrepresentable: 'any' });
  }
  // Every key was filled in the loop above; TypeScript cannot see that through `Partial`.
  return out as Record<CanonicalEventType, Record<string, unknown>>;
}

/**
 * The canonical event types, in the order of the billing flow.
 *
 * ```ts
 * for (const type of canonicalEventTypes) console.log(type);
 * ```
 */
export const canonicalEventTypes: readonly CanonicalEventType[] = Object.freeze(
  Object.keys(canonicalEvents).filter(isCanonicalEventType),
);
