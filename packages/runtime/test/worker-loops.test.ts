/**
 * A worker runs connector calls in a loop of their own: an external system that does not answer
 * holds up only the instances waiting for it, never the transitions of the others.
 */
import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listInstances } from '../src/engine/queries.ts';
import { auditFlow, invoiceFlow, releasedOrder } from './flows.ts';
import { startEngineFixture, type EngineFixture } from './helpers.ts';

let fx: EngineFixture;
beforeAll(async () => {
  fx = await startEngineFixture();
  await fx.deploy(invoiceFlow);
  await fx.deploy(auditFlow);
});
afterAll(() => fx.close());

async function effectStatuses(): Promise<string[]> {
  const rows = await fx.testDb.db.selectFrom('effects').select(['status', 'attempts']).execute();
  return rows.map((r) => `${r.status} (attempt ${r.attempts})`);
}

describe('Worker loops', () => {
  it('keeps advancing other instances while a connector call hangs', async () => {
    // The ERP accepts connections but never answers.
    const faults = await fetch(`${fx.erp.url}/_faults`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${ERP_SIMULATOR_API_KEY}`,
      },
      body: JSON.stringify({ hangRate: 1 }),
    });
    expect(faults.ok).toBe(true);
    fx.worker.start();

    await fx.send('order.released', 'SO-A', { ...releasedOrder, orderNumber: 'SO-A' });
    await fx.send('shipment.confirmed', 'SO-A', { shipmentId: 'SH-A' });
    await fx.send('pricing.validated', 'SO-A', { variancePct: 0 });
    await vi.waitFor(async () => expect(await effectStatuses()).toEqual(['running (attempt 1)']), {
      timeout: 30_000,
      interval: 50,
    });

    await fx.send('order.released', 'SO-B', { ...releasedOrder, orderNumber: 'SO-B' });
    await fx.send('shipment.confirmed', 'SO-B', { shipmentId: 'SH-B' });
    await vi.waitFor(
      async () => {
        const instances = await listInstances(fx.testDb.db, { correlationKey: 'SO-B' });
        const audit = instances.find((i) => i.flowKey === 'shipment-audit');
        expect(audit?.status).toBe('completed');
      },
      { timeout: 30_000, interval: 50 },
    );
    // SO-A's first invoice call is still waiting for the ERP (it has not even timed out).
    expect(await effectStatuses()).toEqual(['running (attempt 1)']);
    expect(fx.erp.invoices()).toEqual([]);
    await fx.worker.stop({ abortEffects: true });
  });
});
