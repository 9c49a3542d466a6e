import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceInstances } from '../src/engine/advance.ts';
import { MachineCache } from '../src/engine/machines.ts';
import { completeTask } from '../src/engine/tasks.ts';
import { getInstanceView, listInstances } from '../src/engine/queries.ts';
import { silentLogger } from '../src/log.ts';
import { approveThenPodFlow, auditFlow, invoiceFlow, releasedOrder, timerFlow } from './flows.ts';
import { startEngineFixture, type EngineFixture } from './helpers.ts';

let fx: EngineFixture;
beforeAll(async () => {
  fx = await startEngineFixture();
  await fx.deploy(invoiceFlow);
});
afterAll(() => fx.close());

async function instancesOf(correlationKey: string) {
  return listInstances(fx.testDb.db, { correlationKey });
}

async function onlyInstance(correlationKey: string, flowKey = invoiceFlow.key) {
  const list = (await instancesOf(correlationKey)).filter((i) => i.flowKey === flowKey);
  expect(list).toHaveLength(1);
  const view = await getInstanceView(fx.testDb.db, list[0]!.id);
  return view!;
}

describe('routing and advancing', () => {
  it('starts one instance per trigger and correlation key', async () => {
    await fx.send('order.released', 'SO-1', { ...releasedOrder, orderNumber: 'SO-1' });
    await fx.send('order.released', 'SO-1', { ...releasedOrder, orderNumber: 'SO-1' });
    await fx.worker.runUntilIdle();
    const view = await onlyInstance('SO-1');
    expect(view.status).toBe('running');
    expect(view.currentNodes).toEqual(['ready']);
    expect(view.context.order).toMatchObject({ orderNumber: 'SO-1' });
    expect(view.history[0]).toMatchObject({
      kind: 'started',
      eventType: 'order.released',
      toNodes: ['ready'],
    });
  });

  it('parks events that arrive before their instance and delivers them when it starts', async () => {
    await fx.send('shipment.confirmed', 'SO-2', { shipmentId: 'SH-2' });
    await fx.worker.runUntilIdle();
    const parked = await fx.testDb.db
      .selectFrom('events')
      .select('status')
      .where('correlation_key', '=', 'SO-2')
      .execute();
    expect(parked).toEqual([{ status: 'parked' }]);
    expect(await instancesOf('SO-2')).toHaveLength(0);

    await fx.send('order.released', 'SO-2', { ...releasedOrder, orderNumber: 'SO-2' });
    await fx.worker.runUntilIdle();
    const view = await onlyInstance('SO-2');
    expect(view.context.shipment).toEqual({ shipmentId: 'SH-2' });
    expect(view.currentNodes).toEqual(['ready']);
    const statuses = await fx.testDb.db
      .selectFrom('events')
      .select('status')
      .where('correlation_key', '=', 'SO-2')
      .execute();
    expect(statuses.every((s) => s.status === 'routed')).toBe(true);
  });

  it('posts the invoice to the ERP exactly once and feeds the result back', async () => {
    fx.erp.reset();
    await fx.send('order.released', 'SO-3', { ...releasedOrder, orderNumber: 'SO-3' });
    await fx.send('pricing.validated', 'SO-3', { variancePct: 0.4 });
    await fx.send('shipment.confirmed', 'SO-3', { shipmentId: 'SH-3' });
    await fx.worker.runUntilIdle();

    const view = await onlyInstance('SO-3');
    expect(view.status).toBe('completed');
    expect(view.outcome).toBe('invoiced');
    const invoices = fx.erp.invoices().filter((i) => i.request.orderNumber === 'SO-3');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.requestCount).toBe(1);
    expect(invoices[0]!.idempotencyKey).toBe(`${view.id}:post#1`);
    expect(view.context.invoice).toMatchObject({ invoiceNumber: invoices[0]!.invoiceNumber });
    expect(view.history.map((h) => h.kind)).toEqual([
      'started',
      'transition',
      'transition',
      'completed',
    ]);

    // A worker that crashed after the call but before recording it calls again with the same key.
    await fx.testDb.db
      .updateTable('effects')
      .set({ status: 'pending' })
      .where('instance_id', '=', view.id)
      .execute();
    await fx.worker.runUntilIdle();
    const again = fx.erp.invoices().filter((i) => i.request.orderNumber === 'SO-3');
    expect(again).toHaveLength(1);
    expect(again[0]!.requestCount).toBe(2);
    expect((await onlyInstance('SO-3')).outcome).toBe('invoiced');
  });

  it('retries a failing call per the retry policy, then takes the error exit', async () => {
    await fx.erp.close();
    try {
      await fx.send('order.released', 'SO-4', { ...releasedOrder, orderNumber: 'SO-4' });
      await fx.send('pricing.validated', 'SO-4', { variancePct: 0 });
      await fx.send('shipment.confirmed', 'SO-4', { shipmentId: 'SH-4' });
      await fx.worker.runUntilIdle();
      const view = await onlyInstance('SO-4');
      expect(view.outcome).toBe('not-invoiced');
      const effect = await fx.testDb.db
        .selectFrom('effects')
        .selectAll()
        .where('instance_id', '=', view.id)
        .executeTakeFirstOrThrow();
      expect(effect).toMatchObject({ status: 'failed', attempts: 2 });
      expect(view.history.map((h) => h.kind)).toContain('effect.failed');
    } finally {
      fx.erp = await (
        await import('@waybill/connectors-sdk/simulators')
      ).startErpSimulator({ port: fx.erp.port });
    }
  });
});

describe('atomic transitions', () => {
  it('writes nothing of a transition when any of its writes fails', async () => {
    await fx.send('order.released', 'SO-5', { ...releasedOrder, orderNumber: 'SO-5' });
    await fx.send('pricing.validated', 'SO-5', { variancePct: 0 });
    await fx.worker.runUntilIdle();
    const before = await onlyInstance('SO-5');
    const db = fx.testDb.db;

    await fx.send('shipment.confirmed', 'SO-5', { shipmentId: 'SH-5' });
    await sql`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit unavailable'; end $$`.execute(
      db,
    );
    await sql`create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit()`.execute(
      db,
    );
    try {
      const machines = new MachineCache();
      // Route the event into the inbox (routing writes no audit rows), then fail the advance.
      await fx.worker.runOnce().catch(() => undefined);
      await expect(advanceInstances(db, { machines, logger: silentLogger })).rejects.toThrow(
        /audit unavailable/,
      );
      const after = await onlyInstance('SO-5');
      expect(after.currentNodes).toEqual(before.currentNodes);
      expect(after.context.shipment).toBeNull();
      expect(after.updatedAt).toBe(before.updatedAt);
      expect(
        await db.selectFrom('effects').select('id').where('instance_id', '=', before.id).execute(),
      ).toEqual([]);
      const inbox = await db
        .selectFrom('inbox')
        .select('status')
        .where('instance_id', '=', before.id)
        .where('status', '<>', 'done')
        .execute();
      expect(inbox).toEqual([{ status: 'pending' }]);
    } finally {
      await sql`drop trigger refuse_audit on audit_log`.execute(db);
      await sql`drop function refuse_audit()`.execute(db);
    }
    await fx.worker.runUntilIdle();
    expect((await onlyInstance('SO-5')).outcome).toBe('invoiced');
  });
});

describe('tasks, deferred events and timers', () => {
  beforeAll(async () => {
    await fx.deploy(approveThenPodFlow);
    await fx.deploy(timerFlow);
    await fx.deploy(auditFlow);
  });

  it('keeps an event that arrives before the instance waits for it, and a task completion drives the flow', async () => {
    await fx.send('order.released', 'SO-6', { orderNumber: 'SO-6' });
    await fx.worker.runUntilIdle();
    await fx.send('pod.received', 'SO-6', { signedBy: 'J. Doe' });
    await fx.worker.runUntilIdle();
    let view = await onlyInstance('SO-6', approveThenPodFlow.key);
    expect(view.currentNodes).toEqual(['approve']);

    const task = await fx.testDb.db
      .selectFrom('tasks')
      .selectAll()
      .where('instance_id', '=', view.id)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({
      status: 'open',
      title: 'Approve billing',
      candidate_roles: ['billing'],
    });
    await expect(
      completeTask(fx.testDb.db, task.id, { outcome: 'maybe', data: { comment: 'x' } }),
    ).rejects.toMatchObject({
      code: 'TASK_INVALID_OUTCOME',
    });
    await expect(
      completeTask(fx.testDb.db, task.id, { outcome: 'approve', data: {} }),
    ).rejects.toMatchObject({
      code: 'TASK_MISSING_FIELDS',
    });
    await completeTask(fx.testDb.db, task.id, {
      outcome: 'approve',
      data: { comment: 'fine' },
      completedBy: 'ana',
    });
    await expect(
      completeTask(fx.testDb.db, task.id, { outcome: 'approve', data: { comment: 'again' } }),
    ).rejects.toMatchObject({
      code: 'TASK_NOT_OPEN',
    });
    await fx.worker.runUntilIdle();

    view = await onlyInstance('SO-6', approveThenPodFlow.key);
    expect(view.status).toBe('completed');
    expect(view.outcome).toBe('delivered');
    expect(view.context.pod).toEqual({ signedBy: 'J. Doe' });
    expect(view.context.approval).toMatchObject({ outcome: 'approve' });
  });

  it('fires a due timer exactly once', async () => {
    await fx.send('order.released', 'SO-7', { orderNumber: 'SO-7' });
    await fx.worker.runUntilIdle();
    const view = await onlyInstance('SO-7', timerFlow.key);
    expect(view.currentNodes).toEqual(['wait']);
    const db = fx.testDb.db;
    // A day passes.
    await db
      .updateTable('timers')
      .set({ due_at: new Date(Date.now() - 1000) })
      .where('instance_id', '=', view.id)
      .execute();
    await fx.worker.runUntilIdle();
    await fx.worker.runUntilIdle();
    expect((await onlyInstance('SO-7', timerFlow.key)).outcome).toBe('waited');
    const timers = await db
      .selectFrom('timers')
      .select('status')
      .where('instance_id', '=', view.id)
      .execute();
    expect(timers).toEqual([{ status: 'fired' }]);
    const fired = await db
      .selectFrom('inbox')
      .select('id')
      .where('instance_id', '=', view.id)
      .where('kind', '=', 'timer')
      .execute();
    expect(fired).toHaveLength(1);
  });

  it('delivers an event to every running instance of its key', async () => {
    await fx.send('order.released', 'SO-8', { ...releasedOrder, orderNumber: 'SO-8' });
    await fx.worker.runUntilIdle();
    const started = await instancesOf('SO-8');
    expect(started.map((i) => i.flowKey).sort()).toEqual(
      [approveThenPodFlow.key, auditFlow.key, invoiceFlow.key, timerFlow.key].sort(),
    );

    await fx.send('shipment.confirmed', 'SO-8', { shipmentId: 'SH-8' });
    await fx.worker.runUntilIdle();
    expect((await onlyInstance('SO-8', auditFlow.key)).outcome).toBe('audited');
    expect((await onlyInstance('SO-8', invoiceFlow.key)).context.shipment).toEqual({
      shipmentId: 'SH-8',
    });
  });
});
