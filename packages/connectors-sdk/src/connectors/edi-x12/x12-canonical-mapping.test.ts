import type { Invoice, Order } from '@waybill/shared';
import { canonicalEvents, shortLinesOf, unexplainedShortPay } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import { generateInvoice810, readInvoice } from './invoice-810.ts';
import { readPurchaseOrder } from './purchase-order-850.ts';
import { readRemittance } from './remittance-820.ts';
import { readShipNotice } from './ship-notice-856.ts';
import { fixtureSet } from './test-fixtures.ts';
import {
  invoiceToX12,
  purchaseOrderToOrder,
  remittanceToCanonical,
  shipNoticeToShipments,
  skuOf,
  x12InvoiceToInvoice,
} from './x12-canonical-mapping.ts';
import type { MappingResult } from './x12-canonical-mapping.ts';
import { parseX12OrThrow, transactionSetsOf } from './x12-parser.ts';

function value<TValue>(result: MappingResult<TValue> | undefined): TValue {
  if (result === undefined || !result.ok) throw new Error(`not mapped: ${JSON.stringify(result)}`);
  return result.value;
}

function mappedOrder(): Order {
  const set = fixtureSet('850-purchase-order.edi');
  return value(purchaseOrderToOrder(readPurchaseOrder(set).document, { st: set.st }));
}

describe('850 → order', () => {
  it('maps the PO to a canonical order valid as order.released', () => {
    const order = mappedOrder();
    expect(order).toMatchObject({
      orderNumber: 'PO-45001',
      purchaseOrderNumber: 'PO-45001',
      customerId: 'C-100',
      currency: 'USD',
      orderDate: '2024-03-12',
      channel: 'edi',
      shipTo: {
        name: 'RETAILCO DC 7',
        line1: '1200 LOGISTICS WAY',
        city: 'COLUMBUS',
        region: 'OH',
        postalCode: '43215',
        country: 'US',
      },
    });
    expect(
      order.lines.map((l) => [l.lineNumber, l.sku, l.quantity, l.unitOfMeasure, l.unitPrice]),
    ).toEqual([
      ['1', 'SKU-1001', 10, 'CA', 24.5],
      ['2', 'SKU-2002', 4, 'EA', 120],
      ['3', 'SKU-3003', 25, 'CA', 8.75],
    ]);
    expect(canonicalEvents['order.released'].safeParse(order).success).toBe(true);
  });

  it('takes the order number and customer from options when given', () => {
    const set = fixtureSet('850-purchase-order.edi');
    const order = value(
      purchaseOrderToOrder(readPurchaseOrder(set).document, {
        st: set.st,
        orderNumber: 'SO-9',
        customerId: 'C-200',
      }),
    );
    expect([order.orderNumber, order.customerId, order.purchaseOrderNumber]).toEqual([
      'SO-9',
      'C-200',
      'PO-45001',
    ]);
  });

  it('reports a line without a price as CANONICAL_INVALID at the ST', () => {
    const set = fixtureSet('850-purchase-order.edi');
    const { document } = readPurchaseOrder(set);
    const withoutPrice = {
      ...document,
      lines: document.lines.map((line, index) =>
        index === 1 ? { ...line, unitPrice: undefined } : line,
      ),
    };
    const result = purchaseOrderToOrder(withoutPrice, { st: set.st });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((e) => [e.code, e.segmentPosition])).toEqual([
        ['CANONICAL_INVALID', 3],
      ]);
      expect(result.errors[0]?.message).toContain('lines.1.unitPrice');
    }
  });

  it('prefers the vendor part number as SKU', () => {
    expect(
      skuOf([
        { qualifier: 'UP', value: '0123' },
        { qualifier: 'VP', value: 'SKU-1' },
      ]),
    ).toBe('SKU-1');
    expect(skuOf([{ qualifier: 'ZZ', value: 'X' }])).toBe('X');
  });
});

describe('856 → shipments', () => {
  it('maps shipped quantities per line and marks the short shipment partial', () => {
    const set = fixtureSet('856-ship-notice.edi');
    const [mapped] = shipNoticeToShipments(readShipNotice(set).document, { st: set.st });
    const shipment = value(mapped);
    expect(shipment).toMatchObject({
      shipmentId: 'SHP-77001',
      orderNumber: 'PO-45001',
      shippedAt: '2024-03-15T14:30:00Z',
      warehouse: 'WH2',
      carrier: 'ODFL',
      trackingNumber: 'PRO-5544332',
      billOfLading: 'BOL-998877',
      partial: true,
    });
    expect(shipment.lines).toEqual([
      { lineNumber: '1', sku: 'SKU-1001', shippedQty: 10, orderedQty: 10, unitOfMeasure: 'CA' },
      { lineNumber: '2', sku: 'SKU-2002', shippedQty: 4, orderedQty: 4, unitOfMeasure: 'EA' },
      {
        lineNumber: '3',
        sku: 'SKU-3003',
        shippedQty: 18,
        orderedQty: 25,
        backorderedQty: 7,
        unitOfMeasure: 'CA',
      },
    ]);
    expect(shortLinesOf(mappedOrder(), shipment)).toEqual([
      { sku: 'SKU-3003', orderedQty: 25, shippedQty: 18, missingQty: 7 },
    ]);
    expect(canonicalEvents['shipment.confirmed'].safeParse(shipment).success).toBe(true);
  });

  it("stamps shippedAt with the partner's UTC offset when given", () => {
    const set = fixtureSet('856-ship-notice.edi');
    const [mapped] = shipNoticeToShipments(readShipNotice(set).document, {
      st: set.st,
      utcOffset: '-05:00',
    });
    expect(value(mapped).shippedAt).toBe('2024-03-15T14:30:00-05:00');
  });

  it('adds up one line packed in several cartons, and lists unshipped order lines with shippedQty 0', () => {
    const set = fixtureSet('856-ship-notice.edi');
    const { document } = readShipNotice(set);
    const order = document.shipments[0]!.orders[0]!;
    // Line 1 split over two cartons (6 + 4); line 2 not shipped at all; no SN105 anywhere.
    order.items = [
      { ...order.items[0]!, shippedQuantity: 6, orderedQuantity: undefined },
      { ...order.items[0]!, hlId: '9', shippedQuantity: 4, orderedQuantity: undefined },
      { ...order.items[2]!, orderedQuantity: undefined },
    ];
    const [mapped] = shipNoticeToShipments(document, { st: set.st, orders: [mappedOrder()] });
    const shipment = value(mapped);
    expect(
      shipment.lines.map((l) => [l.lineNumber, l.shippedQty, l.orderedQty, l.backorderedQty]),
    ).toEqual([
      ['1', 10, 10, undefined],
      ['3', 18, 25, 7],
      ['2', 0, 4, 4],
    ]);
    expect(shipment.partial).toBe(true);
  });
});

describe('810 ↔ invoice', () => {
  it('maps an 810 to a canonical invoice: freight from SAC D240, tax from TXI, due date from terms', () => {
    const set = fixtureSet('810-invoice.edi');
    const invoice = value(x12InvoiceToInvoice(readInvoice(set).document, { st: set.st }));
    expect(invoice).toMatchObject({
      invoiceNumber: 'INV-88001',
      orderNumber: 'PO-45001',
      customerId: 'C-100',
      currency: 'USD',
      invoiceDate: '2024-03-16',
      dueDate: '2024-04-15',
      freightAmount: 45,
      taxAmount: 61.78,
      total: 989.28,
      paymentTerms: { code: '2/10 NET 30', netDays: 30, discountPct: 2, discountDays: 10 },
    });
    expect(invoice.lines.map((l) => [l.sku, l.quantity, l.unitPrice, l.amount])).toEqual([
      ['SKU-1001', 10, 24.5, 245],
      ['SKU-2002', 4, 120, 480],
      ['SKU-3003', 18, 8.75, 157.5],
    ]);
  });

  it('round-trips a canonical invoice through an 810 interchange', () => {
    const invoice: Invoice = {
      invoiceNumber: 'INV-000042',
      orderNumber: 'SO-1001',
      shipmentId: 'SH-1001',
      customerId: 'C-100',
      purchaseOrderNumber: 'PO-77',
      currency: 'USD',
      invoiceDate: '2026-11-24',
      dueDate: '2026-12-24',
      status: 'sent',
      lines: [
        {
          lineNumber: '1',
          sku: 'PAL-WRAP-18',
          description: 'Pallet wrap 18 in',
          quantity: 10,
          unitOfMeasure: 'CA',
          unitPrice: 24.5,
          amount: 245,
        },
        {
          lineNumber: '2',
          sku: 'TAPE-48MM',
          quantity: 36,
          unitOfMeasure: 'EA',
          unitPrice: 3.2,
          amount: 115.2,
        },
      ],
      freightAmount: 85,
      taxAmount: 25.21,
      total: 470.41,
      paymentTerms: { code: 'NET 30', netDays: 30 },
    };
    const text = generateInvoice810(invoiceToX12(invoice, { customerName: 'ACME DALLAS' }), {
      senderId: 'WAYBILLDIST',
      receiverId: 'ACME',
      interchangeControlNumber: 7,
    });
    const [set] = transactionSetsOf(parseX12OrThrow(text));
    const read = readInvoice(set!);
    expect(read.errors).toEqual([]);
    const back = value(
      x12InvoiceToInvoice(read.document, { st: set!.st, orderNumber: invoice.orderNumber }),
    );
    expect(back).toEqual(invoice);
  });
});

describe('820 → remittance', () => {
  it('maps payments per invoice with deductions as positive adjustments, fully explained', () => {
    const set = fixtureSet('820-remittance.edi');
    const remittance = value(remittanceToCanonical(readRemittance(set).document, { st: set.st }));
    expect(remittance).toMatchObject({
      remittanceId: 'ACH-20240410-0042',
      customerId: 'C-100',
      currency: 'USD',
      paymentDate: '2024-04-10',
      method: 'ach',
      reference: 'ACH-20240410-0042',
      totalAmount: 1832.78,
    });
    expect(remittance.payments).toEqual([
      { invoiceNumber: 'INV-88001', invoiceAmount: 989.28, amountPaid: 989.28, adjustments: [] },
      {
        invoiceNumber: 'INV-88002',
        invoiceAmount: 900,
        amountPaid: 843.5,
        adjustments: [
          { reasonCode: '05', amount: 40 },
          { reasonCode: '01', amount: 16.5 },
        ],
      },
    ]);
    expect(remittance.payments.map(unexplainedShortPay)).toEqual([0, 0]);
    expect(canonicalEvents['remittance.received'].safeParse(remittance).success).toBe(true);
  });

  it('leaves an unexplained short pay visible when the deduction is missing', () => {
    const set = fixtureSet('820-remittance.edi');
    const { document } = readRemittance(set);
    document.details[1]!.adjustments = document.details[1]!.adjustments.slice(0, 1);
    const remittance = value(remittanceToCanonical(document, { st: set.st }));
    expect(unexplainedShortPay(remittance.payments[1]!)).toBe(16.5);
  });
});
