/**
 * The canonical billing data model: what connectors map to and from, and what canonical event
 * payloads carry. Money is a JSON number in major units with at most four decimals; compute with
 * `sumMoney` / `lineAmount` / `roundMoney` (see `money.schema.ts` for why).
 *
 * ```ts
 * import { canonicalEvents, shortLinesOf } from '@waybill/shared';
 * const shipment = canonicalEvents['shipment.confirmed'].parse(payload);
 * const short = shortLinesOf(order, shipment);
 * ```
 * @module
 */
export * from './common.schema.ts';
export * from './money.schema.ts';
export * from './order.schema.ts';
export * from './shipment.schema.ts';
export * from './freight.schema.ts';
export * from './price-agreement.schema.ts';
export * from './proof-of-delivery.schema.ts';
export * from './billing-profile.schema.ts';
export * from './credit.schema.ts';
export * from './tax.schema.ts';
export * from './invoice.schema.ts';
export * from './credit-memo.schema.ts';
export * from './dispute.schema.ts';
export * from './remittance.schema.ts';
export * from './canonical-events.schema.ts';
