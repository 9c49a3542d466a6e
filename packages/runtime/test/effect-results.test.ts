/**
 * How connector results reach their instances: each result is recorded as soon as its call
 * returns (a slow call in the same batch does not hold it up) and, when no other worker holds the
 * instance, applied in the transaction that records it — the flow moves on without waiting for
 * an advancing round. Applied exactly once either way.
 */
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry, defineConnector } from '@waybill/connectors-sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../src/log.ts';
import { advanceInstances } from '../src/engine/advance.ts';
import { runDueEffects, type EffectRunnerOptions } from '../src/engine/effect-runner.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { MachineCache } from '../src/engine/machines.ts';
import { listInstances } from '../src/engine/queries.ts';
import { routeEvents } from '../src/engine/router.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { Worker } from '../src/engine/worker.ts';
import { ledgerPostFlow } from './ledger.ts';

/** Orders whose call waits until the test releases it; every call is counted. */
const gate = {
  waiting: new Map<string, Promise<void>>(),
  calls: new Map<string, number>(),
  /** Holds the order's calls until the returned function is called. */
  hold(orderNumber: string): () => void {
    let open = (): void => undefined;
    gate.waiting.set(orderNumber, new Promise<void>((resolve) => (open = resolve)));
    return () => open();
  },
};

const gateConnector = defineConnector({
  id: 'test.gate',
  version: 1,
  kind: 'erp',
  displayName: 'Test gate',
  description: 'Answers at once, or when the test opens the gate of the order.',
  config: z.object({}),
  operations: ({ defineOperation }) => ({
    post: defineOperation({
      displayName: 'Post',
      description: 'Posts an order.',
      input: z.object({ orderNumber: z.string() }),
      output: z.object({ entry: z.string() }),
      idempotent: true,
      defaultTimeoutMs: 30_000,
      run: async (_ctx, input) => {
        gate.calls.set(input.orderNumber, (gate.calls.get(input.orderNumber) ?? 0) + 1);
        await gate.waiting.get(input.orderNumber);
        return { entry: `E-${input.orderNumber}` };
      },
    }),
  }),
});

const postFlow = ledgerPostFlow(1, 'test.gate');

const registry = new ConnectorRegistry([gateConnector]);
const machines = new MachineCache();
let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await deployFlow(testDb.db, postFlow, { publishedBy: 'test', catalogue: registry.catalogue() });
});
afterAll(() => testDb.drop());

function runner(applyResults: boolean, recordEach = true): EffectRunnerOptions {
  return {
    connectors: { registry, configs: {} },
    logger: silentLogger,
    recordEach,
    ...(applyResults ? { advance: { machines, logger: silentLogger } } : {}),
  };
}

/** Releases the orders and routes them: each instance now waits at `post` with a call due. */
async function release(...orderNumbers: string[]): Promise<void> {
  for (const orderNumber of orderNumbers) {
    await ingestEvent(
      testDb.db,
      { type: 'order.released', correlationKey: orderNumber, payload: { orderNumber } },
      { idempotencyKey: randomUUID() },
    );
  }
  await routeEvents(testDb.db, { machines, logger: silentLogger });
}

async function instanceOf(orderNumber: string) {
  const [instance] = await listInstances(testDb.db, { correlationKey: orderNumber });
  return instance!;
}

async function inboxOf(orderNumber: string): Promise<string[]> {
  const instance = await instanceOf(orderNumber);
  const rows = await testDb.db
    .selectFrom('inbox')
    .select(['kind', 'status'])
    .where('instance_id', '=', instance.id)
    .orderBy('id')
    .execute();
  return rows.map((r) => `${r.kind} ${r.status}`);
}

async function transitionsOf(orderNumber: string): Promise<number> {
  const instance = await instanceOf(orderNumber);
  const rows = await testDb.db
    .selectFrom('audit_log')
    .select('kind')
    .where('instance_id', '=', instance.id)
    .where('kind', 'in', ['started', 'transition', 'completed'])
    .execute();
  return rows.length;
}

describe('connector results', () => {
  it('move the instance on in the transaction that records them', async () => {
    await release('SO-1');
    expect((await instanceOf('SO-1')).currentNodes).toEqual(['post']);

    expect(await runDueEffects(testDb.db, runner(true))).toBe(1);

    // No advancing round ran: the result was applied where it was recorded.
    const instance = await instanceOf('SO-1');
    expect(instance.status).toBe('completed');
    expect(instance.outcome).toBe('posted');
    expect(await inboxOf('SO-1')).toEqual(['effect done']);
    expect(await transitionsOf('SO-1')).toBe(2);
    expect(await advanceInstances(testDb.db, { machines, logger: silentLogger })).toBe(0);
    expect(gate.calls.get('SO-1')).toBe(1);
  });

  it('without inline applying, are delivered to the inbox and applied once by a round', async () => {
    await release('SO-2');
    expect(await runDueEffects(testDb.db, runner(false))).toBe(1);
    expect((await instanceOf('SO-2')).status).toBe('running');
    expect(await inboxOf('SO-2')).toEqual(['effect pending']);

    expect(await advanceInstances(testDb.db, { machines, logger: silentLogger })).toBe(1);
    expect((await instanceOf('SO-2')).status).toBe('completed');
    expect(await inboxOf('SO-2')).toEqual(['effect done']);
    expect(await transitionsOf('SO-2')).toBe(2);
  });

  it('are applied as each call returns, while a slower call of the same batch is still out', async () => {
    const open = gate.hold('SO-SLOW');
    await release('SO-SLOW', 'SO-QUICK');

    const round = runDueEffects(testDb.db, runner(true));
    await vi.waitFor(async () => expect((await instanceOf('SO-QUICK')).status).toBe('completed'), {
      timeout: 10_000,
      interval: 20,
    });
    expect((await instanceOf('SO-SLOW')).status).toBe('running');

    open();
    expect(await round).toBe(2);
    expect((await instanceOf('SO-SLOW')).status).toBe('completed');
    expect(gate.calls.get('SO-SLOW')).toBe(1);
    expect(gate.calls.get('SO-QUICK')).toBe(1);
    expect(await transitionsOf('SO-SLOW')).toBe(2);
    expect(await transitionsOf('SO-QUICK')).toBe(2);
  });

  it('on one connection, are recorded together once the round’s calls have returned', async () => {
    const open = gate.hold('SO-ONE-SLOW');
    await release('SO-ONE-SLOW', 'SO-ONE-QUICK');

    const round = runDueEffects(testDb.db, runner(true, false));
    await vi.waitFor(() => expect(gate.calls.get('SO-ONE-QUICK')).toBe(1));
    await vi.waitFor(() => expect(gate.calls.get('SO-ONE-SLOW')).toBe(1));
    // The quick call returned, but nothing is recorded while the slow one is out.
    expect((await instanceOf('SO-ONE-QUICK')).status).toBe('running');
    expect(await inboxOf('SO-ONE-QUICK')).toEqual([]);

    open();
    expect(await round).toBe(2);
    for (const order of ['SO-ONE-SLOW', 'SO-ONE-QUICK']) {
      expect((await instanceOf(order)).status).toBe('completed');
      expect(await inboxOf(order)).toEqual(['effect done']);
      expect(await transitionsOf(order)).toBe(2);
    }
    // One transaction recorded both (its start time stamps both messages).
    const stamps = await testDb.db
      .selectFrom('inbox')
      .innerJoin('instances', 'instances.id', 'inbox.instance_id')
      .select('inbox.created_at')
      .where('instances.correlation_key', 'in', ['SO-ONE-SLOW', 'SO-ONE-QUICK'])
      .execute();
    expect(new Set(stamps.map((r) => r.created_at.getTime())).size).toBe(1);
  });

  // Two transactions at once need two connections: PGlite has one.
  it.skipIf(!process.env.DATABASE_URL)(
    'wait in the inbox for a round when another worker holds the instance (Postgres)',
    async () => {
      await release('SO-HELD');
      const instance = await instanceOf('SO-HELD');
      // Another worker is advancing this instance: it holds the row lock until it commits.
      let unlock = (): void => undefined;
      const unlocked = new Promise<void>((resolve) => (unlock = resolve));
      let locked = (): void => undefined;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      const holder = testDb.db.transaction().execute(async (trx) => {
        await trx
          .selectFrom('instances')
          .select('id')
          .where('id', '=', instance.id)
          .forNoKeyUpdate()
          .execute();
        locked();
        await unlocked;
      });
      await isLocked;

      expect(await runDueEffects(testDb.db, runner(true))).toBe(1);
      unlock();
      await holder;
      expect((await instanceOf('SO-HELD')).status).toBe('running');
      expect(await inboxOf('SO-HELD')).toEqual(['effect pending']);

      expect(await advanceInstances(testDb.db, { machines, logger: silentLogger })).toBe(1);
      expect((await instanceOf('SO-HELD')).status).toBe('completed');
      expect(await transitionsOf('SO-HELD')).toBe(2);
      expect(gate.calls.get('SO-HELD')).toBe(1);
    },
  );
});

describe.skipIf(!process.env.DATABASE_URL)('a running worker', () => {
  it('keeps calling while one call hangs: the slow call keeps its slot, others use the rest', async () => {
    const worker = new Worker({
      connection: testDb.connection,
      connectors: { registry, configs: {} },
      // Only wake-ups move it: nothing waits for a poll.
      pollIntervalMs: 600_000,
      effectConcurrency: 2,
    });
    worker.start();
    try {
      const openSlow = gate.hold('SO-HANG');
      const send = (orderNumber: string) =>
        ingestEvent(
          testDb.db,
          { type: 'order.released', correlationKey: orderNumber, payload: { orderNumber } },
          { idempotencyKey: randomUUID() },
        );
      await send('SO-HANG');
      await expect.poll(() => gate.calls.get('SO-HANG') ?? 0).toBe(1);

      // The slow call holds one of the two slots; later orders still get their calls, one at a
      // time through the other slot.
      for (const orderNumber of ['SO-P1', 'SO-P2', 'SO-P3']) await send(orderNumber);
      for (const orderNumber of ['SO-P1', 'SO-P2', 'SO-P3']) {
        await expect
          .poll(async () => (await instanceOf(orderNumber)).outcome, { timeout: 30_000 })
          .toBe('posted');
      }
      expect((await instanceOf('SO-HANG')).status).toBe('running');

      openSlow();
      await expect
        .poll(async () => (await instanceOf('SO-HANG')).outcome, { timeout: 30_000 })
        .toBe('posted');
      expect(gate.calls.get('SO-HANG')).toBe(1);
    } finally {
      await worker.stop();
    }
  });
});
