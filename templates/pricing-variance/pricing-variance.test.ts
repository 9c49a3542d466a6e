/**
 * Scenario tests of the pricing-variance template: the order, its shipment and its pricing go in
 * through the HTTP API, a real worker routes variances above tolerance to pricing, and invoices and
 * credit memos land in the ERP simulator.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startScenario, type Scenario } from '../scenario-harness.ts';

let s: Scenario;

beforeAll(async () => {
  s = await startScenario('pricing-variance', {
    autoAcceptPct: 2,
    reviewSla: 'P1D',
    escalateAfter: 'P2D',
  });
});

afterAll(async () => {
  await s?.stop();
});

const order = (orderNumber: string) => ({
  orderNumber,
  customerId: 'C-100',
  currency: 'USD',
  lines: [
    { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 26 },
    { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
  ],
});
const shipment = (shipmentId: string) => ({
  shipmentId,
  shippedAt: '2026-11-23T14:05:00Z',
  lines: [
    { sku: 'PAL-WRAP-18', shippedQty: 10 },
    { sku: 'TAPE-48MM', shippedQty: 40 },
  ],
});
/** Pallet wrap billed at 26.00 against a contract price of `contract`. */
const pricing = (contract: number) => {
  const variancePct = Math.round((Math.abs(26 - contract) / contract) * 10_000) / 100;
  return {
    variancePct,
    agreementId: 'PA-2026-C100',
    lines: [
      { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 26, contractPrice: contract, variancePct },
      { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2, contractPrice: 3.2, variancePct: 0 },
    ],
  };
};

const invoicesFor = (orderNumber: string) =>
  s.erp.invoices().filter((i) => i.request.orderNumber === orderNumber);

/** Releases, ships and prices an order, and returns its open tasks. */
async function priced(orderNumber: string, contract: number) {
  await s.send('order.released', orderNumber, order(orderNumber));
  await s.send('shipment.confirmed', orderNumber, shipment(`SH-${orderNumber}`));
  await s.send('pricing.validated', orderNumber, pricing(contract));
  await s.worker.runUntilIdle();
  return s.openTasksOf(orderNumber);
}

describe('pricing variance', () => {
  test('within tolerance: invoiced at the billed prices without a touch', async () => {
    // 26.00 against 25.60 is a 1.56 % variance.
    expect(await priced('SO-1001', 25.6)).toHaveLength(0);
    const instance = await s.onlyInstanceOf('SO-1001');
    expect(instance.outcome).toBe('autoAccepted');
    const [invoice, ...more] = invoicesFor('SO-1001');
    expect(more).toHaveLength(0);
    expect(invoice!.request.lines).toEqual([
      { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 26 },
      { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
    ]);
  });

  test('nothing is invoiced before the prices are validated', async () => {
    await s.send('order.released', 'SO-1101', order('SO-1101'));
    await s.send('shipment.confirmed', 'SO-1101', shipment('SH-1101'));
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf('SO-1101')).currentNodes).toEqual(['pricedAndShipped']);
    expect(invoicesFor('SO-1101')).toHaveLength(0);
  });

  test('above tolerance, accepted by pricing: invoiced at the billed prices', async () => {
    // 26.00 against 24.50 is a 6.12 % variance.
    const [task, ...others] = await priced('SO-2001', 24.5);
    expect(others).toHaveLength(0);
    expect(task).toMatchObject({
      title: 'Pricing variance above tolerance',
      candidateRoles: ['pricing'],
    });
    expect(task!.dueAt).not.toBeNull();
    expect(invoicesFor('SO-2001')).toHaveLength(0);

    await s.complete(task!, 'accept', 'pia.pricing', { note: 'Spot price agreed by phone' });
    const instance = await s.onlyInstanceOf('SO-2001');
    expect(instance.outcome).toBe('accepted');
    expect(instance.context.review).toMatchObject({
      outcome: 'accept',
      completedBy: 'pia.pricing',
    });
    expect(invoicesFor('SO-2001')[0]!.request.lines[0]).toEqual({
      sku: 'PAL-WRAP-18',
      quantity: 10,
      unitPrice: 26,
    });
  });

  test('re-priced: invoiced at the contract prices', async () => {
    const [task] = await priced('SO-3001', 24.5);
    await s.complete(task!, 'reprice', 'pia.pricing');
    expect((await s.onlyInstanceOf('SO-3001')).outcome).toBe('repriced');
    const invoices = invoicesFor('SO-3001');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.request.lines).toEqual([
      { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
      { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
    ]);
    expect(invoices[0]!.total).toBe(373);
  });

  test('credit memo: invoiced as priced, and the amount pricing entered is credited', async () => {
    const [task] = await priced('SO-4001', 24.5);
    await s.complete(task!, 'creditMemo', 'pia.pricing', { creditAmount: 15 });
    const instance = await s.onlyInstanceOf('SO-4001');
    expect(instance.outcome).toBe('credited');
    const [invoice] = invoicesFor('SO-4001');
    const memos = s.erp.creditMemos().filter((m) => m.invoiceNumber === invoice!.invoiceNumber);
    expect(memos).toHaveLength(1);
    expect(memos[0]).toMatchObject({ customerId: 'C-100', reason: 'pricing', amount: 15 });
    expect(instance.context.creditMemo).toMatchObject({
      creditMemoNumber: memos[0]!.creditMemoNumber,
    });
  });

  test('credit memo without an amount: the review comes back to pricing', async () => {
    const [task] = await priced('SO-4101', 24.5);
    await s.complete(task!, 'creditMemo', 'pia.pricing');
    expect(invoicesFor('SO-4101')).toHaveLength(0);
    const [again, ...others] = await s.openTasksOf('SO-4101');
    expect(others).toHaveLength(0);
    expect(again!.id).not.toBe(task!.id);
    await s.complete(again!, 'creditMemo', 'pia.pricing', { creditAmount: 15 });
    expect((await s.onlyInstanceOf('SO-4101')).outcome).toBe('credited');
  });

  test('review not done within the SLA: escalated to the pricing manager', async () => {
    const [task] = await priced('SO-5001', 24.5);
    await s.advanceDays(1.5);
    let [open] = await s.openTasksOf('SO-5001');
    expect(open!.candidateRoles).toEqual(['pricing']);
    await s.advanceDays(3);
    [open] = await s.openTasksOf('SO-5001');
    expect(open!.id).toBe(task!.id);
    expect(open!.candidateRoles).toEqual(['pricing', 'pricing-manager']);
  });
});
