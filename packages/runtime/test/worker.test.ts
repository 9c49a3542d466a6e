import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listInstances } from '../src/engine/queries.ts';
import { timerFlow } from './flows.ts';
import { startEngineFixture, type EngineFixture } from './helpers.ts';

let fx: EngineFixture;
beforeAll(async () => {
  fx = await startEngineFixture();
  await fx.deploy(timerFlow);
});
afterAll(() => fx.close());

describe('Worker.start()', () => {
  it('picks up new events by itself and stops gracefully', async () => {
    fx.worker.start();
    await fx.send('order.released', 'SO-900', { orderNumber: 'SO-900' });
    await vi.waitFor(
      async () => {
        const [instance] = await listInstances(fx.testDb.db, { correlationKey: 'SO-900' });
        expect(instance?.currentNodes).toEqual(['wait']);
      },
      { timeout: 30_000, interval: 100 },
    );
    await fx.worker.stop();
    // Stopped: a new event stays pending.
    await fx.send('order.released', 'SO-901', { orderNumber: 'SO-901' });
    const pending = await fx.testDb.db
      .selectFrom('events')
      .select('status')
      .where('correlation_key', '=', 'SO-901')
      .execute();
    expect(pending).toEqual([{ status: 'pending' }]);
  });
});
