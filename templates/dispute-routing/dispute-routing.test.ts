/**
 * Scenario tests of the dispute-routing template: invoices are posted in the ERP simulator, disputes
 * go in through the HTTP API, owners decide in their inbox, and credits land in the ERP as memos.
 */
import { randomUUID } from 'node:crypto';

import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startScenario, type Scenario } from '../scenario-harness.ts';

let s: Scenario;

beforeAll(async () => {
  s = await startScenario('dispute-routing', {
    autoCreditLimit: 25,
    resolutionSla: 'P3D',
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

/** Opens a dispute on a fresh invoice; returns the invoice number (the correlation key). */
async function disputed(disputeId: string, amount: number, category?: string): Promise<string> {
  const invoiceNumber = await invoice(`SO-${disputeId}`);
  await s.send('dispute.opened', invoiceNumber, {
    disputeId,
    invoiceNumber,
    orderNumber: `SO-${disputeId}`,
    customerId: 'C-100',
    amount,
    currency: 'USD',
    openedAt: '2026-11-28T09:00:00Z',
    status: 'open',
    description: 'Customer portal claim',
    ...(category ? { category } : {}),
  });
  await s.worker.runUntilIdle();
  return invoiceNumber;
}

async function onlyTask(key: string, title: string, role: string) {
  const tasks = await s.openTasksOf(key);
  expect(tasks).toHaveLength(1);
  expect(tasks[0]).toMatchObject({ title, candidateRoles: [role] });
  return tasks[0]!;
}

const memosOf = (invoiceNumber: string) =>
  s.erp.creditMemos().filter((m) => m.invoiceNumber === invoiceNumber);

describe('dispute routing', () => {
  test('small categorised dispute: credited without review', async () => {
    const key = await disputed('D-1001', 18.4, 'damaged');
    expect((await s.onlyInstanceOf(key)).outcome).toBe('autoCredited');
    expect(memosOf(key)).toEqual([
      expect.objectContaining({ amount: 18.4, reason: 'damaged', disputeId: 'D-1001' }),
    ]);
  });

  test('pricing dispute: pricing credits part of it', async () => {
    const key = await disputed('D-2001', 60, 'pricing');
    const task = await onlyTask(key, 'Pricing dispute', 'pricing');
    await s.complete(task, 'credit', 'pia.pricing', {
      creditAmount: 35,
      rootCause: 'old price list',
    });
    const instance = await s.onlyInstanceOf(key);
    expect(instance.outcome).toBe('credited');
    expect(instance.context.resolution).toMatchObject({ rootCause: 'old price list' });
    expect(memosOf(key)).toEqual([
      expect.objectContaining({ amount: 35, reason: 'pricing', disputeId: 'D-2001' }),
    ]);
  });

  test('quantity dispute: the warehouse rejects it, nothing is credited', async () => {
    const key = await disputed('D-3001', 49, 'quantity');
    const task = await onlyTask(key, 'Quantity dispute', 'warehouse');
    await s.complete(task, 'reject', 'wes.warehouse', { note: 'Signed POD shows full quantity' });
    expect((await s.onlyInstanceOf(key)).outcome).toBe('rejected');
    expect(memosOf(key)).toHaveLength(0);
  });

  test('each category reaches its owner', async () => {
    const owners: [string, string, string][] = [
      ['promotion', 'Pricing dispute', 'pricing'],
      ['missing-pod', 'Damage or delivery dispute', 'logistics'],
      ['freight', 'Freight dispute', 'transportation'],
      ['tax', 'Tax dispute', 'tax'],
      ['duplicate-billing', 'Duplicate billing dispute', 'accounts-receivable'],
    ];
    for (const [index, [category, title, role]] of owners.entries()) {
      const key = await disputed(`D-40${index}`, 100, category);
      await onlyTask(key, title, role);
    }
  });

  test('uncategorised: customer service routes it, and the owner credits the amount disputed', async () => {
    const key = await disputed('D-5001', 80);
    const triage = await onlyTask(
      key,
      'Uncategorised dispute: route or resolve',
      'customer-service',
    );
    await s.complete(triage, 'logistics', 'cara.service');
    const task = await onlyTask(key, 'Damage or delivery dispute', 'logistics');
    await s.complete(task, 'credit', 'lena.logistics');
    expect((await s.onlyInstanceOf(key)).outcome).toBe('credited');
    expect(memosOf(key)).toEqual([expect.objectContaining({ amount: 80, reason: 'other' })]);
  });

  test('an owner sends a misrouted dispute back to customer service', async () => {
    const key = await disputed('D-6001', 120, 'tax');
    await s.complete(await onlyTask(key, 'Tax dispute', 'tax'), 'reroute', 'tim.tax');
    await onlyTask(key, 'Uncategorised dispute: route or resolve', 'customer-service');
  });

  test('a categorised dispute marked other is never credited without review', async () => {
    const key = await disputed('D-6101', 10, 'other');
    await onlyTask(key, 'Uncategorised dispute: route or resolve', 'customer-service');
    expect(memosOf(key)).toHaveLength(0);
  });

  test('dispute left open past its SLA: escalated to the AR manager', async () => {
    const key = await disputed('D-7001', 300, 'freight');
    await s.advanceDays(4);
    let [task] = await s.openTasksOf(key);
    expect(task!.candidateRoles).toEqual(['transportation']);
    await s.advanceDays(6);
    [task] = await s.openTasksOf(key);
    expect(task!.candidateRoles).toEqual(['transportation', 'ar-manager']);
  });

  test('a credit the ERP refuses (more than the invoice) ends as failed, visibly', async () => {
    const key = await disputed('D-8001', 900, 'pricing');
    await s.complete(await onlyTask(key, 'Pricing dispute', 'pricing'), 'credit', 'pia.pricing');
    expect((await s.onlyInstanceOf(key)).outcome).toBe('creditFailed');
    expect(memosOf(key)).toHaveLength(0);
  });
});
