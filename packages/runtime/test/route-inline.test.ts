/**
 * At a moderate load a routed event is applied in the routing transaction itself (one
 * transaction per event instead of two); a large batch is only routed, and the advancing loop
 * applies it. Exactly once either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceInstances } from '../src/engine/advance.ts';
import { MachineCache } from '../src/engine/machines.ts';
import { listInstances } from '../src/engine/queries.ts';
import { routeEvents } from '../src/engine/router.ts';
import { silentLogger } from '../src/log.ts';
import { invoiceFlow, releasedOrder } from './flows.ts';
import { startEngineFixture, type EngineFixture } from './helpers.ts';

let fx: EngineFixture;
const machines = new MachineCache();
beforeAll(async () => {
  fx = await startEngineFixture();
  await fx.deploy(invoiceFlow);
});
afterAll(() => fx.close());

async function waitingAt(orderNumber: string): Promise<{ nodes: unknown; shipment: unknown }> {
  const [instance] = await listInstances(fx.testDb.db, { correlationKey: orderNumber });
  const row = await fx.testDb.db
    .selectFrom('instances')
    .select(['current_nodes', 'context'])
    .where('id', '=', instance!.id)
    .executeTakeFirstOrThrow();
  // The instance's variables, as the inbox and API show them.
  const vars = row.context as { shipment?: unknown };
  return { nodes: row.current_nodes, shipment: vars.shipment ?? null };
}

async function pendingMessages(): Promise<number> {
  const rows = await fx.testDb.db
    .selectFrom('inbox')
    .select('id')
    .where('status', '=', 'pending')
    .execute();
  return rows.length;
}

/** A machine cache whose flows cannot be loaded: every step fails. */
class FailingMachines extends MachineCache {
  override get(): Promise<never> {
    return Promise.reject(new Error('flow not loadable'));
  }
}

describe('routing', () => {
  it('applies a small batch of events in its own transaction', async () => {
    await fx.send('order.released', 'RI-1', { ...releasedOrder, orderNumber: 'RI-1' });
    await fx.worker.runUntilIdle();
    await fx.send('shipment.confirmed', 'RI-1', { shipmentId: 'SH-RI-1' });

    expect(
      await routeEvents(fx.testDb.db, { machines, logger: silentLogger, advanceInlineUpTo: 20 }),
    ).toBe(1);

    // No advancing round ran: the shipment is already in the instance's variables.
    expect(await waitingAt('RI-1')).toEqual({
      nodes: ['ready'],
      shipment: { shipmentId: 'SH-RI-1' },
    });
    expect(await pendingMessages()).toBe(0);
    expect(await advanceInstances(fx.testDb.db, { machines, logger: silentLogger })).toBe(0);
  });

  it('leaves a batch larger than the limit to the advancing loop', async () => {
    await fx.send('order.released', 'RI-2', { ...releasedOrder, orderNumber: 'RI-2' });
    await fx.worker.runUntilIdle();
    await fx.send('shipment.confirmed', 'RI-2', { shipmentId: 'SH-RI-2' });

    expect(
      await routeEvents(fx.testDb.db, { machines, logger: silentLogger, advanceInlineUpTo: 0 }),
    ).toBe(1);
    expect(await waitingAt('RI-2')).toEqual({ nodes: ['ready'], shipment: null });
    expect(await pendingMessages()).toBe(1);

    expect(await advanceInstances(fx.testDb.db, { machines, logger: silentLogger })).toBe(1);
    expect(await waitingAt('RI-2')).toEqual({
      nodes: ['ready'],
      shipment: { shipmentId: 'SH-RI-2' },
    });
    expect(await pendingMessages()).toBe(0);
  });

  it('routes a small batch whose applying fails, and leaves the applying to the advancing loop', async () => {
    await fx.send('order.released', 'RI-3', { ...releasedOrder, orderNumber: 'RI-3' });
    await fx.worker.runUntilIdle();
    await fx.send('shipment.confirmed', 'RI-3', { shipmentId: 'SH-RI-3' });

    // The routing transaction fails while applying the event; it runs again without applying.
    expect(
      await routeEvents(fx.testDb.db, {
        machines: new FailingMachines(),
        logger: silentLogger,
        advanceInlineUpTo: 20,
      }),
    ).toBe(1);
    expect(await waitingAt('RI-3')).toEqual({ nodes: ['ready'], shipment: null });
    expect(await pendingMessages()).toBe(1);

    expect(await advanceInstances(fx.testDb.db, { machines, logger: silentLogger })).toBe(1);
    expect(await waitingAt('RI-3')).toEqual({
      nodes: ['ready'],
      shipment: { shipmentId: 'SH-RI-3' },
    });
    expect(await pendingMessages()).toBe(0);
  });
});
