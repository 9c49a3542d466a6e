/**
 * The parallel, subflow, exception and classify node kinds against a real database: what each
 * step writes in its transaction, and how the instance goes on.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '@waybill/connectors-sdk';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { completeTask } from '../src/engine/tasks.ts';
import type { TriageDecision } from '../src/engine/triage-step.ts';
import { Worker } from '../src/engine/worker.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import type { Classifier, TriageResult } from '../src/triage/classifier.ts';

let testDb: TestDatabase;
let worker: Worker;
let answer: TriageResult | null = null;
const decisions: TriageDecision[] = [];

const classifier: Classifier = {
  modelVersion: 'test-model-1',
  classify: () => {
    if (!answer) throw new Error('no answer set');
    return answer;
  },
};

beforeAll(async () => {
  testDb = await createTestDatabase();
  worker = new Worker({
    connection: testDb.connection,
    connectors: { registry: new ConnectorRegistry([]), configs: {} },
    triage: {
      classifier: () => Promise.resolve(answer ? classifier : null),
      recordDecision: (_db, decision) => {
        decisions.push(decision);
        return Promise.resolve();
      },
    },
  });
  for (const flow of [parallelFlow, childFlow, parentFlow, exceptionFlow, classifyFlow])
    await deployFlow(testDb.db, flow, { publishedBy: 'test' });
});
afterAll(async () => {
  await worker.stop();
  await testDb.drop();
});

const base = {
  trigger: { event: 'order.released', assign: 'order' },
  variables: [{ name: 'order', type: 'any' }],
};

async function send(type: string, key: string, payload: Record<string, unknown> = {}) {
  await ingestEvent(
    testDb.db,
    { type, correlationKey: key, payload },
    { idempotencyKey: randomUUID() },
  );
  await worker.runUntilIdle();
}

async function instanceOf(flowKey: string, key: string) {
  return testDb.db
    .selectFrom('instances')
    .selectAll()
    .where('flow_key', '=', flowKey)
    .where('correlation_key', '=', key)
    .executeTakeFirstOrThrow();
}

async function openTask(instanceId: string) {
  return testDb.db
    .selectFrom('tasks')
    .selectAll()
    .where('instance_id', '=', instanceId)
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
}

const parallelFlow = {
  ...base,
  key: 'par-flow',
  name: 'Parallel',
  events: [{ type: 'pod.received' }],
  nodes: [
    { id: 'begin', type: 'start' },
    {
      id: 'fork',
      type: 'parallel',
      mode: 'split',
      join: 'meet',
      branches: [{ id: 'pod' }, { id: 'credit' }],
    },
    { id: 'awaitPod', type: 'waitForEvent', eventType: 'pod.received' },
    {
      id: 'review',
      type: 'humanTask',
      title: 'Credit review',
      candidateRoles: ['credit'],
      outcomes: [{ id: 'ok', label: 'Release' }],
    },
    { id: 'meet', type: 'parallel', mode: 'join' },
    { id: 'done', type: 'end', outcome: 'invoiced' },
  ],
  edges: [
    { id: 'e1', source: 'begin', target: 'fork' },
    { id: 'e2', source: 'fork', sourceHandle: 'pod', target: 'awaitPod' },
    { id: 'e3', source: 'fork', sourceHandle: 'credit', target: 'review' },
    { id: 'e4', source: 'awaitPod', target: 'meet' },
    { id: 'e5', source: 'review', sourceHandle: 'ok', target: 'meet' },
    { id: 'e6', source: 'meet', target: 'done' },
  ],
};

describe('parallel', () => {
  it('waits at several nodes at once and moves on when every branch reached the join', async () => {
    await send('order.released', 'PAR-1');
    const started = await instanceOf('par-flow', 'PAR-1');
    expect([...started.current_nodes].sort()).toEqual(['awaitPod', 'review']);

    await send('pod.received', 'PAR-1');
    const half = await instanceOf('par-flow', 'PAR-1');
    expect(half.status).toBe('running');
    expect([...half.current_nodes].sort()).toEqual(['meet', 'review']);

    await completeTask(testDb.db, (await openTask(started.id)).id, {
      outcome: 'ok',
      completedBy: 'ana',
    });
    await worker.runUntilIdle();
    const done = await instanceOf('par-flow', 'PAR-1');
    expect(done.status).toBe('completed');
    expect(done.outcome).toBe('invoiced');
    // The join is entered once, after both branches.
    const joined = await testDb.db
      .selectFrom('audit_log')
      .select('to_nodes')
      .where('instance_id', '=', started.id)
      .execute();
    expect(joined.at(-1)?.to_nodes).toEqual(['done']);
  });
});

const childFlow = {
  key: 'pod-chase',
  name: 'POD chase',
  trigger: { event: 'pod.chase', assign: 'request' },
  variables: [
    { name: 'request', type: 'any' },
    { name: 'pod', type: 'any' },
  ],
  nodes: [
    { id: 'begin', type: 'start' },
    { id: 'awaitPod', type: 'waitForEvent', eventType: 'pod.delivered', assign: 'pod' },
    { id: 'got', type: 'end', outcome: 'received' },
  ],
  edges: [
    { id: 'e1', source: 'begin', target: 'awaitPod' },
    { id: 'e2', source: 'awaitPod', target: 'got' },
  ],
};

const parentFlow = {
  ...base,
  key: 'parent-flow',
  name: 'Parent',
  variables: [...base.variables, { name: 'chase', type: 'any' }],
  nodes: [
    { id: 'begin', type: 'start' },
    {
      id: 'chase',
      type: 'subflow',
      flow: 'pod-chase',
      input: { orderNumber: { kind: 'expr', expr: 'order.orderNumber' } },
      outcomes: ['received'],
      resultVariable: 'chase',
    },
    { id: 'done', type: 'end', outcome: 'billed' },
    { id: 'broken', type: 'end', outcome: 'chase-failed' },
  ],
  edges: [
    { id: 'e1', source: 'begin', target: 'chase' },
    { id: 'e2', source: 'chase', sourceHandle: 'received', target: 'done' },
    { id: 'e3', source: 'chase', sourceHandle: 'failed', target: 'broken' },
  ],
};

describe('subflow', () => {
  async function childOf(parentId: string) {
    return testDb.db
      .selectFrom('instances')
      .selectAll()
      .where('parent_instance_id', '=', parentId)
      .execute();
  }
  async function finishedMessages(parentId: string) {
    return testDb.db
      .selectFrom('inbox')
      .select(['body', 'status'])
      .where('instance_id', '=', parentId)
      .where(sql<string>`body->>'type'`, '=', 'waybill.subflow.finished')
      .execute();
  }

  it('starts the child with the step that reaches the node, and goes on by its outcome', async () => {
    await send('order.released', 'SUB-1', { orderNumber: 'SUB-1' });
    const parent = await instanceOf('parent-flow', 'SUB-1');
    expect(parent.current_nodes).toEqual(['chase']);
    const [child] = await childOf(parent.id);
    expect(child).toMatchObject({
      flow_key: 'pod-chase',
      status: 'running',
      correlation_key: 'SUB-1',
      parent_effect_key: 'chase#1',
      current_nodes: ['awaitPod'],
    });
    expect(child?.context).toMatchObject({ request: { orderNumber: 'SUB-1' } });

    await send('pod.delivered', 'SUB-1', { podId: 'P-1' });
    const done = await instanceOf('parent-flow', 'SUB-1');
    expect(done.status).toBe('completed');
    expect(done.outcome).toBe('billed');
    expect(done.context['chase']).toEqual({
      status: 'completed',
      outcome: 'received',
      vars: { request: { orderNumber: 'SUB-1' }, pod: { podId: 'P-1' } },
    });
    expect(await finishedMessages(parent.id)).toHaveLength(1);
  });

  it("tells the parent exactly once when the child's last step crashes and is retried", async () => {
    await send('order.released', 'SUB-2', { orderNumber: 'SUB-2' });
    const parent = await instanceOf('parent-flow', 'SUB-2');
    // The first commit of a completed child fails (as if the worker died mid-transaction).
    await sql`create sequence if not exists crash_once`.execute(testDb.db);
    await sql`create or replace function crash_first_child_end() returns trigger as $$
      begin
        if nextval('crash_once') = 1 then raise exception 'simulated crash'; end if;
        return new;
      end $$ language plpgsql`.execute(testDb.db);
    await sql`create trigger crash_child_end before update on instances for each row
      when (new.status = 'completed' and new.parent_instance_id is not null)
      execute function crash_first_child_end()`.execute(testDb.db);
    try {
      await ingestEvent(
        testDb.db,
        { type: 'pod.delivered', correlationKey: 'SUB-2', payload: { podId: 'P-2' } },
        { idempotencyKey: randomUUID() },
      );
      // The crash either fails the round, or (where the step ran inside the routing
      // transaction) rolls back to its savepoint and leaves the step to the advancing loop.
      await worker.runUntilIdle().catch((error: unknown) => {
        expect(String(error)).toMatch(/simulated crash/);
      });
      await worker.runUntilIdle();
    } finally {
      await sql`drop trigger crash_child_end on instances`.execute(testDb.db);
    }
    // The child's last step crashed once, then committed on the retry.
    const attempts = await sql<{ n: string }>`select last_value as n from crash_once`.execute(
      testDb.db,
    );
    expect(Number(attempts.rows[0]?.n)).toBe(2);
    const [child] = await childOf(parent.id);
    expect(child?.status).toBe('completed');
    expect(await finishedMessages(parent.id)).toHaveLength(1);
    const done = await instanceOf('parent-flow', 'SUB-2');
    expect(done.outcome).toBe('billed');
    const completions = await testDb.db
      .selectFrom('audit_log')
      .select('id')
      .where('instance_id', '=', child!.id)
      .where('kind', '=', 'completed')
      .execute();
    expect(completions).toHaveLength(1);
  });

  it('a child that cannot start is recorded as failed, and the parent leaves through failed', async () => {
    // The child's first step evaluates an expression over a field its input does not have.
    await deployFlow(
      testDb.db,
      {
        key: 'bad-child',
        name: 'Bad child',
        trigger: { event: 'bad.start', assign: 'request' },
        variables: [{ name: 'request', type: 'any' }],
        nodes: [
          { id: 'begin', type: 'start' },
          {
            id: 'raise',
            type: 'exception',
            category: 'integrationFailure',
            details: { ref: { kind: 'expr', expr: 'request.missing.deep' } },
          },
          { id: 'end', type: 'end' },
        ],
        edges: [
          { id: 'e1', source: 'begin', target: 'raise' },
          { id: 'e2', source: 'raise', target: 'end' },
        ],
      },
      { publishedBy: 'test' },
    );
    await deployFlow(
      testDb.db,
      {
        ...parentFlow,
        key: 'parent-bad',
        nodes: parentFlow.nodes.map((n) =>
          n.id === 'chase' ? { ...n, flow: 'bad-child', input: {} } : n,
        ),
      },
      { publishedBy: 'test' },
    );
    await send('order.released', 'SUB-3', { orderNumber: 'SUB-3' });
    const parent = await instanceOf('parent-bad', 'SUB-3');
    expect(parent.status).toBe('completed');
    expect(parent.outcome).toBe('chase-failed');
    const [child] = await childOf(parent.id);
    expect(child).toMatchObject({ flow_key: 'bad-child', status: 'failed' });
  });

  it('cancels the child when the parent leaves the subflow another way', async () => {
    await deployFlow(
      testDb.db,
      {
        ...base,
        key: 'parent-race',
        name: 'Parent race',
        nodes: [
          { id: 'begin', type: 'start' },
          {
            id: 'fork',
            type: 'parallel',
            mode: 'split',
            join: 'meet',
            branches: [{ id: 'chase' }, { id: 'review' }],
          },
          { id: 'chase', type: 'subflow', flow: 'pod-chase', outcomes: ['received'] },
          {
            id: 'review',
            type: 'humanTask',
            title: 'Cancel the order?',
            candidateRoles: ['billing'],
            outcomes: [
              { id: 'keep', label: 'Keep' },
              { id: 'cancel', label: 'Cancel' },
            ],
          },
          { id: 'meet', type: 'parallel', mode: 'join' },
          { id: 'done', type: 'end', outcome: 'billed' },
          { id: 'cancelled', type: 'end', outcome: 'cancelled' },
        ],
        edges: [
          { id: 'e1', source: 'begin', target: 'fork' },
          { id: 'e2', source: 'fork', sourceHandle: 'chase', target: 'chase' },
          { id: 'e3', source: 'fork', sourceHandle: 'review', target: 'review' },
          { id: 'e4', source: 'chase', sourceHandle: 'received', target: 'meet' },
          { id: 'e5', source: 'review', sourceHandle: 'keep', target: 'meet' },
          { id: 'e6', source: 'review', sourceHandle: 'cancel', target: 'cancelled' },
          { id: 'e7', source: 'meet', target: 'done' },
        ],
      },
      { publishedBy: 'test' },
    );
    await send('order.released', 'SUB-4', { orderNumber: 'SUB-4' });
    const parent = await instanceOf('parent-race', 'SUB-4');
    expect([...parent.current_nodes].sort()).toEqual(['chase', 'review']);
    const [running] = await childOf(parent.id);
    expect(running?.status).toBe('running');
    await completeTask(testDb.db, (await openTask(parent.id)).id, {
      outcome: 'cancel',
      completedBy: 'ana',
    });
    await worker.runUntilIdle();
    expect((await instanceOf('parent-race', 'SUB-4')).outcome).toBe('cancelled');
    const [child] = await childOf(parent.id);
    expect(child?.status).toBe('cancelled');
    const audit = await testDb.db
      .selectFrom('audit_log')
      .select('kind')
      .where('instance_id', '=', child!.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.kind)).toEqual(['started', 'cancelled']);
  });

  it('refuses to publish a call of a flow that is not published', async () => {
    await expect(
      deployFlow(
        testDb.db,
        {
          ...parentFlow,
          key: 'parent-unknown',
          nodes: parentFlow.nodes.map((n) => (n.id === 'chase' ? { ...n, flow: 'nowhere' } : n)),
        },
        { publishedBy: 'test' },
      ),
    ).rejects.toMatchObject({ code: 'FLOW_INVALID' });
  });
});

const exceptionFlow = {
  ...base,
  key: 'exc-flow',
  name: 'Exceptions',
  nodes: [
    { id: 'begin', type: 'start' },
    {
      id: 'route',
      type: 'decision',
      conditions: [{ id: 'wait', expression: 'order.wait == true' }],
    },
    {
      id: 'hold',
      type: 'exception',
      category: 'creditHold',
      severity: 'high',
      details: { orderNumber: { kind: 'expr', expr: 'order.orderNumber' } },
    },
    {
      id: 'dispute',
      type: 'exception',
      category: 'customerDispute',
      ownerRole: 'disputes-desk',
      sla: 'PT4H',
      waitForResolution: true,
      outcomes: [
        { id: 'credit', label: 'Issue credit memo' },
        { id: 'reject', label: 'Reject' },
      ],
    },
    { id: 'done', type: 'end', outcome: 'done' },
    { id: 'credited', type: 'end', outcome: 'credited' },
    { id: 'rejected', type: 'end', outcome: 'rejected' },
  ],
  edges: [
    { id: 'e1', source: 'begin', target: 'route' },
    { id: 'e2', source: 'route', sourceHandle: 'wait', target: 'dispute' },
    { id: 'e3', source: 'route', sourceHandle: 'default', target: 'hold' },
    { id: 'e4', source: 'hold', target: 'done' },
    { id: 'e5', source: 'dispute', sourceHandle: 'credit', target: 'credited' },
    { id: 'e6', source: 'dispute', sourceHandle: 'reject', target: 'rejected' },
  ],
};

describe('exception', () => {
  async function exceptionOf(instanceId: string) {
    return testDb.db
      .selectFrom('exceptions')
      .selectAll()
      .where('instance_id', '=', instanceId)
      .executeTakeFirstOrThrow();
  }

  it('records the exception with owner and SLA and opens a task, while the flow goes on', async () => {
    const before = Date.now();
    await send('order.released', 'EXC-1', { orderNumber: 'EXC-1' });
    const instance = await instanceOf('exc-flow', 'EXC-1');
    expect(instance.status).toBe('completed');
    const row = await exceptionOf(instance.id);
    expect(row).toMatchObject({
      node_id: 'hold',
      exception_key: 'hold#1',
      category: 'creditHold',
      owner_role: 'credit',
      severity: 'high',
      status: 'open',
      task_key: 'hold#1',
      blocking: false,
      details: { orderNumber: 'EXC-1' },
    });
    const due = row.sla_due_at!.getTime() - before;
    expect(due).toBeGreaterThanOrEqual(8 * 3600_000 - 1000);
    expect(due).toBeLessThanOrEqual(8 * 3600_000 + 60_000);
    const task = await openTask(instance.id);
    expect(task.candidate_roles).toEqual(['credit']);

    await completeTask(testDb.db, task.id, { outcome: 'resolved', completedBy: 'cara' });
    expect((await exceptionOf(instance.id)).status).toBe('resolved');
    const messages = await testDb.db
      .selectFrom('inbox')
      .select('id')
      .where('instance_id', '=', instance.id)
      .where('kind', '=', 'task')
      .execute();
    expect(messages).toEqual([]);
  });

  it('waits for the owner when asked, and leaves through the chosen outcome', async () => {
    await send('order.released', 'EXC-2', { orderNumber: 'EXC-2', wait: true });
    const instance = await instanceOf('exc-flow', 'EXC-2');
    expect(instance.current_nodes).toEqual(['dispute']);
    const row = await exceptionOf(instance.id);
    expect(row).toMatchObject({ owner_role: 'disputes-desk', blocking: true });
    const task = await openTask(instance.id);
    expect(task.candidate_roles).toEqual(['disputes-desk']);
    await completeTask(testDb.db, task.id, { outcome: 'credit', completedBy: 'dee' });
    await worker.runUntilIdle();
    const done = await instanceOf('exc-flow', 'EXC-2');
    expect(done.outcome).toBe('credited');
    expect((await exceptionOf(instance.id)).status).toBe('resolved');
  });
});

const classifyFlow = {
  ...base,
  key: 'triage-flow',
  name: 'Triage',
  variables: [...base.variables, { name: 'triage', type: 'any' }],
  nodes: [
    { id: 'begin', type: 'start' },
    {
      id: 'sort',
      type: 'classify',
      text: 'order.note',
      features: { amount: { kind: 'expr', expr: 'order.amount' } },
      categories: ['pricingVariance', 'missingPod'],
      threshold: 0.8,
      reviewRoles: ['ar-lead'],
      resultVariable: 'triage',
    },
    { id: 'pricing', type: 'end', outcome: 'pricing' },
    { id: 'pod', type: 'end', outcome: 'pod' },
  ],
  edges: [
    { id: 'e1', source: 'begin', target: 'sort' },
    { id: 'e2', source: 'sort', sourceHandle: 'pricingVariance', target: 'pricing' },
    { id: 'e3', source: 'sort', sourceHandle: 'missingPod', target: 'pod' },
  ],
};

describe('classify', () => {
  beforeEach(() => {
    decisions.length = 0;
  });
  const order = (key: string) => ({ orderNumber: key, note: 'no POD from carrier', amount: 412 });
  async function trail(instanceId: string) {
    return testDb.db
      .selectFrom('audit_log')
      .select(['kind', 'actor', 'details'])
      .where('instance_id', '=', instanceId)
      .where('kind', 'like', 'triage.%')
      .orderBy('id')
      .execute();
  }

  it('routes by category above the threshold and audits the recommendation', async () => {
    answer = {
      category: 'missingPod',
      confidence: 0.93,
      drivers: [{ feature: 'word:pod', weight: 2.1 }],
      modelVersion: 'test-model-1',
    };
    await send('order.released', 'CLS-1', order('CLS-1'));
    const instance = await instanceOf('triage-flow', 'CLS-1');
    expect(instance.outcome).toBe('pod');
    expect(instance.context['triage']).toMatchObject({
      category: 'missingPod',
      decidedBy: 'classifier',
    });
    expect(await trail(instance.id)).toEqual([
      {
        kind: 'triage.recommendation',
        actor: 'classifier',
        details: expect.objectContaining({
          text: 'no POD from carrier',
          features: { amount: 412 },
          category: 'missingPod',
          confidence: 0.93,
          drivers: [{ feature: 'word:pod', weight: 2.1 }],
          modelVersion: 'test-model-1',
          routed: true,
        }),
      },
    ]);
    expect(decisions).toEqual([]);
  });

  it.each([
    ['below the threshold', 0.55],
    ['without a trained model', null],
  ])('%s a person decides, and the decision becomes training data', async (_, confidence) => {
    answer =
      confidence === null
        ? null
        : { category: 'missingPod', confidence, drivers: [], modelVersion: 'test-model-1' };
    const key = `CLS-${confidence ?? 'none'}`;
    await send('order.released', key, order(key));
    const instance = await instanceOf('triage-flow', key);
    expect(instance.current_nodes).toEqual(['sort']);
    const task = await openTask(instance.id);
    expect(task.candidate_roles).toEqual(['ar-lead']);
    expect(task.outcomes.map((o) => o.id)).toEqual(['pricingVariance', 'missingPod']);

    await completeTask(testDb.db, task.id, { outcome: 'pricingVariance', completedBy: 'kim' });
    await worker.runUntilIdle();
    const done = await instanceOf('triage-flow', key);
    expect(done.outcome).toBe('pricing');
    expect(decisions).toEqual([
      {
        instanceId: instance.id,
        nodeId: 'sort',
        effectKey: 'sort#1',
        text: 'no POD from carrier',
        features: { amount: 412 },
        category: 'pricingVariance',
        decidedBy: 'kim',
        predicted:
          confidence === null
            ? null
            : { category: 'missingPod', confidence, modelVersion: 'test-model-1' },
      },
    ]);
    const kinds = (await trail(instance.id)).map((r) => [r.kind, r.actor]);
    expect(kinds).toEqual([
      ['triage.recommendation', 'classifier'],
      ['triage.decision', 'kim'],
    ]);
  });

  it('by default workers use the trained model of the database and keep decisions as examples', async () => {
    const plain = new Worker({
      connection: testDb.connection,
      connectors: { registry: new ConnectorRegistry([]), configs: {} },
    });
    await ingestEvent(
      testDb.db,
      { type: 'order.released', correlationKey: 'CLS-default', payload: order('CLS-default') },
      { idempotencyKey: randomUUID() },
    );
    await plain.runUntilIdle();
    const instance = await instanceOf('triage-flow', 'CLS-default');
    // No model is trained in this database: a person decides.
    const task = await openTask(instance.id);
    await completeTask(testDb.db, task.id, { outcome: 'missingPod', completedBy: 'lou' });
    await plain.runUntilIdle();
    expect((await instanceOf('triage-flow', 'CLS-default')).outcome).toBe('pod');
    const examples = await testDb.db
      .selectFrom('triage_examples')
      .select(['text', 'category', 'decided_by', 'source', 'instance_id'])
      .where('instance_id', '=', instance.id)
      .execute();
    expect(examples).toEqual([
      {
        text: 'no POD from carrier',
        category: 'missingPod',
        decided_by: 'lou',
        source: 'review',
        instance_id: instance.id,
      },
    ]);
  });
});
