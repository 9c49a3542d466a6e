/**
 * Scenario tests of the consolidated-billing template: shipments and orders of one customer,
 * route and delivery window go in through the HTTP API under the window's key, a real worker
 * collects them, and one invoice for the whole window lands in the ERP simulator.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startScenario, type Scenario } from '../scenario-harness.ts';

let s: Scenario;

beforeAll(async () => {
  s = await startScenario('consolidated-billing', {
    windowLength: 'PT12H',
    consolidatedCustomers: 'C-300,C-400',
    orderDeadline: 'PT4H',
  });
});

afterAll(async () => {
  await s?.stop();
});

const order = (orderNumber: string, customerId = 'C-300') => ({
  orderNumber,
  customerId,
  currency: 'USD',
  lines: [
    { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
    { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
  ],
});

const shipment = (
  shipmentId: string,
  orderNumber: string,
  lines: { sku: string; shippedQty: number }[],
  customerId = 'C-300',
) => ({
  shipmentId,
  orderNumber,
  customerId,
  route: 'R-12',
  shippedAt: '2026-11-24T08:00:00Z',
  lines,
});

const invoicesOf = (customerId: string) =>
  s.erp.invoices().filter((i) => i.request.customerId === customerId);

describe('consolidated billing', () => {
  test('three shipments of two orders in one window: one invoice for every shipped line', async () => {
    const key = 'C-300/R-12/2026-11-24';
    await s.send('order.released', key, order('SO-1001'));
    await s.send('order.released', key, order('SO-1002'));
    await s.send(
      'shipment.confirmed',
      key,
      shipment('SH-1', 'SO-1001', [{ sku: 'PAL-WRAP-18', shippedQty: 10 }]),
    );
    await s.send(
      'shipment.confirmed',
      key,
      shipment('SH-2', 'SO-1001', [{ sku: 'TAPE-48MM', shippedQty: 40 }]),
    );
    await s.send(
      'shipment.confirmed',
      key,
      shipment('SH-3', 'SO-1002', [
        { sku: 'PAL-WRAP-18', shippedQty: 4 },
        { sku: 'TAPE-48MM', shippedQty: 0 },
      ]),
    );
    await s.worker.runUntilIdle();

    // The window is open: nothing is billed yet, everything is collected.
    expect(invoicesOf('C-300')).toHaveLength(0);
    const open = await s.onlyInstanceOf(key);
    expect(open.currentNodes).toEqual(['window']);
    expect(open.context.shipments).toHaveLength(3);

    await s.advanceDays(1);
    const instance = await s.onlyInstanceOf(key);
    expect(instance.outcome).toBe('invoiced');
    const invoices = invoicesOf('C-300');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.request).toMatchObject({
      orderNumber: 'CONS-C-300-SH-1',
      customerId: 'C-300',
      currency: 'USD',
      lines: [
        { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
        { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
        { sku: 'PAL-WRAP-18', quantity: 4, unitPrice: 24.5 },
      ],
    });
  });

  test('a shipment confirmed before its order is released is priced once the order arrives', async () => {
    const key = 'C-400/R-7/2026-11-24';
    await s.send(
      'shipment.confirmed',
      key,
      shipment('SH-40', 'SO-4001', [{ sku: 'TAPE-48MM', shippedQty: 12 }], 'C-400'),
    );
    await s.worker.runUntilIdle();
    await s.send('order.released', key, order('SO-4001', 'C-400'));
    await s.worker.runUntilIdle();
    await s.advanceDays(1);

    expect((await s.onlyInstanceOf(key)).outcome).toBe('invoiced');
    expect(invoicesOf('C-400').map((i) => i.request.lines)).toEqual([
      [{ sku: 'TAPE-48MM', quantity: 12, unitPrice: 3.2 }],
    ]);
  });

  test('an order never released: billing bills the priced shipments and leaves the rest', async () => {
    const key = 'C-300/R-12/2026-11-25';
    await s.send('order.released', key, order('SO-2001'));
    await s.send(
      'shipment.confirmed',
      key,
      shipment('SH-21', 'SO-2001', [{ sku: 'PAL-WRAP-18', shippedQty: 2 }]),
    );
    await s.send(
      'shipment.confirmed',
      key,
      shipment('SH-22', 'SO-2999', [{ sku: 'PAL-WRAP-18', shippedQty: 5 }]),
    );
    await s.worker.runUntilIdle();
    const before = invoicesOf('C-300').length;

    // The window closes (12 h)…
    await s.advanceDays(1);
    expect((await s.onlyInstanceOf(key)).currentNodes).toEqual(['ordersKnown']);
    expect(await s.openTasksOf(key)).toHaveLength(0);
    // …and the orders deadline passes (4 h more): a task for billing.
    await s.advanceDays(1);
    const [task, ...others] = await s.openTasksOf(key);
    expect(others).toHaveLength(0);
    expect(task).toMatchObject({
      title: 'Consolidated invoice incomplete',
      candidateRoles: ['billing'],
    });
    expect(invoicesOf('C-300')).toHaveLength(before);

    await s.complete(task!, 'billPriced', 'bea.billing', { note: 'SO-2999 billed in the ERP' });
    const instance = await s.onlyInstanceOf(key);
    expect(instance.outcome).toBe('invoiced');
    expect(instance.context.incompleteReview).toMatchObject({
      outcome: 'billPriced',
      completedBy: 'bea.billing',
    });
    const latest = invoicesOf('C-300').at(-1);
    expect(latest?.request).toMatchObject({
      orderNumber: 'CONS-C-300-SH-21',
      lines: [{ sku: 'PAL-WRAP-18', quantity: 2, unitPrice: 24.5 }],
    });
  });

  test('the missing order arrives while billing waits: everything is billed together', async () => {
    const key = 'C-400/R-7/2026-11-26';
    await s.send(
      'shipment.confirmed',
      key,
      shipment('SH-51', 'SO-5001', [{ sku: 'TAPE-48MM', shippedQty: 3 }], 'C-400'),
    );
    await s.worker.runUntilIdle();
    await s.advanceDays(1);
    await s.advanceDays(1);
    const [task] = await s.openTasksOf(key);
    await s.complete(task!, 'keepWaiting', 'bea.billing');
    expect((await s.onlyInstanceOf(key)).currentNodes).toEqual(['ordersKnown']);

    await s.send('order.released', key, order('SO-5001', 'C-400'));
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf(key)).outcome).toBe('invoiced');
    expect(
      invoicesOf('C-400').find((i) => i.request.orderNumber === 'CONS-C-400-SH-51')?.request.lines,
    ).toEqual([{ sku: 'TAPE-48MM', quantity: 3, unitPrice: 3.2 }]);
  });

  test('a redelivered confirmation (same message id) is collected and billed once', async () => {
    const key = 'C-300/R-9/2026-11-24';
    const body = shipment('SH-61', 'SO-6001', [{ sku: 'PAL-WRAP-18', shippedQty: 1 }]);
    await s.send('order.released', key, order('SO-6001'));
    expect(await s.send('shipment.confirmed', key, body, 'wms:ev-61')).toBe(202);
    expect(await s.send('shipment.confirmed', key, body, 'wms:ev-61')).toBe(200);
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf(key)).context.shipments).toHaveLength(1);
    await s.advanceDays(1);
    const billed = invoicesOf('C-300').filter((i) => i.request.orderNumber === 'CONS-C-300-SH-61');
    expect(billed).toHaveLength(1);
    expect(billed[0]!.request.lines).toEqual([
      { sku: 'PAL-WRAP-18', quantity: 1, unitPrice: 24.5 },
    ]);
  });

  test('a customer not billed per window is left to per-shipment billing', async () => {
    const key = 'C-100/R-1/2026-11-24';
    await s.send(
      'shipment.confirmed',
      key,
      shipment('SH-71', 'SO-7001', [{ sku: 'TAPE-48MM', shippedQty: 2 }], 'C-100'),
    );
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf(key)).outcome).toBe('notConsolidated');
    expect(invoicesOf('C-100')).toHaveLength(0);
  });
});
