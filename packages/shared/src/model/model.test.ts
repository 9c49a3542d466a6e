import { describe, expect, test } from 'vitest';
import {
  amountSchema,
  canonicalEventCatalog,
  canonicalEventJsonSchemas,
  canonicalEventTypes,
  canonicalEvents,
  isCanonicalEventType,
  lineAmount,
  roundMoney,
  shortLinesOf,
  sumMoney,
  unexplainedShortPay,
} from '../index.ts';
import type { CanonicalEventType } from '../index.ts';

// The payloads the billing-readiness template and its scenario tests send: they must stay valid.
const templatePayloads: Record<string, unknown> = {
  'order.released': {
    orderNumber: 'SO-1001',
    customerId: 'C-100',
    currency: 'USD',
    warehouse: 'DAL-1',
    lines: [
      { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
      { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
    ],
  },
  'shipment.confirmed': {
    shipmentId: 'SH-1001',
    shippedAt: '2026-11-23T14:05:00Z',
    lines: [
      { sku: 'PAL-WRAP-18', shippedQty: 10 },
      { sku: 'TAPE-48MM', shippedQty: 36 },
    ],
  },
  'pricing.validated': {
    variancePct: 0.4,
    lines: [
      { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
      { sku: 'TAPE-48MM', quantity: 36, unitPrice: 3.2 },
    ],
  },
  'pod.received': { documentId: 'POD-77812', receivedAt: '2026-11-24T09:30:00Z' },
};

const otherPayloads: Record<string, unknown> = {
  'freight.rated': {
    shipmentId: 'SH-1001',
    carrier: 'ODFL',
    amount: 150,
    currency: 'USD',
    ratedAt: '2026-11-23T16:00:00Z',
    components: [
      { type: 'linehaul', amount: 131.6 },
      { type: 'fuel', amount: 18.4 },
    ],
  },
  'pricing.variance': {
    variancePct: 6.25,
    tolerancePct: 2,
    lines: [{ sku: 'TAPE-48MM', quantity: 36, unitPrice: 3.4, contractPrice: 3.2 }],
  },
  'tax.calculated': { taxAmount: 20.21, currency: 'USD', calculatedAt: '2026-11-23T15:00:00Z' },
  'credit.held': {
    holdId: 'H-1',
    customerId: 'C-100',
    orderNumber: 'SO-1001',
    reason: 'over-limit',
    placedAt: '2026-11-23T10:00:00Z',
  },
  'credit.released': { holdId: 'H-1', customerId: 'C-100', releasedAt: '2026-11-23T11:00:00Z' },
  'invoice.posted': {
    invoiceNumber: 'INV-000001',
    orderNumber: 'SO-1001',
    customerId: 'C-100',
    currency: 'USD',
    total: 360.2,
    postedAt: '2026-11-24T08:00:00Z',
  },
  'dispute.opened': {
    disputeId: 'D-1',
    invoiceNumber: 'INV-000001',
    customerId: 'C-100',
    category: 'pricing',
    amount: 7.2,
    currency: 'USD',
    openedAt: '2026-12-01T09:00:00Z',
    status: 'open',
  },
  'remittance.received': {
    remittanceId: 'RA-1',
    customerId: 'C-100',
    currency: 'USD',
    paymentDate: '2026-12-20',
    method: 'ach',
    totalAmount: 353,
    payments: [
      {
        invoiceNumber: 'INV-000001',
        invoiceAmount: 360.2,
        amountPaid: 353,
        adjustments: [{ reasonCode: 'PRICING', amount: 7.2 }],
      },
    ],
  },
};

describe('canonical events', () => {
  test('every canonical event of DESIGN.md has a payload schema and a catalogue entry', () => {
    expect([...canonicalEventTypes].sort()).toEqual(
      [
        'order.released',
        'shipment.confirmed',
        'freight.rated',
        'pricing.validated',
        'pricing.variance',
        'tax.calculated',
        'pod.received',
        'credit.held',
        'credit.released',
        'invoice.posted',
        'dispute.opened',
        'remittance.received',
      ].sort(),
    );
    for (const type of canonicalEventTypes)
      expect(canonicalEventCatalog[type].description).not.toBe('');
  });

  test.each(Object.entries({ ...templatePayloads, ...otherPayloads }))(
    '%s accepts a realistic payload unchanged',
    (type, payload) => {
      if (!isCanonicalEventType(type)) throw new Error(`not canonical: ${type}`);
      const result = canonicalEvents[type].safeParse(payload);
      expect(result.error).toBeUndefined();
      expect(result.data).toMatchObject(payload as object);
    },
  );

  test.each<[CanonicalEventType, unknown, string]>([
    ['order.released', { ...(templatePayloads['order.released'] as object), lines: [] }, 'lines'],
    [
      'order.released',
      { ...(templatePayloads['order.released'] as object), currency: 'usd' },
      'currency',
    ],
    [
      'shipment.confirmed',
      { shipmentId: 'SH-1', shippedAt: '23/11/2026', lines: [{ sku: 'A', shippedQty: 1 }] },
      'shippedAt',
    ],
    [
      'shipment.confirmed',
      {
        shipmentId: 'SH-1',
        shippedAt: '2026-11-23T14:05:00Z',
        lines: [{ sku: 'A', shippedQty: -1 }],
      },
      'lines.0.shippedQty',
    ],
    [
      'pricing.validated',
      { variancePct: 0.1, lines: [{ sku: 'A', quantity: 1, unitPrice: 1.23456 }] },
      'lines.0.unitPrice',
    ],
    ['pod.received', { documentId: '', receivedAt: '2026-11-24T09:30:00Z' }, 'documentId'],
    [
      'pricing.variance',
      { variancePct: 6, lines: [{ sku: 'A', quantity: 1, unitPrice: 1 }] },
      'tolerancePct',
    ],
  ])('%s rejects a bad payload and names the field (%#)', (type, payload, path) => {
    const result = canonicalEvents[type].safeParse(payload);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe(path);
  });

  test('every payload schema converts to JSON Schema with its required fields', () => {
    const schemas = canonicalEventJsonSchemas();
    expect(schemas['pod.received']).toMatchObject({ required: ['documentId', 'receivedAt'] });
    expect(schemas['shipment.confirmed']).toMatchObject({
      required: expect.arrayContaining(['shipmentId', 'shippedAt', 'lines']),
    });
    expect(Object.keys(schemas)).toHaveLength(12);
  });
});

describe('money', () => {
  test('sums do not drift and round to the minor unit', () => {
    expect(sumMoney([0.1, 0.2], 'USD')).toBe(0.3);
    expect(sumMoney([245, 115.2, 0.005], 'USD')).toBe(360.21);
    expect(roundMoney(10.005, 'USD')).toBe(10.01);
    expect(roundMoney(-10.005, 'USD')).toBe(-10.01);
    expect(roundMoney(1234.5, 'JPY')).toBe(1235);
    expect(roundMoney(1.2345, 'KWD')).toBe(1.235);
  });

  test('line amounts multiply exactly, also past 2^53 ten-thousandths', () => {
    expect(lineAmount(36, 3.2, 'USD')).toBe(115.2);
    expect(lineAmount(3, 0.1, 'USD')).toBe(0.3);
    expect(lineAmount(1.5, 0.3333, 'USD')).toBe(0.5);
    expect(lineAmount(1_000_000, 12_345.6789, 'USD')).toBe(12_345_678_900);
  });

  test.each([
    [24.5, true],
    [0.1234, true],
    [0.12345, false],
    [Number.NaN, false],
    [Infinity, false],
  ])('amount %s valid: %s', (value, valid) => {
    expect(amountSchema.safeParse(value).success).toBe(valid);
  });
});

describe('short shipments and short pays', () => {
  test('shortLinesOf lists what shipped less than ordered, per SKU', () => {
    const order = {
      lines: [
        { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
        { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
        { sku: 'GLOVE-L', quantity: 5, unitPrice: 2 },
      ],
    };
    const shipment = {
      lines: [
        { sku: 'PAL-WRAP-18', shippedQty: 10 },
        { sku: 'TAPE-48MM', shippedQty: 36 },
      ],
    };
    expect(shortLinesOf(order, shipment)).toEqual([
      { sku: 'TAPE-48MM', orderedQty: 40, shippedQty: 36, missingQty: 4 },
      { sku: 'GLOVE-L', orderedQty: 5, shippedQty: 0, missingQty: 5 },
    ]);
  });

  test('unexplainedShortPay is what the payment, discount and deductions leave open', () => {
    expect(
      unexplainedShortPay({
        invoiceNumber: 'I-1',
        invoiceAmount: 245,
        amountPaid: 230,
        adjustments: [{ reasonCode: 'PRICING', amount: 12.8 }],
      }),
    ).toBe(2.2);
    expect(
      unexplainedShortPay({
        invoiceNumber: 'I-2',
        invoiceAmount: 100,
        amountPaid: 98,
        discountTaken: 2,
      }),
    ).toBe(0);
  });
});
