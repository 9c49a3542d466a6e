/**
 * Scenario tests of the partial-shipment template: shipment confirmations go in through the HTTP
 * API as the WMS sends them, a real worker bills them, and the invoices land in the ERP simulator.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startScenario, type Scenario } from '../scenario-harness.ts';

let s: Scenario;

beforeAll(async () => {
  // C-400 is invoiced once per order; everyone else per shipment (the default policy).
  s = await startScenario('partial-shipment', {
    partialPolicy: 'split',
    backorderCustomers: 'C-300,C-400',
    remainderDeadline: 'P7D',
  });
});

afterAll(async () => {
  await s?.stop();
});

const order = (orderNumber: string, customerId: string) => ({
  orderNumber,
  customerId,
  currency: 'USD',
  warehouse: 'DAL-1',
  lines: [
    { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
    { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
  ],
});

/** A confirmation as the WMS connector maps it: backorderedQty is what is still open. */
const complete = (shipmentId: string) => ({
  shipmentId,
  shippedAt: '2026-11-23T14:05:00Z',
  lines: [
    { sku: 'PAL-WRAP-18', shippedQty: 10, orderedQty: 10 },
    { sku: 'TAPE-48MM', shippedQty: 40, orderedQty: 40 },
  ],
});
const short = (shipmentId: string) => ({
  shipmentId,
  shippedAt: '2026-11-23T14:05:00Z',
  partial: true,
  lines: [
    { sku: 'PAL-WRAP-18', shippedQty: 10, orderedQty: 10 },
    {
      sku: 'TAPE-48MM',
      shippedQty: 36,
      orderedQty: 40,
      backorderedQty: 4,
      shortReason: 'out-of-stock',
    },
  ],
});
const rest = (shipmentId: string) => ({
  shipmentId,
  shippedAt: '2026-11-26T10:00:00Z',
  lines: [{ sku: 'TAPE-48MM', shippedQty: 4, orderedQty: 4 }],
});

const invoicesFor = (orderNumber: string) =>
  s.erp.invoices().filter((i) => i.request.orderNumber === orderNumber);

describe('partial shipment', () => {
  test('complete shipment: one invoice for the shipped quantities', async () => {
    await s.send('order.released', 'SO-1001', order('SO-1001', 'C-100'));
    await s.send('shipment.confirmed', 'SO-1001', complete('SH-1001'));
    await s.worker.runUntilIdle();

    const instance = await s.onlyInstanceOf('SO-1001');
    expect(instance.outcome).toBe('invoiced');
    const invoices = invoicesFor('SO-1001');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.request).toMatchObject({ shipmentId: 'SH-1001', customerId: 'C-100' });
    expect(invoices[0]!.request.lines).toEqual([
      { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
      { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
    ]);
  });

  test('split: the short shipment is billed now, the remainder when it ships', async () => {
    await s.send('order.released', 'SO-2001', order('SO-2001', 'C-100'));
    await s.send('shipment.confirmed', 'SO-2001', short('SH-2001'));
    await s.worker.runUntilIdle();

    let invoices = invoicesFor('SO-2001');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.request.lines).toEqual([
      { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
      { sku: 'TAPE-48MM', quantity: 36, unitPrice: 3.2 },
    ]);
    expect((await s.onlyInstanceOf('SO-2001')).currentNodes).toEqual(['awaitRemainder']);

    await s.send('shipment.confirmed', 'SO-2001', rest('SH-2002'));
    await s.worker.runUntilIdle();
    invoices = invoicesFor('SO-2001');
    expect(invoices).toHaveLength(2);
    expect(invoices[1]!.request).toMatchObject({
      shipmentId: 'SH-2002',
      lines: [{ sku: 'TAPE-48MM', quantity: 4, unitPrice: 3.2 }],
    });
    expect((await s.onlyInstanceOf('SO-2001')).outcome).toBe('invoiced');
  });

  test('split: both confirmations arrive before the order is released, each is billed once', async () => {
    await s.send('shipment.confirmed', 'SO-2101', short('SH-2101'));
    await s.send('shipment.confirmed', 'SO-2101', rest('SH-2102'));
    await s.send('order.released', 'SO-2101', order('SO-2101', 'C-100'));
    await s.worker.runUntilIdle();

    expect((await s.onlyInstanceOf('SO-2101')).outcome).toBe('invoiced');
    expect(invoicesFor('SO-2101').map((i) => i.request.shipmentId)).toEqual(['SH-2101', 'SH-2102']);
  });

  test('backorder customer: nothing is billed until the backorder ships, then one invoice', async () => {
    await s.send('order.released', 'SO-3001', order('SO-3001', 'C-400'));
    await s.send('shipment.confirmed', 'SO-3001', short('SH-3001'));
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf('SO-3001')).currentNodes).toEqual(['awaitBackorder']);
    expect(invoicesFor('SO-3001')).toHaveLength(0);

    await s.send('shipment.confirmed', 'SO-3001', rest('SH-3002'));
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf('SO-3001')).outcome).toBe('invoiced');
    const invoices = invoicesFor('SO-3001');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.request.lines).toEqual(order('SO-3001', 'C-400').lines);
  });

  test('backorder overdue: the warehouse bills what shipped and closes the remainder', async () => {
    await s.send('order.released', 'SO-4001', order('SO-4001', 'C-400'));
    await s.send('shipment.confirmed', 'SO-4001', short('SH-4001'));
    await s.worker.runUntilIdle();

    // Six days: not overdue yet.
    await s.advanceDays(6);
    expect(await s.openTasksOf('SO-4001')).toHaveLength(0);
    await s.advanceDays(8);
    const [task, ...others] = await s.openTasksOf('SO-4001');
    expect(others).toHaveLength(0);
    expect(task).toMatchObject({
      title: 'Backordered goods not shipped',
      candidateRoles: ['warehouse'],
    });

    await s.complete(task!, 'closeRemainder', 'wes.warehouse', { note: 'Discontinued' });
    const instance = await s.onlyInstanceOf('SO-4001');
    expect(instance.outcome).toBe('closedShort');
    expect(instance.context.remainderReview).toMatchObject({
      outcome: 'closeRemainder',
      completedBy: 'wes.warehouse',
    });
    const invoices = invoicesFor('SO-4001');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.request.lines).toEqual([
      { sku: 'PAL-WRAP-18', unitPrice: 24.5, quantity: 10 },
      { sku: 'TAPE-48MM', unitPrice: 3.2, quantity: 36 },
    ]);
  });

  test('split remainder overdue: keep waiting, then the remainder ships and is billed', async () => {
    await s.send('order.released', 'SO-5001', order('SO-5001', 'C-100'));
    await s.send('shipment.confirmed', 'SO-5001', short('SH-5001'));
    await s.worker.runUntilIdle();
    await s.advanceDays(8);
    const [task] = await s.openTasksOf('SO-5001');
    await s.complete(task!, 'keepWaiting', 'wes.warehouse');
    expect((await s.onlyInstanceOf('SO-5001')).currentNodes).toEqual(['awaitRemainder']);

    await s.send('shipment.confirmed', 'SO-5001', rest('SH-5002'));
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf('SO-5001')).outcome).toBe('invoiced');
    expect(invoicesFor('SO-5001')).toHaveLength(2);
  });

  test('split remainder closed: no second invoice', async () => {
    await s.send('order.released', 'SO-5101', order('SO-5101', 'C-100'));
    await s.send('shipment.confirmed', 'SO-5101', short('SH-5101'));
    await s.worker.runUntilIdle();
    await s.advanceDays(8);
    const [task] = await s.openTasksOf('SO-5101');
    await s.complete(task!, 'closeRemainder', 'wes.warehouse');
    expect((await s.onlyInstanceOf('SO-5101')).outcome).toBe('closedShort');
    expect(invoicesFor('SO-5101')).toHaveLength(1);
  });

  test('a redelivered confirmation (same message id) is not billed twice', async () => {
    await s.send('order.released', 'SO-6001', order('SO-6001', 'C-100'));
    expect(await s.send('shipment.confirmed', 'SO-6001', short('SH-6001'), 'wms:ev-6001')).toBe(
      202,
    );
    expect(await s.send('shipment.confirmed', 'SO-6001', short('SH-6001'), 'wms:ev-6001')).toBe(
      200,
    );
    await s.worker.runUntilIdle();
    expect(invoicesFor('SO-6001')).toHaveLength(1);
    expect((await s.onlyInstanceOf('SO-6001')).currentNodes).toEqual(['awaitRemainder']);
  });

  test('an item shipped that is not on the order: the warehouse decides, ordered items are billed', async () => {
    await s.send('order.released', 'SO-7001', order('SO-7001', 'C-100'));
    const substituted = complete('SH-7001');
    substituted.lines.push({ sku: 'TAPE-72MM', shippedQty: 2, orderedQty: 0 });
    await s.send('shipment.confirmed', 'SO-7001', substituted);
    await s.worker.runUntilIdle();
    expect(invoicesFor('SO-7001')).toHaveLength(0);
    const [task, ...others] = await s.openTasksOf('SO-7001');
    expect(others).toHaveLength(0);
    expect(task).toMatchObject({
      title: 'Shipped item not on the order',
      candidateRoles: ['warehouse'],
    });

    await s.complete(task!, 'billOrderedItems', 'wes.warehouse');
    expect((await s.onlyInstanceOf('SO-7001')).outcome).toBe('invoiced');
    expect(invoicesFor('SO-7001')[0]!.request.lines).toEqual([
      { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
      { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
    ]);
  });
});

describe('partial shipment with backorder as the unit policy', () => {
  let unit: Scenario;
  beforeAll(async () => {
    unit = await startScenario('partial-shipment', {
      partialPolicy: 'backorder',
      splitCustomers: 'C-100',
    });
  });
  afterAll(async () => {
    await unit?.stop();
  });

  test('customers are held for the backorder unless listed for split billing', async () => {
    await unit.send('order.released', 'SO-8001', order('SO-8001', 'C-200'));
    await unit.send('shipment.confirmed', 'SO-8001', short('SH-8001'));
    await unit.send('order.released', 'SO-8002', order('SO-8002', 'C-100'));
    await unit.send('shipment.confirmed', 'SO-8002', short('SH-8002'));
    await unit.worker.runUntilIdle();

    expect((await unit.onlyInstanceOf('SO-8001')).currentNodes).toEqual(['awaitBackorder']);
    expect((await unit.onlyInstanceOf('SO-8002')).currentNodes).toEqual(['awaitRemainder']);
    const billed = unit.erp.invoices().map((i) => i.request.orderNumber);
    expect(billed).toEqual(['SO-8002']);
  });
});
