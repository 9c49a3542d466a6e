/**
 * Sales orders: what the customer ordered, line by line, at which price.
 *
 * @module
 */
import { z } from 'zod';
import { addressSchema, dateSchema, identifierSchema, timestampSchema } from './common.schema.ts';
import { currencyCodeSchema, nonNegativeAmountSchema, quantitySchema } from './money.schema.ts';

/**
 * One order line: `sku`, ordered `quantity` and `unitPrice` (in the order's currency).
 *
 * ```ts
 * const line: OrderLine = { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 };
 * ```
 */
export const orderLineSchema = z.object({
  /** The line's number in the source system (EDI PO1-01); lines are matched by `sku` when absent. */
  lineNumber: z.string().min(1).optional(),
  sku: identifierSchema.meta({ label: 'SKU' }),
  description: z.string().optional(),
  quantity: quantitySchema
    .refine((q) => q > 0, 'must be greater than 0')
    .meta({ label: 'Quantity' }),
  /** Unit of measure (X12 355 code, e.g. `EA`, `CA`); `EA` when absent. */
  unitOfMeasure: z.string().min(1).optional(),
  unitPrice: nonNegativeAmountSchema.meta({ label: 'Unit price' }),
});
/**
 * An order line.
 *
 * ```ts
 * const line: OrderLine = { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 };
 * ```
 */
export type OrderLine = z.infer<typeof orderLineSchema>;

/**
 * A released sales order (the payload of `order.released`).
 *
 * ```ts
 * const order: Order = orderSchema.parse({
 *   orderNumber: 'SO-1001', customerId: 'C-100', currency: 'USD', warehouse: 'DAL-1',
 *   lines: [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 }],
 * });
 * ```
 */
export const orderSchema = z.object({
  orderNumber: identifierSchema.meta({ label: 'Order number' }),
  customerId: identifierSchema.meta({ label: 'Customer' }),
  currency: currencyCodeSchema,
  /** The shipping warehouse, when the order is released to one. */
  warehouse: identifierSchema.optional(),
  /** The customer's purchase order number (EDI 850 BEG-03). */
  purchaseOrderNumber: identifierSchema.optional(),
  orderDate: dateSchema.optional(),
  releasedAt: timestampSchema.optional(),
  /** Sales channel: edi, portal, ecommerce, sales-rep, … (for process intelligence). */
  channel: z.string().min(1).optional(),
  businessUnit: z.string().min(1).optional(),
  shipTo: addressSchema.optional(),
  lines: z.array(orderLineSchema).min(1),
});
/**
 * A sales order.
 *
 * ```ts
 * const total = order.lines.reduce((sum, l) => sum + lineAmount(l.quantity, l.unitPrice, order.currency), 0);
 * ```
 */
export type Order = z.infer<typeof orderSchema>;
