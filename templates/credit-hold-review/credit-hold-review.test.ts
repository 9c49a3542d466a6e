/**
 * Scenario tests of the credit-hold-review template: holds are placed in the ERP simulator, the
 * `credit.held` event goes in through the HTTP API, and the credit approver's decision releases the
 * hold in the ERP (or not).
 */
import { randomUUID } from 'node:crypto';

import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startScenario, type Scenario } from '../scenario-harness.ts';

/** Places a hold in the ERP, as a credit controller or the ERP's own rules would. */
async function placeHold(
  s: Scenario,
  customerId: string,
  orderNumber: string,
  reason = 'over-limit',
): Promise<Record<string, unknown>> {
  const response = await fetch(`${s.erp.url}/customers/${customerId}/holds`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${ERP_SIMULATOR_API_KEY}`,
      'idempotency-key': randomUUID(),
      'content-type': 'application/json',
    },
    body: JSON.stringify({ reason, orderNumber }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, unknown>;
}

/** Places a hold and reports it to Waybill; returns its id. */
async function held(s: Scenario, customerId: string, orderNumber: string, reason?: string) {
  const hold = await placeHold(s, customerId, orderNumber, reason);
  expect(await s.send('credit.held', orderNumber, hold)).toBe(202);
  await s.worker.runUntilIdle();
  return String(hold.holdId);
}

const inForce = (s: Scenario, holdId: string) => s.erp.holds().some((h) => h.holdId === holdId);

describe('credit hold review', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario('credit-hold-review', {
      reviewSla: 'PT4H',
      escalateAfter: 'P1D',
      prepaymentWindow: 'P5D',
    });
  });
  afterAll(async () => {
    await s?.stop();
  });

  /** The one open review task of an order. */
  async function reviewOf(orderNumber: string) {
    const tasks = await s.openTasksOf(orderNumber);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      title: 'Credit hold: release, prepayment or reject',
      candidateRoles: ['credit'],
    });
    return tasks[0]!;
  }

  test('approved: the hold is released in the ERP by the approver', async () => {
    const holdId = await held(s, 'C-300', 'SO-1001');
    const instance = await s.onlyInstanceOf('SO-1001');
    expect(instance.context.status).toMatchObject({
      customerId: 'C-300',
      creditLimit: 25_000,
      pastDue: 1_800,
    });
    expect(inForce(s, holdId)).toBe(true);

    await s.complete(await reviewOf('SO-1001'), 'approve', 'carla.credit', {
      note: 'Payment plan agreed',
    });
    const done = await s.onlyInstanceOf('SO-1001');
    expect(done.outcome).toBe('released');
    expect(done.context.release).toMatchObject({ alreadyReleased: false });
    expect(inForce(s, holdId)).toBe(false);
  });

  test('rejected: the hold stays in force', async () => {
    const holdId = await held(s, 'C-300', 'SO-2001', 'past-due');
    await s.complete(await reviewOf('SO-2001'), 'reject', 'carla.credit');
    expect((await s.onlyInstanceOf('SO-2001')).outcome).toBe('rejected');
    expect(inForce(s, holdId)).toBe(true);
  });

  test('prepayment required: released when the ERP reports the release', async () => {
    const holdId = await held(s, 'C-300', 'SO-3001');
    await s.complete(await reviewOf('SO-3001'), 'requirePrepayment', 'carla.credit', {
      prepaymentAmount: 2_500,
    });
    expect((await s.onlyInstanceOf('SO-3001')).currentNodes).toEqual(['awaitPrepayment']);

    // A release of another hold of the same order does not count.
    await s.send('credit.released', 'SO-3001', {
      holdId: 'H-OTHER',
      customerId: 'C-300',
      releasedAt: '2026-11-24T10:00:00Z',
    });
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf('SO-3001')).currentNodes).toEqual(['awaitPrepayment']);

    await s.send('credit.released', 'SO-3001', {
      holdId,
      customerId: 'C-300',
      orderNumber: 'SO-3001',
      releasedAt: '2026-11-25T10:00:00Z',
      releasedBy: 'erp-cash-app',
    });
    await s.worker.runUntilIdle();
    const instance = await s.onlyInstanceOf('SO-3001');
    expect(instance.outcome).toBe('releasedOnPrepayment');
    expect(instance.context.review).toMatchObject({ prepaymentAmount: 2_500 });
  });

  test('no prepayment within the window: credit reviews again', async () => {
    await held(s, 'C-300', 'SO-3101');
    const first = await reviewOf('SO-3101');
    await s.complete(first, 'requirePrepayment', 'carla.credit');
    await s.advanceDays(6);
    const second = await reviewOf('SO-3101');
    expect(second.id).not.toBe(first.id);
  });

  test('review past its SLA: escalated to the credit manager', async () => {
    await held(s, 'C-300', 'SO-4001');
    await s.advanceDays(0.5);
    expect((await reviewOf('SO-4001')).dueAt).not.toBeNull();
    await s.advanceDays(2);
    const [task] = await s.openTasksOf('SO-4001');
    expect(task!.candidateRoles).toEqual(['credit', 'credit-manager']);
  });

  test('released in the ERP before the review started: no task', async () => {
    const hold = await placeHold(s, 'C-300', 'SO-5001');
    await s.send('credit.released', 'SO-5001', {
      holdId: hold.holdId,
      customerId: 'C-300',
      releasedAt: '2026-11-24T10:00:00Z',
    });
    await s.send('credit.held', 'SO-5001', hold);
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf('SO-5001')).outcome).toBe('releasedElsewhere');
  });

  test('automatic release is off unless the business unit turns it on', async () => {
    await held(s, 'C-100', 'SO-6001');
    await reviewOf('SO-6001');
  });
});

describe('credit hold review with automatic release within limit', () => {
  let s: Scenario;
  beforeAll(async () => {
    s = await startScenario('credit-hold-review', { autoReleaseWithinLimit: 'true' });
  });
  afterAll(async () => {
    await s?.stop();
  });

  test('over-limit hold, customer back within limit: released without a touch', async () => {
    // C-100: limit 50,000, exposure 12,000, nothing past due.
    const holdId = await held(s, 'C-100', 'SO-7001');
    const instance = await s.onlyInstanceOf('SO-7001');
    expect(instance.outcome).toBe('autoReleased');
    expect(await s.openTasksOf('SO-7001')).toHaveLength(0);
    expect(inForce(s, holdId)).toBe(false);
  });

  test('past-due customer: still reviewed by credit', async () => {
    // C-300 has 1,800 past due.
    const holdId = await held(s, 'C-300', 'SO-7101');
    expect(await s.openTasksOf('SO-7101')).toHaveLength(1);
    expect(inForce(s, holdId)).toBe(true);
  });

  test('hold for another reason than the limit: still reviewed by credit', async () => {
    await held(s, 'C-100', 'SO-7201', 'manual');
    expect(await s.openTasksOf('SO-7201')).toHaveLength(1);
  });
});
