/**
 * Mapping between typed X12 documents and the canonical billing model of `@waybill/shared`:
 * 850 → order, 856 → shipments (shipped quantity per line, partials), 810 ↔ invoice,
 * 820 → remittance (short pays and deductions). Every mapped record is validated against its
 * canonical schema; a record that does not fit is reported as `CANONICAL_INVALID` at the set's ST.
 *
 * @module
 */
import {
  invoiceSchema,
  lineAmount,
  orderSchema,
  remittanceSchema,
  shipmentSchema,
  sumMoney,
} from '@waybill/shared';
import type {
  Address,
  Invoice,
  Order,
  PaymentTerms,
  Remittance,
  Shipment,
  ShipmentLine,
} from '@waybill/shared';
import type { z } from 'zod';
import type { X12Invoice, X12InvoiceContent, X12InvoiceLine } from './invoice-810.ts';
import type { X12PurchaseOrder } from './purchase-order-850.ts';
import type { X12Remittance } from './remittance-820.ts';
import type { X12AsnItem, X12AsnOrder, X12AsnShipment, X12ShipNotice } from './ship-notice-856.ts';
import { X12Error } from './x12.error.ts';
import type { X12Party, X12Reference, X12Terms } from './x12-elements.ts';
import { assignDefined } from './x12-elements.ts';
import type { X12Segment } from './x12-tokenizer.ts';

/**
 * A mapped canonical record, or the reasons it could not be mapped.
 *
 * ```ts
 * const mapped = purchaseOrderToOrder(po, { st });
 * if (mapped.ok) publish(mapped.value); else console.log(mapped.errors);
 * ```
 */
export type MappingResult<TValue> = { ok: true; value: TValue } | { ok: false; errors: X12Error[] };

/**
 * What every mapping needs beyond the document: the ST segment (for error positions) and
 * fall-backs for what the document may leave out.
 *
 * ```ts
 * const options: MappingOptions = { st: set.st, customerId: 'C-100', defaultCurrency: 'USD' };
 * ```
 */
export interface MappingOptions {
  /** The set's ST segment: errors point at it. */
  st: X12Segment;
  /** Our customer id for the trading partner, when the document does not carry it. */
  customerId?: string;
  /** Currency when the document has no CUR segment (default `USD`). */
  defaultCurrency?: string;
  /**
   * X12 dates and times carry no zone: the partner's UTC offset, e.g. `-05:00` (default `Z`).
   * Used for timestamps such as a shipment's `shippedAt`.
   */
  utcOffset?: string;
}

/** Product id qualifiers in order of preference for our SKU: vendor part, then buyer part, then UPC. */
const skuQualifiers = ['VP', 'VN', 'SK', 'BP', 'IN', 'UP', 'UK', 'EN'];

/**
 * Our SKU among a line's product ids: the vendor's part number (`VP`) when present.
 *
 * ```ts
 * skuOf([{ qualifier: 'UP', value: '0123' }, { qualifier: 'VP', value: 'SKU-1' }]); // 'SKU-1'
 * ```
 */
export function skuOf(productIds: readonly X12Reference[]): string | undefined {
  for (const qualifier of skuQualifiers) {
    const found = productIds.find((id) => id.qualifier === qualifier);
    if (found !== undefined) return found.value;
  }
  return productIds[0]?.value;
}

/**
 * 850 → canonical order (the payload of `order.released`). The order number is the buyer's PO
 * number unless `orderNumber` is given; the customer is the N1*BY (or BT) party's id.
 *
 * ```ts
 * const mapped = purchaseOrderToOrder(po, { st: set.st });
 * if (mapped.ok) mapped.value.lines[0]?.sku; // 'SKU-1001'
 * ```
 */
export function purchaseOrderToOrder(
  po: X12PurchaseOrder,
  options: MappingOptions & { orderNumber?: string },
): MappingResult<Order> {
  const order: z.input<typeof orderSchema> = {
    orderNumber: options.orderNumber ?? po.poNumber,
    customerId: customerIdOf(po.parties, ['BY', 'BT', 'SO'], options) ?? '',
    currency: po.currency ?? options.defaultCurrency ?? 'USD',
    purchaseOrderNumber: po.poNumber,
    channel: 'edi',
    lines: po.lines.map((line) => {
      const mapped: z.input<typeof orderSchema>['lines'][number] = {
        lineNumber: line.lineNumber,
        sku: skuOf(line.productIds) ?? '',
        quantity: line.quantity,
        unitOfMeasure: line.unit,
        // A PO line without a price is refused by the schema (the price agreement is the rule).
        unitPrice: line.unitPrice ?? Number.NaN,
      };
      assignDefined(mapped, 'description', line.description);
      return mapped;
    }),
  };
  assignDefined(order, 'orderDate', po.orderDate === '' ? undefined : po.orderDate);
  assignDefined(order, 'shipTo', addressOf(po.parties.find((party) => party.code === 'ST')));
  return validated(orderSchema, order, options.st, `850 ${po.poNumber}`);
}

/**
 * 856 → one canonical shipment per order level (the payloads of `shipment.confirmed`). Items of
 * the same line packed in several cartons are added up. With the 850's `orders` known, lines that
 * did not ship at all appear with `shippedQty: 0`, and ordered quantities fill in where SN105 is
 * empty; `partial` is true when any line shipped less than ordered.
 *
 * ```ts
 * const [mapped] = shipNoticeToShipments(asn, { st: set.st });
 * if (mapped?.ok) mapped.value.lines.find((line) => line.sku === 'SKU-3003'); // { shippedQty: 18, orderedQty: 25, backorderedQty: 7, … }
 * ```
 */
export function shipNoticeToShipments(
  asn: X12ShipNotice,
  options: MappingOptions & { orders?: readonly Order[] },
): MappingResult<Shipment>[] {
  return asn.shipments.flatMap((shipment) =>
    shipment.orders.map((order) => shipmentOfOrder(asn, shipment, order, options)),
  );
}

function shipmentOfOrder(
  asn: X12ShipNotice,
  shipment: X12AsnShipment,
  order: X12AsnOrder,
  options: MappingOptions & { orders?: readonly Order[] },
): MappingResult<Shipment> {
  const known = options.orders?.find(
    (candidate) =>
      candidate.purchaseOrderNumber === order.poNumber || candidate.orderNumber === order.poNumber,
  );
  const lines = shippedLines(order.items, known);
  const shippedDate = shipment.dates.find((date) => date.qualifier === '011');
  const time = shippedDate?.time ?? asn.time ?? '00:00';
  const canonical: z.input<typeof shipmentSchema> = {
    shipmentId: asn.shipmentId,
    orderNumber: known?.orderNumber ?? order.poNumber,
    shippedAt: `${shippedDate?.date ?? asn.date}T${time.length === 5 ? `${time}:00` : time}${options.utcOffset ?? 'Z'}`,
    partial: lines.some(
      (line) => line.orderedQty !== undefined && line.shippedQty < line.orderedQty,
    ),
    lines,
  };
  assignDefined(canonical, 'warehouse', shipment.parties.find((party) => party.code === 'SF')?.id);
  assignDefined(canonical, 'carrier', shipment.carrier?.scac);
  assignDefined(canonical, 'trackingNumber', shipment.trackingNumber);
  assignDefined(canonical, 'billOfLading', shipment.billOfLading);
  return validated(
    shipmentSchema,
    canonical,
    options.st,
    `856 ${asn.shipmentId} order ${order.poNumber}`,
  );
}

function shippedLines(items: readonly X12AsnItem[], order: Order | undefined): ShipmentLine[] {
  const byKey = new Map<string, ShipmentLine>();
  for (const item of items) {
    const sku = skuOf(item.productIds) ?? '';
    const key = item.lineNumber ?? sku;
    const existing = byKey.get(key);
    if (existing === undefined) {
      const line: ShipmentLine = {
        sku,
        shippedQty: item.shippedQuantity,
        unitOfMeasure: item.unit,
      };
      assignDefined(line, 'lineNumber', item.lineNumber);
      assignDefined(line, 'orderedQty', item.orderedQuantity);
      byKey.set(key, line);
    } else {
      existing.shippedQty = addQuantities(existing.shippedQty, item.shippedQuantity);
    }
  }
  for (const ordered of order?.lines ?? []) {
    const key = ordered.lineNumber ?? ordered.sku;
    const line = byKey.get(key);
    if (line === undefined) {
      const missing: ShipmentLine = {
        sku: ordered.sku,
        shippedQty: 0,
        orderedQty: ordered.quantity,
        backorderedQty: ordered.quantity,
      };
      assignDefined(missing, 'lineNumber', ordered.lineNumber);
      assignDefined(missing, 'unitOfMeasure', ordered.unitOfMeasure);
      byKey.set(key, missing);
    } else {
      line.orderedQty ??= ordered.quantity;
    }
  }
  for (const line of byKey.values()) {
    if (line.orderedQty !== undefined && line.shippedQty < line.orderedQty) {
      line.backorderedQty = addQuantities(line.orderedQty, -line.shippedQty);
    }
  }
  return [...byKey.values()];
}

/**
 * 810 → canonical invoice. Lines bill `quantity × unitPrice`; freight is the sum of SAC charges
 * with code `D240`; tax the sum of TXI amounts; the due date is ITD06, or the invoice date plus
 * ITD07 net days.
 *
 * ```ts
 * const mapped = x12InvoiceToInvoice(invoice810, { st: set.st });
 * if (mapped.ok) mapped.value.total; // 989.28
 * ```
 */
export function x12InvoiceToInvoice(
  invoice: X12Invoice | X12InvoiceContent,
  options: MappingOptions & { orderNumber?: string },
): MappingResult<Invoice> {
  const currency = invoice.currency ?? options.defaultCurrency ?? 'USD';
  const canonical: z.input<typeof invoiceSchema> = {
    invoiceNumber: invoice.invoiceNumber,
    orderNumber: options.orderNumber ?? invoice.poNumber ?? '',
    customerId: customerIdOf(invoice.parties, ['BY', 'BT'], options) ?? '',
    currency,
    invoiceDate: invoice.invoiceDate,
    status: 'sent',
    lines: invoice.lines.map((line) => {
      const mapped: Invoice['lines'][number] = {
        lineNumber: line.lineNumber,
        sku: skuOf(line.productIds) ?? '',
        quantity: line.quantity,
        unitOfMeasure: line.unit,
        unitPrice: line.unitPrice,
        amount: lineAmount(line.quantity, line.unitPrice, currency),
      };
      assignDefined(mapped, 'description', line.description);
      return mapped;
    }),
    freightAmount: sumMoney(
      invoice.allowancesCharges
        .filter((charge) => charge.indicator === 'C' && charge.code === freightChargeCode)
        .map((charge) => charge.amount),
      currency,
    ),
    taxAmount: sumMoney(
      invoice.taxes.map((tax) => tax.amount),
      currency,
    ),
    total: invoice.totalAmount,
  };
  assignDefined(canonical, 'purchaseOrderNumber', invoice.poNumber);
  assignDefined(
    canonical,
    'shipmentId',
    invoice.references.find((ref) => ref.qualifier === 'SI')?.value,
  );
  assignDefined(canonical, 'paymentTerms', termsToCanonical(invoice.terms));
  assignDefined(canonical, 'dueDate', dueDateOf(invoice.invoiceDate, invoice.terms));
  return validated(invoiceSchema, canonical, options.st, `810 ${invoice.invoiceNumber}`);
}

/** SAC02 code for freight. */
const freightChargeCode = 'D240';

/**
 * What the 810 generator needs to know about the parties besides the invoice itself.
 *
 * ```ts
 * const parties: InvoiceParties = { customerName: 'RETAILCO', remitTo: { name: 'WAYBILL DISTRIBUTION', id: 'WBD' } };
 * ```
 */
export interface InvoiceParties {
  /** N1*BY name (the customer id goes in N104 with qualifier 91, assigned by the seller). */
  customerName?: string;
  remitTo?: { name: string; id?: string };
  shipTo?: { name: string; id?: string; address?: Address };
}

/**
 * Canonical invoice → 810 content (for `generateInvoice810`). The PO number is the invoice's
 * purchase order number, or its order number; the shipment id goes in REF*SI; freight becomes a
 * SAC charge `D240`, tax a TXI `TX` (all taxes), payment terms an ITD.
 *
 * ```ts
 * const text = generateInvoice810(invoiceToX12(invoice, { customerName: 'RETAILCO' }), envelope);
 * ```
 */
export function invoiceToX12(invoice: Invoice, parties: InvoiceParties = {}): X12InvoiceContent {
  const content: X12InvoiceContent = {
    invoiceNumber: invoice.invoiceNumber,
    invoiceDate: invoice.invoiceDate,
    poNumber: invoice.purchaseOrderNumber ?? invoice.orderNumber,
    currency: invoice.currency,
    references:
      invoice.shipmentId === undefined ? [] : [{ qualifier: 'SI', value: invoice.shipmentId }],
    dates: [],
    parties: invoiceParties(invoice, parties),
    lines: invoice.lines.map((line, index) => {
      const mapped: X12InvoiceLine = {
        lineNumber: line.lineNumber ?? String(index + 1),
        quantity: line.quantity,
        unit: line.unitOfMeasure ?? 'EA',
        unitPrice: line.unitPrice,
        productIds: [{ qualifier: 'VP', value: line.sku }],
      };
      assignDefined(mapped, 'description', line.description);
      return mapped;
    }),
    totalAmount: invoice.total,
    taxes: invoice.taxAmount > 0 ? [{ typeCode: 'TX', amount: invoice.taxAmount }] : [],
    allowancesCharges:
      invoice.freightAmount > 0
        ? [
            {
              indicator: 'C',
              code: freightChargeCode,
              amount: invoice.freightAmount,
              description: 'FREIGHT',
            },
          ]
        : [],
  };
  if (invoice.paymentTerms !== undefined) {
    const terms = invoice.paymentTerms;
    const itd: X12Terms = {
      // 08 = basic discount offered, 01 = basic (net only); 3 = terms start at the invoice date.
      typeCode: terms.discountPct === undefined ? '01' : '08',
      basisDateCode: '3',
      netDays: terms.netDays,
    };
    assignDefined(itd, 'discountPercent', terms.discountPct);
    assignDefined(itd, 'discountDays', terms.discountDays);
    assignDefined(itd, 'netDueDate', invoice.dueDate);
    assignDefined(itd, 'description', terms.description);
    content.terms = itd;
  }
  return content;
}

function invoiceParties(invoice: Invoice, parties: InvoiceParties): X12Party[] {
  const list: X12Party[] = [];
  if (parties.remitTo !== undefined) {
    list.push({
      code: 'RE',
      name: parties.remitTo.name,
      idQualifier: parties.remitTo.id === undefined ? undefined : '92',
      id: parties.remitTo.id,
      address: undefined,
    });
  }
  list.push({
    code: 'BY',
    name: parties.customerName ?? invoice.customerId,
    idQualifier: '91',
    id: invoice.customerId,
    address: undefined,
  });
  if (parties.shipTo !== undefined) {
    const address = parties.shipTo.address;
    list.push({
      code: 'ST',
      name: parties.shipTo.name,
      idQualifier: parties.shipTo.id === undefined ? undefined : '92',
      id: parties.shipTo.id,
      address:
        address === undefined
          ? undefined
          : {
              lines: [address.line1, ...(address.line2 === undefined ? [] : [address.line2])],
              city: address.city,
              state: address.region,
              postalCode: address.postalCode,
              country: address.country,
            },
    });
  }
  return list;
}

/** BPR04 payment method codes → the canonical method. */
const paymentMethods: Readonly<Record<string, Remittance['method']>> = {
  ACH: 'ach',
  BOP: 'ach',
  CHK: 'check',
  FWT: 'wire',
  FEW: 'wire',
  BCT: 'wire',
  VCC: 'card',
};

/**
 * 820 → canonical remittance (the payload of `remittance.received`). Each RMR with an invoice
 * reference (`IV`) becomes a payment; ADX deductions (negative in X12) become positive
 * adjustment amounts with the ADX02 reason code, so `unexplainedShortPay` of a fully explained
 * short pay is 0. The remittance id is the TRN02 trace number.
 *
 * ```ts
 * const mapped = remittanceToCanonical(remittance820, { st: set.st });
 * if (mapped.ok) mapped.value.payments[1]?.adjustments; // [{ reasonCode: '05', amount: 40 }, { reasonCode: '01', amount: 16.5 }]
 * ```
 */
export function remittanceToCanonical(
  remittance: X12Remittance,
  options: MappingOptions,
): MappingResult<Remittance> {
  const payments = remittance.details
    .filter((detail) => detail.referenceQualifier === 'IV' || detail.referenceQualifier === 'OI')
    .map((detail) => {
      const payment: z.input<typeof remittanceSchema>['payments'][number] = {
        invoiceNumber: detail.reference,
        amountPaid: detail.paidAmount,
        adjustments: detail.adjustments.map((adjustment) => ({
          reasonCode: adjustment.reasonCode,
          // X12 writes a deduction as a negative adjustment; canonical deductions are positive.
          amount: -adjustment.amount + 0,
        })),
      };
      assignDefined(payment, 'invoiceAmount', detail.invoiceAmount);
      if (detail.discountAmount !== undefined && detail.discountAmount !== 0)
        payment.discountTaken = detail.discountAmount;
      return payment;
    });
  const canonical: z.input<typeof remittanceSchema> = {
    remittanceId: remittance.traceNumber ?? remittance.controlNumber,
    customerId: customerIdOf(remittance.parties, ['PR'], options) ?? '',
    currency: remittance.currency ?? options.defaultCurrency ?? 'USD',
    paymentDate:
      remittance.paymentDate ??
      remittance.dates.find((date) => date.qualifier === '097')?.date ??
      '',
    method: paymentMethods[remittance.paymentMethod] ?? 'other',
    totalAmount: remittance.totalAmount,
    payments,
  };
  assignDefined(canonical, 'reference', remittance.traceNumber);
  return validated(
    remittanceSchema,
    canonical,
    options.st,
    `820 ${remittance.traceNumber ?? remittance.controlNumber}`,
  );
}

function customerIdOf(
  parties: readonly X12Party[],
  codes: readonly string[],
  options: MappingOptions,
): string | undefined {
  if (options.customerId !== undefined) return options.customerId;
  for (const code of codes) {
    const party = parties.find(
      (candidate) => candidate.code === code && candidate.id !== undefined,
    );
    if (party?.id !== undefined) return party.id;
  }
  return undefined;
}

function addressOf(party: X12Party | undefined): Address | undefined {
  const address = party?.address;
  const [line1, line2] = address?.lines ?? [];
  if (
    party === undefined ||
    address === undefined ||
    line1 === undefined ||
    address.city === undefined
  )
    return undefined;
  const canonical: Address = {
    name: party.name,
    line1,
    city: address.city,
    country: address.country ?? 'US',
  };
  assignDefined(canonical, 'line2', line2);
  assignDefined(canonical, 'region', address.state);
  assignDefined(canonical, 'postalCode', address.postalCode);
  return canonical;
}

function termsToCanonical(terms: X12Terms | undefined): PaymentTerms | undefined {
  if (terms?.netDays === undefined) return undefined;
  const discount =
    terms.discountPercent === undefined
      ? ''
      : `${terms.discountPercent}/${terms.discountDays ?? 0} `;
  const canonical: PaymentTerms = {
    code: `${discount}NET ${terms.netDays}`,
    netDays: terms.netDays,
  };
  assignDefined(canonical, 'discountPct', terms.discountPercent);
  assignDefined(canonical, 'discountDays', terms.discountDays);
  assignDefined(canonical, 'description', terms.description);
  return canonical;
}

function dueDateOf(invoiceDate: string, terms: X12Terms | undefined): string | undefined {
  if (terms?.netDueDate !== undefined) return terms.netDueDate;
  if (terms?.netDays === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(invoiceDate)) return undefined;
  const due = new Date(`${invoiceDate}T00:00:00Z`);
  due.setUTCDate(due.getUTCDate() + terms.netDays);
  return due.toISOString().slice(0, 10);
}

function addQuantities(a: number, b: number): number {
  return (Math.round(a * 10_000) + Math.round(b * 10_000)) / 10_000;
}

function validated<TSchema extends z.ZodType>(
  schema: TSchema,
  value: z.input<TSchema>,
  st: X12Segment,
  what: string,
): MappingResult<z.output<TSchema>> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    errors: result.error.issues.map(
      (issue) =>
        new X12Error(
          'CANONICAL_INVALID',
          `${what} does not map to the canonical model: ${issue.path.join('.') || '(root)'} ${issue.message}`,
          {
            segmentPosition: st.position,
            segmentId: st.id,
          },
        ),
    ),
  };
}
