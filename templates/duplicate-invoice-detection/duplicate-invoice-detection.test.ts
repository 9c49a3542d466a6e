/**
 * Scenario tests of the duplicate-invoice-detection template: invoices are posted in the ERP
 * simulator, their `invoice.posted` events go in through the HTTP API, and a voided duplicate is
 * credited in the ERP.
 */
import { randomUUID } from 'node:crypto';

import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startScenario, type Scenario } from '../scenario-harness.ts';

let s: Scenario;

beforeAll(async () => {
  s = await startScenario('duplicate-invoice-detection', {
    duplicateWindow: 'P7D',
    amountTolerance: 0.01,
    reviewSla: 'P1D',
  });
});

afterAll(async () => {
  await s?.stop();
});

/**
 * Posts an invoice in the ERP (each call a new posting, as a second billing run would make) and
 * announces it; returns the `invoice.posted` payload.
 */
async function posted(orderNumber: string, shipmentId: string | undefined, quantity = 10) {
  const request = {
    orderNumber,
    customerId: 'C-100',
    currency: 'USD',
    lines: [{ sku: 'PAL-WRAP-18', quantity, unitPrice: 24.5 }],
    ...(shipmentId ? { shipmentId } : {}),
  };
  const response = await fetch(`${s.erp.url}/invoices`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ERP_SIMULATOR_API_KEY}`,
      'idempotency-key': randomUUID(),
      'content-type': 'application/json',
    },
    body: JSON.stringify(request),
  });
  expect(response.status).toBe(201);
  const receipt = (await response.json()) as {
    invoiceNumber: string;
    total: number;
    postedAt: string;
  };
  const event = {
    invoiceNumber: receipt.invoiceNumber,
    orderNumber,
    customerId: 'C-100',
    currency: 'USD',
    total: receipt.total,
    postedAt: receipt.postedAt,
    ...(shipmentId ? { shipmentId } : {}),
  };
  expect(await s.send('invoice.posted', orderNumber, event)).toBe(202);
  await s.worker.runUntilIdle();
  return event;
}

async function review(orderNumber: string) {
  const tasks = await s.openTasksOf(orderNumber);
  expect(tasks).toHaveLength(1);
  expect(tasks[0]).toMatchObject({
    title: 'Possible duplicate invoice',
    candidateRoles: ['accounts-receivable'],
  });
  return tasks[0]!;
}

describe('duplicate invoice detection', () => {
  test('one invoice, window closes: no duplicate', async () => {
    await posted('SO-1001', 'SH-1001');
    expect((await s.onlyInstanceOf('SO-1001')).currentNodes).toEqual(['awaitAnother']);
    await s.advanceDays(8);
    expect((await s.onlyInstanceOf('SO-1001')).outcome).toBe('noDuplicate');
  });

  test('the same shipment billed twice: AR voids the later invoice with a credit memo', async () => {
    const first = await posted('SO-2001', 'SH-2001');
    const second = await posted('SO-2001', 'SH-2001');
    const task = await review('SO-2001');
    await s.complete(task, 'void', 'ari.receivable');

    const instance = await s.onlyInstanceOf('SO-2001');
    expect(instance.outcome).toBe('duplicateVoided');
    const memos = s.erp.creditMemos().filter((m) => m.invoiceNumber === second.invoiceNumber);
    expect(memos).toHaveLength(1);
    expect(memos[0]).toMatchObject({
      reason: 'duplicate-billing',
      amount: second.total,
      note: `Duplicate of ${first.invoiceNumber}`,
    });
    expect(s.erp.creditMemos().some((m) => m.invoiceNumber === first.invoiceNumber)).toBe(false);
  });

  test('invoices of different shipments (partial shipments) are not suspects', async () => {
    await posted('SO-3001', 'SH-3001', 6);
    await posted('SO-3001', 'SH-3002', 4);
    expect(await s.openTasksOf('SO-3001')).toHaveLength(0);
    await s.advanceDays(8);
    expect((await s.onlyInstanceOf('SO-3001')).outcome).toBe('noDuplicate');
  });

  test('no shipment named and the same amount: suspect; AR confirms it distinct', async () => {
    await posted('SO-4001', undefined);
    const second = await posted('SO-4001', undefined);
    await s.complete(await review('SO-4001'), 'distinct', 'ari.receivable', {
      note: 'Second delivery of the same quantity',
    });
    expect(s.erp.creditMemos().filter((m) => m.invoiceNumber === second.invoiceNumber)).toEqual([]);
    expect((await s.onlyInstanceOf('SO-4001')).currentNodes).toEqual(['awaitAnother']);
    await s.advanceDays(8);
    expect((await s.onlyInstanceOf('SO-4001')).outcome).toBe('confirmedDistinct');
  });

  test('no shipment named and a different amount: not a suspect', async () => {
    await posted('SO-5001', undefined, 10);
    await posted('SO-5001', undefined, 4);
    expect(await s.openTasksOf('SO-5001')).toHaveLength(0);
  });

  test('the same invoice announced twice (new message id) is not a duplicate', async () => {
    const first = await posted('SO-6001', 'SH-6001');
    await s.send('invoice.posted', 'SO-6001', first);
    await s.worker.runUntilIdle();
    expect(await s.openTasksOf('SO-6001')).toHaveLength(0);
    expect((await s.onlyInstanceOf('SO-6001')).currentNodes).toEqual(['awaitAnother']);
  });

  test('a duplicate after the window is not compared', async () => {
    await posted('SO-7001', 'SH-7001');
    await s.advanceDays(8);
    await posted('SO-7001', 'SH-7001');
    expect((await s.onlyInstanceOf('SO-7001')).outcome).toBe('noDuplicate');
  });
});
