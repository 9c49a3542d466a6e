import { describe, expect, test } from 'vitest';
import { decisionContext } from './decision-context.ts';

describe('decisionContext', () => {
  test('puts order, shipment and priced lines side by side per SKU and marks differences', () => {
    const panels = decisionContext({
      order: {
        orderNumber: 'SO-1',
        customerId: 'C-1',
        lines: [
          { sku: 'A', quantity: 4, unitPrice: 10 },
          { sku: 'B', quantity: 2, unitPrice: 5 },
        ],
      },
      shipment: {
        shipmentId: 'SH-1',
        lines: [
          { sku: 'A', shippedQty: 3 },
          { sku: 'B', shippedQty: 2 },
        ],
      },
      pricing: {
        agreementId: 'PA-9',
        variancePct: 4,
        lines: [
          { sku: 'A', quantity: 3, unitPrice: 10, contractPrice: 9.6, variancePct: 4 },
          { sku: 'B', quantity: 2, unitPrice: 5, contractPrice: 5, variancePct: 0 },
        ],
      },
      pod: { documentId: 'POD-1', receivedAt: '2026-11-23T10:00:00Z' },
      triage: { category: 'pricing-variance', confidence: 0.91, model: 'naive-bayes-v1' },
      status: { creditLimit: 1000, onHold: true, notes: ['ignored: not a scalar'] },
    });
    expect(panels.lines).toEqual([
      {
        sku: 'A',
        orderedQty: 4,
        orderedPrice: 10,
        shippedQty: 3,
        billedQty: 3,
        billedPrice: 10,
        contractPrice: 9.6,
        variancePct: 4,
        mismatch: true,
      },
      {
        sku: 'B',
        orderedQty: 2,
        orderedPrice: 5,
        shippedQty: 2,
        billedQty: 2,
        billedPrice: 5,
        contractPrice: 5,
        variancePct: 0,
        mismatch: false,
      },
    ]);
    expect(panels.pricing).toEqual({ agreementId: 'PA-9', variancePct: 4 });
    expect(panels.pod).toEqual({
      documentId: 'POD-1',
      receivedAt: '2026-11-23T10:00:00Z',
      signedBy: null,
    });
    expect(panels.ai).toEqual({
      variable: 'triage',
      category: 'pricing-variance',
      confidence: 0.91,
      model: 'naive-bayes-v1',
    });
    expect(panels.facts).toEqual([
      {
        variable: 'status',
        fields: [
          { name: 'creditLimit', value: '1000' },
          { name: 'onHold', value: 'true' },
        ],
      },
    ]);
  });

  test('a context without lines, POD or classification has none of those panels', () => {
    expect(decisionContext({ hold: { holdId: 'H-1' } })).toEqual({
      lines: null,
      pricing: null,
      pod: null,
      ai: null,
      facts: [{ variable: 'hold', fields: [{ name: 'holdId', value: 'H-1' }] }],
    });
  });
});
