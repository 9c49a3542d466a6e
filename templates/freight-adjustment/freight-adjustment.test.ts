/**
 * Scenario tests of the freight-adjustment template: an invoice posted in the ERP simulator with the
 * freight billed, the carrier's rating through the HTTP API, and rebills or credit memos in the ERP.
 */
import { randomUUID } from 'node:crypto';

import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startScenario, type Scenario } from '../scenario-harness.ts';

let s: Scenario;

beforeAll(async () => {
  s = await startScenario('freight-adjustment', {
    freightWait: 'P10D',
    toleranceAmount: 1,
    autoAdjustLimit: 50,
    freightSku: 'FRT',
  });
});

afterAll(async () => {
  await s?.stop();
});

const lines = [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 }];

/** Posts an invoice with `freightAmount` billed in the ERP and announces it with the full invoice. */
async function invoiced(orderNumber: string, freightAmount: number) {
  const request = {
    orderNumber,
    customerId: 'C-100',
    currency: 'USD',
    shipmentId: `SH-${orderNumber}`,
    lines,
    freightAmount,
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
  const receipt = (await response.json()) as {
    invoiceNumber: string;
    total: number;
    postedAt: string;
  };
  const base = {
    invoiceNumber: receipt.invoiceNumber,
    orderNumber,
    customerId: 'C-100',
    shipmentId: request.shipmentId,
    currency: 'USD',
    total: receipt.total,
    postedAt: receipt.postedAt,
  };
  await s.send('invoice.posted', orderNumber, {
    ...base,
    invoice: {
      ...base,
      invoiceDate: receipt.postedAt.slice(0, 10),
      status: 'posted',
      lines: lines.map((l) => ({ ...l, amount: l.quantity * l.unitPrice })),
      freightAmount,
      taxAmount: 0,
    },
  });
  await s.worker.runUntilIdle();
  return receipt;
}

async function rated(orderNumber: string, amount: number, terms = 'prepaid-and-add') {
  await s.send('freight.rated', orderNumber, {
    shipmentId: `SH-${orderNumber}`,
    orderNumber,
    carrier: 'ODFL',
    amount,
    currency: 'USD',
    ratedAt: '2026-11-25T08:00:00Z',
    terms,
    proNumber: 'PRO-5521',
  });
  await s.worker.runUntilIdle();
}

const erpInvoicesFor = (orderNumber: string) =>
  s.erp.invoices().filter((i) => i.request.orderNumber === orderNumber);
const memosFor = (invoiceNumber: string) =>
  s.erp.creditMemos().filter((m) => m.invoiceNumber === invoiceNumber);

describe('freight adjustment', () => {
  test('billed as rated (within tolerance): no adjustment', async () => {
    await invoiced('SO-1001', 85);
    expect((await s.onlyInstanceOf('SO-1001')).currentNodes).toEqual(['freightKnown']);
    await rated('SO-1001', 85.6);
    expect((await s.onlyInstanceOf('SO-1001')).outcome).toBe('noAdjustment');
    expect(erpInvoicesFor('SO-1001')).toHaveLength(1);
  });

  test('billed short within the automatic limit: the difference is rebilled', async () => {
    await invoiced('SO-2001', 85);
    await rated('SO-2001', 112.4);
    expect((await s.onlyInstanceOf('SO-2001')).outcome).toBe('rebilled');
    const [, rebill] = erpInvoicesFor('SO-2001');
    expect(rebill!.request.lines).toEqual([{ sku: 'FRT', quantity: 1, unitPrice: 27.4 }]);
  });

  test('billed over within the automatic limit: the difference is credited', async () => {
    const invoice = await invoiced('SO-3001', 120);
    await rated('SO-3001', 95.25);
    expect((await s.onlyInstanceOf('SO-3001')).outcome).toBe('credited');
    expect(memosFor(invoice.invoiceNumber)).toEqual([
      expect.objectContaining({ reason: 'freight', amount: 24.75 }),
    ]);
  });

  test('rated before the invoice was posted: compared at once', async () => {
    await rated('SO-3101', 95.25);
    const invoice = await invoiced('SO-3101', 120);
    expect((await s.onlyInstanceOf('SO-3101')).outcome).toBe('credited');
    expect(memosFor(invoice.invoiceNumber)).toHaveLength(1);
  });

  test('above the automatic limit: transportation adjusts, and the shortfall is rebilled', async () => {
    await invoiced('SO-4001', 85);
    await rated('SO-4001', 310);
    const [task, ...others] = await s.openTasksOf('SO-4001');
    expect(others).toHaveLength(0);
    expect(task).toMatchObject({
      title: "Freight billed differs from the carrier's charge",
      candidateRoles: ['transportation'],
    });
    expect(erpInvoicesFor('SO-4001')).toHaveLength(1);

    await s.complete(task!, 'adjust', 'tom.transport');
    expect((await s.onlyInstanceOf('SO-4001')).outcome).toBe('rebilled');
    expect(erpInvoicesFor('SO-4001')[1]!.request.lines[0]).toMatchObject({ unitPrice: 225 });
  });

  test('above the automatic limit, over-billed: transportation adjusts with a credit memo', async () => {
    const invoice = await invoiced('SO-4101', 300);
    await rated('SO-4101', 180);
    const [task] = await s.openTasksOf('SO-4101');
    await s.complete(task!, 'adjust', 'tom.transport');
    expect((await s.onlyInstanceOf('SO-4101')).outcome).toBe('credited');
    expect(memosFor(invoice.invoiceNumber)[0]).toMatchObject({ amount: 120 });
  });

  test("transportation disputes the carrier's charge: nothing is adjusted", async () => {
    const invoice = await invoiced('SO-5001', 85);
    await rated('SO-5001', 310);
    const [task] = await s.openTasksOf('SO-5001');
    await s.complete(task!, 'disputeCarrier', 'tom.transport', { note: 'Accessorial not ordered' });
    expect((await s.onlyInstanceOf('SO-5001')).outcome).toBe('carrierDisputed');
    expect(erpInvoicesFor('SO-5001')).toHaveLength(1);
    expect(memosFor(invoice.invoiceNumber)).toHaveLength(0);
  });

  test('freight not billed to the customer (prepaid): no adjustment', async () => {
    await invoiced('SO-6001', 0);
    await rated('SO-6001', 140, 'prepaid');
    expect((await s.onlyInstanceOf('SO-6001')).outcome).toBe('noAdjustment');
  });

  test('no rating within the wait: closed without adjustment', async () => {
    await invoiced('SO-7001', 85);
    await s.advanceDays(11);
    expect((await s.onlyInstanceOf('SO-7001')).outcome).toBe('noFreightRated');
  });
});
