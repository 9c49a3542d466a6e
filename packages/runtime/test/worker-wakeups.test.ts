/**
 * A running worker is moved by wake-ups, not by its poll: with a poll interval of ten minutes,
 * an order still goes from its release through the ERP call to its invoice, because every
 * commit that creates work (an event, a connector call, a message) wakes the loop that does it.
 */
import type { FlowDefinitionInput } from '@waybill/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { Worker } from '../src/engine/worker.ts';
import { invoiceFlow, releasedOrder } from './flows.ts';
import { startEngineFixture, type EngineFixture } from './helpers.ts';

let fx: EngineFixture;
let worker: Worker;
beforeAll(async () => {
  fx = await startEngineFixture();
  await fx.deploy(invoiceFlow);
  worker = new Worker({
    connection: fx.testDb.connection,
    connectors: {
      registry: fx.registry,
      configs: { 'waybill.erp-sandbox': { baseUrl: fx.erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
    },
    pollIntervalMs: 600_000,
  });
  worker.start();
});
afterAll(async () => {
  await worker.stop();
  await fx.close();
});

async function outcomeOf(key: string): Promise<string | null> {
  const row = await fx.testDb.db
    .selectFrom('instances')
    .select('outcome')
    .where('correlation_key', '=', key)
    .executeTakeFirst();
  return row?.outcome ?? null;
}

describe('a worker that only polls every ten minutes', () => {
  it('routes, calls the ERP and finishes an order on wake-ups alone', async () => {
    const key = 'WK-1';
    await fx.send('order.released', key, { ...releasedOrder, orderNumber: key });
    await fx.send('shipment.confirmed', key, { shipmentId: 'SH-WK-1' });
    await fx.send('pricing.validated', key, { variancePct: 0.5 });

    await expect.poll(() => outcomeOf(key), { timeout: 30_000, interval: 100 }).toBe('invoiced');
    expect(fx.erp.invoices().filter((i) => i.request.orderNumber === key)).toHaveLength(1);
  });
});

/** Waits a second (a durable timer), then finishes. */
const reminderFlow = {
  key: 'remind-after-a-second',
  name: 'Remind after a second',
  trigger: { event: 'reminder.requested' },
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'wait', type: 'timer', delay: 'PT1S' },
    { id: 'done', type: 'end', outcome: 'reminded' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'wait' },
    { id: 'e2', source: 'wait', target: 'done' },
  ],
} satisfies FlowDefinitionInput;

describe('a worker under a steady stream of events', () => {
  let stream: EngineFixture;
  let busy: Worker;
  beforeAll(async () => {
    stream = await startEngineFixture();
    await stream.deploy(reminderFlow);
    busy = new Worker({
      connection: stream.testDb.connection,
      connectors: { registry: stream.registry, configs: {} },
      pollIntervalMs: 300,
    });
    busy.start();
  });
  afterAll(async () => {
    await busy.stop();
    await stream.close();
  });

  it('still fires due timers, though new events wake it more often than it polls', async () => {
    await stream.send('reminder.requested', 'RM-1', {});
    // An event every 50 ms (nobody's: each is parked), for as long as the timer has not fired.
    let fired = false;
    const noise = (async () => {
      for (let i = 0; !fired && i < 400; i++) {
        await stream.send('noise.observed', `NOISE-${i}`, {});
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      await expect
        .poll(
          async () => {
            const row = await stream.testDb.db
              .selectFrom('instances')
              .select('outcome')
              .where('correlation_key', '=', 'RM-1')
              .executeTakeFirst();
            return row?.outcome ?? null;
          },
          { timeout: 15_000, interval: 100 },
        )
        .toBe('reminded');
    } finally {
      fired = true;
      await noise;
    }
  });
});
