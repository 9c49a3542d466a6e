/**
 * Scenario tests of the remittance-deductions template: invoices are posted in the ERP simulator,
 * remittances (as the X12 820 mapping publishes them) go in through the HTTP API, and accepted
 * deductions land in the ERP as credit memos.
 */
import { randomUUID } from 'node:crypto';

import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startScenario, type Scenario } from '../scenario-harness.ts';

let s: Scenario;

beforeAll(async () => {
  s = await startScenario('remittance-deductions', {
    matchTolerance: 0.01,
    autoWriteOffLimit: 25,
    reviewSla: 'P2D',
    escalateAfter: 'P5D',
  });
});

afterAll(async () => {
  await s?.stop();
});

/** Posts a 245.00 invoice in the ERP and returns its number. */
async function invoice(orderNumber: string): Promise<string> {
  const response = await fetch(`${s.erp.url}/invoices`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ERP_SIMULATOR_API_KEY}`,
      'idempotency-key': randomUUID(),
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      orderNumber,
      customerId: 'C-100',
      currency: 'USD',
      lines: [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 }],
    }),
  });
  return ((await response.json()) as { invoiceNumber: string }).invoiceNumber;
}

interface Payment {
  invoiceNumber: string;
  invoiceAmount?: number;
  amountPaid: number;
  discountTaken?: number;
  adjustments: { reasonCode: string; amount: number; description?: string }[];
}

async function remitted(remittanceId: string, payments: Payment[]): Promise<void> {
  const totalAmount = payments.reduce((sum, p) => sum + p.amountPaid, 0);
  await s.send('remittance.received', remittanceId, {
    remittanceId,
    customerId: 'C-100',
    currency: 'USD',
    paymentDate: '2026-12-20',
    method: 'ach',
    reference: `TRN-${remittanceId}`,
    totalAmount,
    payments,
  });
  await s.worker.runUntilIdle();
}

const memosOf = (invoiceNumber: string) =>
  s.erp.creditMemos().filter((m) => m.invoiceNumber === invoiceNumber);

async function onlyTask(key: string, title: string, role: string) {
  const tasks = await s.openTasksOf(key);
  expect(tasks).toHaveLength(1);
  expect(tasks[0]).toMatchObject({ title, candidateRoles: [role] });
  return tasks[0]!;
}

const SINGLE = 'Short payment or deduction on an invoice';
const MULTI = 'Remittance with deductions across invoices';

describe('remittance deductions', () => {
  test('paid in full (a discount taken counts as paid): matched without a touch', async () => {
    const a = await invoice('SO-1001');
    const b = await invoice('SO-1002');
    await remitted('R-1001', [
      { invoiceNumber: a, invoiceAmount: 245, amountPaid: 245, adjustments: [] },
      {
        invoiceNumber: b,
        invoiceAmount: 245,
        amountPaid: 240.1,
        discountTaken: 4.9,
        adjustments: [],
      },
    ]);
    expect((await s.onlyInstanceOf('R-1001')).outcome).toBe('matched');
    expect(await s.openTasksOf('R-1001')).toHaveLength(0);
  });

  test('small deduction on one invoice: written off with a credit memo', async () => {
    const a = await invoice('SO-2001');
    await remitted('R-2001', [
      {
        invoiceNumber: a,
        invoiceAmount: 245,
        amountPaid: 226.6,
        adjustments: [{ reasonCode: 'CM', amount: 18.4, description: 'Damaged carton' }],
      },
    ]);
    expect((await s.onlyInstanceOf('R-2001')).outcome).toBe('writtenOff');
    expect(memosOf(a)).toEqual([
      expect.objectContaining({
        reason: 'deduction-accepted',
        amount: 18.4,
        note: 'Remittance R-2001 (CM)',
      }),
    ]);
  });

  test('larger short pay on one invoice: AR accepts it with a credit memo', async () => {
    const a = await invoice('SO-3001');
    await remitted('R-3001', [
      { invoiceNumber: a, invoiceAmount: 245, amountPaid: 145, adjustments: [] },
    ]);
    expect(memosOf(a)).toHaveLength(0);
    const task = await onlyTask('R-3001', SINGLE, 'accounts-receivable');
    await s.complete(task, 'accept', 'ari.receivable', { note: 'Agreed promo allowance' });
    expect((await s.onlyInstanceOf('R-3001')).outcome).toBe('deductionAccepted');
    expect(memosOf(a)).toEqual([expect.objectContaining({ amount: 100 })]);
  });

  test('AR collects a deduction: nothing is credited', async () => {
    const a = await invoice('SO-4001');
    await remitted('R-4001', [
      {
        invoiceNumber: a,
        invoiceAmount: 245,
        amountPaid: 190,
        adjustments: [{ reasonCode: 'AX', amount: 55 }],
      },
    ]);
    await s.complete(await onlyTask('R-4001', SINGLE, 'accounts-receivable'), 'collect', 'ari');
    expect((await s.onlyInstanceOf('R-4001')).outcome).toBe('collect');
    expect(memosOf(a)).toHaveLength(0);
  });

  test('deductions across several invoices: cash application applies them', async () => {
    const a = await invoice('SO-5001');
    const b = await invoice('SO-5002');
    await remitted('R-5001', [
      { invoiceNumber: a, invoiceAmount: 245, amountPaid: 245, adjustments: [] },
      {
        invoiceNumber: b,
        invoiceAmount: 245,
        amountPaid: 230,
        adjustments: [{ reasonCode: 'CM', amount: 15 }],
      },
    ]);
    const task = await onlyTask('R-5001', MULTI, 'cash-application');
    await s.complete(task, 'applied', 'cass.cash');
    expect((await s.onlyInstanceOf('R-5001')).outcome).toBe('appliedByCashApplication');
  });

  test('an open review escalates to the AR manager', async () => {
    const a = await invoice('SO-6001');
    await remitted('R-6001', [
      { invoiceNumber: a, invoiceAmount: 245, amountPaid: 100, adjustments: [] },
    ]);
    await s.advanceDays(6);
    const [task] = await s.openTasksOf('R-6001');
    expect(task!.candidateRoles).toEqual(['accounts-receivable', 'ar-manager']);
  });

  test('the same remittance delivered twice is handled once', async () => {
    const a = await invoice('SO-7001');
    const payments = [
      {
        invoiceNumber: a,
        invoiceAmount: 245,
        amountPaid: 235,
        adjustments: [{ reasonCode: 'CM', amount: 10 }],
      },
    ];
    await remitted('R-7001', payments);
    await remitted('R-7001', payments);
    expect(await s.instancesOf('R-7001')).toHaveLength(1);
    expect(memosOf(a)).toHaveLength(1);
  });
});
