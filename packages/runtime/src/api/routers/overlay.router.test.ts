import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveThenPodFlow } from '../../../test/flows.ts';
import { silentLogger } from '../../log.ts';
import { createPlatform, type Platform } from '../../platform.ts';
import { createTestDatabase, type TestDatabase } from '../../testing.ts';
import { createCallerFactory } from '../trpc.ts';
import { principalFor } from '../../identity/users.ts';
import { appRouter } from './_app.ts';

let testDb: TestDatabase;
let platform: Platform;
let baseUrl: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  platform = await createPlatform({
    connection: testDb.connection,
    logger: silentLogger,
    worker: false,
    designerDir: null,
    apiKey: 'wb_overlay_test',
  });
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  await platform.deploy(approveThenPodFlow, { note: 'v1' });
});
afterAll(async () => {
  await platform.close();
  await testDb.drop();
});

function caller() {
  return createCallerFactory(appRouter)({
    db: testDb.db,
    databaseKind: testDb.connection.kind,
    version: 'test',
    registry: platform.registry,
    actor: 'ana',
    principal: principalFor('ana', ['process-owner', 'operator']),
    csrfOk: true,
  });
}

async function release(orderNumber: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: 'Bearer wb_overlay_test',
      'idempotency-key': `release-${orderNumber}`,
    },
    body: JSON.stringify({
      type: 'order.released',
      correlationKey: orderNumber,
      payload: { orderNumber },
    }),
  });
  expect(res.status).toBe(202);
}

describe('overlay over createCaller', () => {
  it('counts instances waiting at each node and lists them', async () => {
    await release('SO-1');
    await release('SO-2');
    await platform.worker.runUntilIdle();
    const api = caller();
    const stats = await api.overlay.nodeStats({ flowKey: 'approve-then-pod' });
    expect(stats.instances).toBe(2);
    expect(stats.nodes.find((n) => n.nodeId === 'approve')).toMatchObject({
      waiting: 2,
      visits: 2,
    });
    // Start was entered and left in the same step.
    expect(stats.nodes.find((n) => n.nodeId === 'start')?.waiting ?? 0).toBe(0);

    const waiting = await api.overlay.instancesAt({
      flowKey: 'approve-then-pod',
      nodeId: 'approve',
    });
    expect(waiting.map((i) => i.correlationKey).sort()).toEqual(['SO-1', 'SO-2']);
    expect(
      await api.overlay.instancesAt({ flowKey: 'approve-then-pod', nodeId: 'waitPod' }),
    ).toEqual([]);
    expect(
      (await api.overlay.nodeStats({ flowKey: 'approve-then-pod', version: 9 })).instances,
    ).toBe(0);
  });

  it('keeps scenarios per flow: save, replace, list, remove', async () => {
    const api = caller();
    const scenario = {
      name: 'happy',
      trigger: { orderNumber: 'SO-9' },
      steps: [],
      expected: { done: false },
    };
    await api.overlay.scenarios.save({ flowKey: 'approve-then-pod', name: 'happy', scenario });
    await api.overlay.scenarios.save({
      flowKey: 'approve-then-pod',
      name: 'happy',
      scenario: { ...scenario, steps: [{ kind: 'timer', nodeId: 'x' }] },
    });
    const list = await api.overlay.scenarios.list({ flowKey: 'approve-then-pod' });
    expect(list).toHaveLength(1);
    expect(list[0]?.scenario).toMatchObject({ steps: [{ kind: 'timer', nodeId: 'x' }] });
    expect(await api.overlay.scenarios.list({ flowKey: 'other' })).toEqual([]);
    await api.overlay.scenarios.remove({ flowKey: 'approve-then-pod', name: 'happy' });
    expect(await api.overlay.scenarios.list({ flowKey: 'approve-then-pod' })).toEqual([]);
  });
});
