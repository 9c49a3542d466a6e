/**
 * Scenario tests of the missing-POD chase template: orders, shipments and PODs go in through the
 * HTTP API, the billing profile comes from the ERP simulator, and deadlines are fired as the timer
 * poller would fire them days later.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { startScenario, type Scenario } from '../scenario-harness.ts';

let s: Scenario;

beforeAll(async () => {
  s = await startScenario('missing-pod-chase', {
    chaseAfter: 'P2D',
    reminderInterval: 'P2D',
    chaseSla: 'PT8H',
  });
});

afterAll(async () => {
  await s?.stop();
});

// C-200 and C-300 require proof of delivery (ERP simulator's demo customers); C-100 does not.
const order = (orderNumber: string, customerId = 'C-200') => ({
  orderNumber,
  customerId,
  currency: 'USD',
  lines: [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 }],
});
const shipment = (shipmentId: string) => ({
  shipmentId,
  shippedAt: '2026-11-23T14:05:00Z',
  carrier: 'ODFL',
  trackingNumber: 'PRO-5521',
  lines: [{ sku: 'PAL-WRAP-18', shippedQty: 10 }],
});
const pod = (documentId: string) => ({ documentId, receivedAt: '2026-11-25T09:30:00Z' });

async function shipped(orderNumber: string, customerId?: string): Promise<void> {
  await s.send('order.released', orderNumber, order(orderNumber, customerId));
  await s.send('shipment.confirmed', orderNumber, shipment(`SH-${orderNumber}`));
  await s.worker.runUntilIdle();
}

/** The one open task of an order, after checking its title and roles. */
async function onlyTask(orderNumber: string, title: string, role: string) {
  const tasks = await s.openTasksOf(orderNumber);
  expect(tasks).toHaveLength(1);
  expect(tasks[0]).toMatchObject({ title, candidateRoles: [role] });
  return tasks[0]!;
}

const CHASE = 'Proof of delivery missing: chase the carrier';
const REMIND = 'Proof of delivery still missing: remind the carrier';
const ESCALATED = 'Proof of delivery missing after reminders';

describe('missing POD chase', () => {
  test('customer without POD requirement: nothing to chase', async () => {
    await shipped('SO-1001', 'C-100');
    expect((await s.onlyInstanceOf('SO-1001')).outcome).toBe('notRequired');
  });

  test('POD in time: no task', async () => {
    await shipped('SO-2001');
    expect((await s.onlyInstanceOf('SO-2001')).currentNodes).toEqual(['awaitPod']);
    await s.advanceDays(1);
    await s.send('pod.received', 'SO-2001', pod('POD-2001'));
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf('SO-2001')).outcome).toBe('podReceived');
    expect(await s.advanceDays(3)).toBe(0);
  });

  test('POD late: logistics chases the carrier, and the POD arriving ends the chase', async () => {
    await shipped('SO-3001');
    await s.advanceDays(3);
    const task = await onlyTask('SO-3001', CHASE, 'logistics');
    expect(task.dueAt).not.toBeNull();

    await s.complete(task, 'chased', 'lena.logistics', {
      carrierReference: 'PRO-5521',
      promisedDate: '2026-11-27',
    });
    expect((await s.onlyInstanceOf('SO-3001')).currentNodes).toEqual(['awaitAfterChase']);
    await s.send('pod.received', 'SO-3001', pod('POD-3001'));
    await s.worker.runUntilIdle();
    const instance = await s.onlyInstanceOf('SO-3001');
    expect(instance.outcome).toBe('podReceived');
    expect(instance.context.chase).toMatchObject({
      outcome: 'chased',
      carrierReference: 'PRO-5521',
      completedBy: 'lena.logistics',
    });
  });

  test('POD that arrived while the chase task was open: completing it finishes at once', async () => {
    await shipped('SO-3101');
    await s.advanceDays(3);
    const task = await onlyTask('SO-3101', CHASE, 'logistics');
    await s.send('pod.received', 'SO-3101', pod('POD-3101'));
    await s.worker.runUntilIdle();
    await s.complete(task, 'chased', 'lena.logistics');
    expect((await s.onlyInstanceOf('SO-3101')).outcome).toBe('podReceived');
  });

  test('still missing: one reminder, then the logistics manager decides (carrier claim)', async () => {
    await shipped('SO-4001');
    await s.advanceDays(3);
    await s.complete(await onlyTask('SO-4001', CHASE, 'logistics'), 'chased', 'lena.logistics');
    await s.advanceDays(3);
    await s.complete(await onlyTask('SO-4001', REMIND, 'logistics'), 'chased', 'lena.logistics');
    await s.advanceDays(3);
    const escalated = await onlyTask('SO-4001', ESCALATED, 'logistics-manager');
    await s.complete(escalated, 'carrierClaim', 'max.manager', { note: 'Claim 88-2231' });
    const instance = await s.onlyInstanceOf('SO-4001');
    expect(instance.outcome).toBe('carrierClaim');
    expect(instance.context.escalation).toMatchObject({
      outcome: 'carrierClaim',
      completedBy: 'max.manager',
    });
  });

  test('escalation sends it back to logistics to chase again', async () => {
    await shipped('SO-4101');
    await s.advanceDays(3);
    await s.complete(await onlyTask('SO-4101', CHASE, 'logistics'), 'chased', 'lena.logistics');
    await s.advanceDays(3);
    await s.complete(await onlyTask('SO-4101', REMIND, 'logistics'), 'chased', 'lena.logistics');
    await s.advanceDays(3);
    await s.complete(
      await onlyTask('SO-4101', ESCALATED, 'logistics-manager'),
      'keepChasing',
      'max.manager',
    );
    await onlyTask('SO-4101', CHASE, 'logistics');
  });

  test('delivery confirmed another way: logistics releases without POD', async () => {
    await shipped('SO-5001');
    await s.advanceDays(3);
    await s.complete(
      await onlyTask('SO-5001', CHASE, 'logistics'),
      'releaseWithoutPod',
      'lena.logistics',
      { note: 'Customer confirmed receipt by email' },
    );
    expect((await s.onlyInstanceOf('SO-5001')).outcome).toBe('releasedWithoutPod');
  });

  test('POD before the order is released: nothing to chase', async () => {
    await s.send('pod.received', 'SO-6001', pod('POD-6001'));
    await s.send('shipment.confirmed', 'SO-6001', shipment('SH-6001'));
    await s.send('order.released', 'SO-6001', order('SO-6001'));
    await s.worker.runUntilIdle();
    expect((await s.onlyInstanceOf('SO-6001')).outcome).toBe('podReceived');
  });

  test('not shipped yet: the chase clock has not started', async () => {
    await s.send('order.released', 'SO-7001', order('SO-7001'));
    await s.worker.runUntilIdle();
    await s.advanceDays(5);
    expect((await s.onlyInstanceOf('SO-7001')).currentNodes).toEqual(['shipped']);
    expect(await s.openTasksOf('SO-7001')).toHaveLength(0);
  });
});
