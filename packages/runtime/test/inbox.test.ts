/**
 * The approvers' inbox against a real database and worker: facets kept from the instance
 * context, group scoping, keyset paging, race-safe claims, server-side form validation,
 * exactly-once completion, bulk approval per task, attachments, delegation and reassignment.
 */
import type { FlowDefinitionInput } from '@waybill/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeTask, type TaskViewer } from '../src/engine/tasks.ts';
import { addAttachment, getAttachment } from '../src/inbox/attachments.ts';
import { getTaskDetail, inboxFacets, listInbox, type InboxTask } from '../src/inbox/inbox.ts';
import {
  bulkApprove,
  claimTask,
  commentTask,
  delegateTask,
  reassignTask,
  unclaimTask,
} from '../src/inbox/task-actions.ts';
import { startEngineFixture, type EngineFixture } from './helpers.ts';

const reviewFlow = {
  key: 'inbox-review',
  name: 'Inbox review (East)',
  trigger: { event: 'order.released', assign: 'order' },
  variables: [
    { name: 'order', type: 'any' },
    { name: 'review', type: 'any' },
  ],
  nodes: [
    { id: 'start', type: 'start' },
    {
      id: 'review',
      type: 'humanTask',
      title: 'Review order',
      candidateRoles: ['credit'],
      form: [
        { id: 'note', label: 'Note', type: 'text', required: false },
        { id: 'prepayment', label: 'Prepayment', type: 'number', required: false },
        {
          id: 'reason',
          label: 'Reason',
          type: 'select',
          required: false,
          options: ['limit', 'pastDue'],
        },
      ],
      outcomes: [
        { id: 'approve', label: 'Approve' },
        { id: 'reject', label: 'Reject' },
      ],
      resultVariable: 'review',
      dueIn: 'PT4H',
    },
    { id: 'approved', type: 'end', outcome: 'approved' },
    { id: 'rejected', type: 'end', outcome: 'rejected' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'review' },
    { id: 'e2', source: 'review', sourceHandle: 'approve', target: 'approved' },
    { id: 'e3', source: 'review', sourceHandle: 'reject', target: 'rejected' },
  ],
} satisfies FlowDefinitionInput;

const rule = { maxAmount: 500 };
const admin: TaskViewer = { userId: 'root', groups: null };
const ana: TaskViewer = { userId: 'ana', groups: ['credit'] };
const ben: TaskViewer = { userId: 'ben', groups: ['credit'] };
const lou: TaskViewer = { userId: 'lou', groups: ['logistics'] };

let fx: EngineFixture;

async function openOrder(
  orderNumber: string,
  lines: { sku: string; quantity: number; unitPrice: number }[],
  customerId = 'C-100',
): Promise<InboxTask> {
  await fx.send('order.released', orderNumber, {
    orderNumber,
    customerId,
    warehouse: 'WH-EAST',
    lines,
  });
  await fx.worker.runUntilIdle();
  const page = await listInbox(fx.testDb.db, admin, { scope: 'groups', limit: 200 }, rule);
  const task = page.tasks.find((t) => t.correlationKey === orderNumber);
  if (!task) throw new Error(`no task for ${orderNumber}`);
  return task;
}

async function instanceOf(task: InboxTask) {
  return fx.testDb.db
    .selectFrom('instances')
    .select(['status', 'outcome', 'current_nodes'])
    .where('id', '=', task.instanceId)
    .executeTakeFirstOrThrow();
}

beforeAll(async () => {
  fx = await startEngineFixture();
  await fx.deploy(reviewFlow);
  await fx.testDb.db
    .insertInto('users')
    .values([
      { username: 'carla', display_name: 'Carla Credit' },
      { username: 'gone', display_name: 'Gone User', disabled_at: new Date() },
    ])
    .execute();
}, 60_000);

afterAll(() => fx.close());

describe('the inbox', () => {
  it('keeps facets from the instance context and shows a task only to its groups', async () => {
    const task = await openOrder('SO-I1', [
      { sku: 'A', quantity: 2, unitPrice: 50 },
      { sku: 'B', quantity: 1, unitPrice: 25 },
    ]);
    expect(task).toMatchObject({
      customerId: 'C-100',
      warehouse: 'WH-EAST',
      amount: 125,
      category: 'inbox-review',
      businessUnit: 'East',
      priority: 3,
      breached: false,
      lowRisk: { outcome: 'approve' },
    });

    const anas = await listInbox(fx.testDb.db, ana, { scope: 'groups' }, rule);
    expect(anas.tasks.map((t) => t.id)).toContain(task.id);
    const lous = await listInbox(fx.testDb.db, lou, { scope: 'groups' }, rule);
    expect(lous.tasks).toEqual([]);
    await expect(getTaskDetail(fx.testDb.db, lou, task.id, rule)).rejects.toMatchObject({
      code: 'TASK_FORBIDDEN',
    });
    await expect(claimTask(fx.testDb.db, lou, task.id)).rejects.toMatchObject({
      code: 'TASK_FORBIDDEN',
    });
    expect(await inboxFacets(fx.testDb.db, lou)).toEqual({
      categories: [],
      customers: [],
      warehouses: [],
      businessUnits: [],
    });

    const filtered = await listInbox(
      fx.testDb.db,
      ana,
      { scope: 'groups', customerId: 'C-999' },
      rule,
    );
    expect(filtered.tasks).toEqual([]);

    const detail = await getTaskDetail(fx.testDb.db, ana, task.id, rule);
    expect(detail.decision.lines).toEqual([
      expect.objectContaining({ sku: 'A', orderedQty: 2, orderedPrice: 50 }),
      expect.objectContaining({ sku: 'B', orderedQty: 1, orderedPrice: 25 }),
    ]);
    expect(detail.history.length).toBeGreaterThan(0);
  });

  it('pages through every task once, in due order', async () => {
    for (const n of [1, 2, 3, 4])
      await openOrder(`SO-P${n}`, [{ sku: 'A', quantity: n, unitPrice: 10 }]);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listInbox(
        fx.testDb.db,
        ana,
        { scope: 'groups', sort: 'due', limit: 2, cursor },
        rule,
      );
      seen.push(...page.tasks.map((t) => t.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 20);
    const all = await listInbox(
      fx.testDb.db,
      ana,
      { scope: 'groups', sort: 'due', limit: 200 },
      rule,
    );
    expect(seen).toEqual(all.tasks.map((t) => t.id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThan(2);
  });

  it('lets one claimant win a race, and only the claimant completes or unclaims', async () => {
    const task = await openOrder('SO-C1', [{ sku: 'A', quantity: 1, unitPrice: 10 }]);
    const results = await Promise.allSettled([
      claimTask(fx.testDb.db, ana, task.id),
      claimTask(fx.testDb.db, ben, task.id),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ reason: { code: 'TASK_CLAIMED' } });
    const winner = won[0]?.status === 'fulfilled' ? won[0].value.claimedBy : null;
    const loser = winner === 'ana' ? ben : ana;

    await expect(
      completeTask(fx.testDb.db, task.id, { outcome: 'approve', viewer: loser }),
    ).rejects.toMatchObject({ code: 'TASK_CLAIMED' });
    await expect(unclaimTask(fx.testDb.db, loser, task.id)).rejects.toMatchObject({
      code: 'TASK_CLAIMED',
    });
    const mine = await listInbox(
      fx.testDb.db,
      winner === 'ana' ? ana : ben,
      { scope: 'mine' },
      rule,
    );
    expect(mine.tasks.map((t) => t.id)).toEqual([task.id]);
    await unclaimTask(fx.testDb.db, winner === 'ana' ? ana : ben, task.id);
    await claimTask(fx.testDb.db, loser, task.id);
    const kinds = await fx.testDb.db
      .selectFrom('audit_log')
      .select('kind')
      .where('instance_id', '=', task.instanceId)
      .where('kind', 'like', 'task.%')
      .orderBy('id')
      .execute();
    expect(kinds.map((k) => k.kind)).toEqual(['task.claimed', 'task.unclaimed', 'task.claimed']);
  });

  it('checks form values on the server field by field and feeds the decision once', async () => {
    const task = await openOrder('SO-F1', [{ sku: 'A', quantity: 1, unitPrice: 10 }]);
    const refused = await completeTask(fx.testDb.db, task.id, {
      outcome: 'reject',
      data: { prepayment: 'lots', reason: 'other' },
      viewer: ana,
    }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'TASK_INVALID_FIELDS',
      problems: [
        expect.objectContaining({ nodeId: 'review', field: 'prepayment' }),
        expect.objectContaining({ nodeId: 'review', field: 'reason' }),
      ],
    });
    await completeTask(fx.testDb.db, task.id, {
      outcome: 'reject',
      data: { prepayment: '250.5', reason: 'limit', note: 'over limit' },
      viewer: ana,
    });
    await expect(
      completeTask(fx.testDb.db, task.id, { outcome: 'approve', viewer: ana }),
    ).rejects.toMatchObject({ code: 'TASK_NOT_OPEN' });
    await fx.worker.runUntilIdle();
    expect(await instanceOf(task)).toMatchObject({ status: 'completed', outcome: 'rejected' });
    const fed = await fx.testDb.db
      .selectFrom('inbox')
      .select('body')
      .where('instance_id', '=', task.instanceId)
      .where('kind', '=', 'task')
      .execute();
    expect(fed).toHaveLength(1);
    expect(fed[0]?.body).toMatchObject({
      outcome: 'reject',
      completedBy: 'ana',
      data: { prepayment: 250.5, reason: 'limit', note: 'over limit' },
    });
  });

  it('approves low-risk tasks in bulk and reports each task', async () => {
    const small = await openOrder('SO-B1', [{ sku: 'A', quantity: 1, unitPrice: 100 }]);
    const large = await openOrder('SO-B2', [{ sku: 'A', quantity: 100, unitPrice: 100 }]);
    expect(large.lowRisk).toEqual({
      reason: 'The amount 10000 is above the bulk approval limit of 500.',
    });
    const results = await bulkApprove(fx.testDb.db, ana, [small.id, large.id, 'nope'], rule);
    expect(results).toEqual([
      { taskId: small.id, ok: true, outcome: 'approve' },
      expect.objectContaining({ taskId: large.id, ok: false, code: 'TASK_NOT_LOW_RISK' }),
      expect.objectContaining({ taskId: 'nope', ok: false, code: 'TASK_NOT_FOUND' }),
    ]);
    expect((await bulkApprove(fx.testDb.db, lou, [large.id], rule))[0]).toMatchObject({
      ok: false,
      code: 'TASK_FORBIDDEN',
    });
    await fx.worker.runUntilIdle();
    expect(await instanceOf(small)).toMatchObject({ status: 'completed', outcome: 'approved' });
    expect(await instanceOf(large)).toMatchObject({ status: 'running' });
  });

  it('stores attachments of accepted types within the size limit', async () => {
    const task = await openOrder('SO-A1', [{ sku: 'A', quantity: 1, unitPrice: 10 }]);
    const pdf = Buffer.from('%PDF-1.4\n% a proof of delivery\n').toString('base64');
    const stored = await addAttachment(fx.testDb.db, ana, task.id, {
      fileName: 'pod.pdf',
      contentType: 'application/pdf',
      contentBase64: pdf,
    });
    const file = await getAttachment(fx.testDb.db, ben, task.id, stored.id);
    expect(file).toMatchObject({ fileName: 'pod.pdf', uploadedBy: 'ana', contentBase64: pdf });
    await expect(
      addAttachment(fx.testDb.db, ana, task.id, {
        fileName: 'pod.pdf',
        contentType: 'application/pdf',
        contentBase64: Buffer.from('MZ not a pdf').toString('base64'),
      }),
    ).rejects.toMatchObject({ code: 'ATTACHMENT_TYPE' });
    await expect(
      addAttachment(fx.testDb.db, ana, task.id, {
        fileName: 'run.exe',
        contentType: 'application/x-msdownload',
        contentBase64: pdf,
      }),
    ).rejects.toMatchObject({ code: 'ATTACHMENT_TYPE' });
    await expect(
      addAttachment(
        fx.testDb.db,
        ana,
        task.id,
        {
          fileName: 'big.txt',
          contentType: 'text/plain',
          contentBase64: Buffer.alloc(2048, 97).toString('base64'),
        },
        1024,
      ),
    ).rejects.toMatchObject({ code: 'ATTACHMENT_TOO_LARGE' });
    await expect(getAttachment(fx.testDb.db, lou, task.id, stored.id)).rejects.toMatchObject({
      code: 'TASK_FORBIDDEN',
    });
    await commentTask(fx.testDb.db, ben, task.id, 'Carrier says Friday.');
    const detail = await getTaskDetail(fx.testDb.db, ana, task.id, rule);
    expect(detail.attachments).toEqual([
      expect.objectContaining({ fileName: 'pod.pdf', sizeBytes: 31 }),
    ]);
    expect(detail.comments).toEqual([
      expect.objectContaining({ author: 'ben', body: 'Carrier says Friday.' }),
    ]);
  });

  it('delegates to an active user and reassigns to other groups, audited with before and after', async () => {
    const task = await openOrder('SO-D1', [{ sku: 'A', quantity: 1, unitPrice: 10 }]);
    await expect(
      delegateTask(fx.testDb.db, ana, task.id, { toUser: 'gone' }),
    ).rejects.toMatchObject({ code: 'TASK_INVALID_FIELDS' });
    await delegateTask(fx.testDb.db, ana, task.id, { toUser: 'Carla', note: 'yours' });
    const carla: TaskViewer = { userId: 'carla', groups: [] };
    expect((await listInbox(fx.testDb.db, carla, { scope: 'mine' }, rule)).tasks).toHaveLength(1);
    // Claimed by carla now: ana can no longer reassign it.
    await expect(
      reassignTask(fx.testDb.db, ana, task.id, { toGroups: ['logistics'] }),
    ).rejects.toMatchObject({ code: 'TASK_CLAIMED' });
    await reassignTask(fx.testDb.db, carla, task.id, { toGroups: ['logistics'], toUser: null });
    expect(
      (await listInbox(fx.testDb.db, lou, { scope: 'groups' }, rule)).tasks.map((t) => t.id),
    ).toEqual([task.id]);
    await expect(getTaskDetail(fx.testDb.db, ana, task.id, rule)).rejects.toMatchObject({
      code: 'TASK_FORBIDDEN',
    });
    const rows = await fx.testDb.db
      .selectFrom('audit_log')
      .select(['kind', 'actor', 'details'])
      .where('instance_id', '=', task.instanceId)
      .where('kind', 'in', ['task.delegated', 'task.reassigned'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      {
        kind: 'task.delegated',
        actor: 'ana',
        details: expect.objectContaining({
          before: { assignee: null, claimedBy: null },
          after: { assignee: 'carla', claimedBy: 'carla' },
          note: 'yours',
        }),
      },
      {
        kind: 'task.reassigned',
        actor: 'carla',
        details: expect.objectContaining({
          before: { groups: ['credit'], assignee: 'carla', claimedBy: 'carla' },
          after: { groups: ['logistics'], assignee: null, claimedBy: null },
        }),
      },
    ]);
  });
});
