import { describe, expect, test } from 'vitest';
import { defineFlow, start } from '../test/flows.ts';
import { deliver } from './flow-runner.ts';
import type { FlowStep } from './flow-runner.ts';
import type { EffectAction, Json } from '../machine-protocol.ts';

const effectsOf = <TType extends EffectAction['type']>(step: FlowStep, type: TType) =>
  step.effects.filter((e): e is Extract<EffectAction, { type: TType }> => e.type === type);

describe('parallel split and join', () => {
  const flow = defineFlow({
    events: [{ type: 'pod.received' }],
    nodes: [
      { id: 'begin', type: 'start' },
      {
        id: 'fork',
        type: 'parallel',
        mode: 'split',
        join: 'meet',
        branches: [{ id: 'pod' }, { id: 'credit' }, { id: 'none' }],
      },
      { id: 'awaitPod', type: 'waitForEvent', eventType: 'pod.received' },
      {
        id: 'review',
        type: 'humanTask',
        title: 'Credit review',
        candidateRoles: ['credit'],
        outcomes: [
          { id: 'ok', label: 'Release' },
          { id: 'reject', label: 'Reject' },
        ],
      },
      { id: 'meet', type: 'parallel', mode: 'join' },
      { id: 'done', type: 'end', outcome: 'invoiced' },
      { id: 'rejected', type: 'end', outcome: 'rejected' },
    ],
    edges: [
      { id: 'e1', source: 'begin', target: 'fork' },
      { id: 'e2', source: 'fork', sourceHandle: 'pod', target: 'awaitPod' },
      { id: 'e3', source: 'fork', sourceHandle: 'credit', target: 'review' },
      { id: 'e4', source: 'fork', sourceHandle: 'none', target: 'meet' },
      { id: 'e5', source: 'awaitPod', target: 'meet' },
      { id: 'e6', source: 'review', sourceHandle: 'ok', target: 'meet' },
      { id: 'e7', source: 'review', sourceHandle: 'reject', target: 'rejected' },
      { id: 'e8', source: 'meet', target: 'done' },
    ],
  });
  const taskDone = (outcome: string) => ({
    type: 'waybill.task.completed' as const,
    taskKey: 'review#1',
    outcome,
    data: {},
    completedBy: 'ana',
  });

  test('every branch is active at once, and an empty branch waits at the join', () => {
    const step = start(flow);
    expect(step.activeNodes.sort()).toEqual(['awaitPod', 'meet', 'review']);
    expect(effectsOf(step, 'waybill.createTask').map((e) => e.params.taskKey)).toEqual([
      'review#1',
    ]);
  });

  test('the join waits for every branch, in any order', () => {
    const first = start(flow);
    const afterTask = deliver(first.machine, first.snapshot, taskDone('ok'));
    expect(afterTask.done).toBe(false);
    expect(afterTask.activeNodes.sort()).toEqual(['awaitPod', 'meet']);
    const afterPod = deliver(first.machine, afterTask.snapshot, {
      type: 'pod.received',
      payload: {},
    });
    expect(afterPod.done).toBe(true);
    expect(afterPod.snapshot.output?.outcome).toBe('invoiced');
    expect(afterPod.snapshot.context.visits['meet']).toBe(1);
  });

  test('an edge out of the block ends it and withdraws the other branches', () => {
    const first = start(flow);
    const rejected = deliver(first.machine, first.snapshot, taskDone('reject'));
    expect(rejected.done).toBe(true);
    expect(rejected.snapshot.output?.outcome).toBe('rejected');
  });

  test('leaving the block cancels a running subflow of another branch', () => {
    const withChild = defineFlow({
      nodes: flow.nodes.map((n) =>
        n.id === 'awaitPod'
          ? { id: 'awaitPod', type: 'subflow' as const, flow: 'pod-chase', outcomes: ['completed'] }
          : n,
      ),
      edges: flow.edges.map((e) => (e.id === 'e5' ? { ...e, sourceHandle: 'completed' } : e)),
    });
    const first = start(withChild);
    expect(effectsOf(first, 'waybill.startSubflow').map((e) => e.params.effectKey)).toEqual([
      'awaitPod#1',
    ]);
    const rejected = deliver(first.machine, first.snapshot, taskDone('reject'));
    expect(effectsOf(rejected, 'waybill.cancelSubflow').map((e) => e.params)).toEqual([
      { effectKey: 'awaitPod#1' },
    ]);
  });
});

describe('a parallel block whose branches call a connector and wait on a timer', () => {
  const flow = defineFlow({
    nodes: [
      { id: 'begin', type: 'start' },
      {
        id: 'fork',
        type: 'parallel',
        mode: 'split',
        join: 'meet',
        branches: [{ id: 'erp' }, { id: 'cool' }],
      },
      { id: 'post', type: 'connectorCall', connector: 'erp', operation: 'postInvoice' },
      { id: 'wait', type: 'timer', delay: 'PT1H' },
      { id: 'meet', type: 'parallel', mode: 'join' },
      { id: 'done', type: 'end' },
    ],
    edges: [
      { id: 'e1', source: 'begin', target: 'fork' },
      { id: 'e2', source: 'fork', sourceHandle: 'erp', target: 'post' },
      { id: 'e3', source: 'fork', sourceHandle: 'cool', target: 'wait' },
      { id: 'e4', source: 'post', sourceHandle: 'success', target: 'meet' },
      { id: 'e5', source: 'wait', target: 'meet' },
      { id: 'e6', source: 'meet', target: 'done' },
    ],
  });

  test('each branch gets its own effect keys, and the join waits for both feedbacks', () => {
    const first = start(flow);
    expect(effectsOf(first, 'waybill.callConnector').map((e) => e.params.effectKey)).toEqual([
      'post#1',
    ]);
    expect(effectsOf(first, 'waybill.scheduleTimer').map((e) => e.params.timerKey)).toEqual([
      'wait#1:delay',
    ]);
    const fired = deliver(first.machine, first.snapshot, {
      type: 'waybill.timer.fired',
      timerKey: 'wait#1:delay',
    });
    expect(fired.activeNodes.sort()).toEqual(['meet', 'post']);
    const posted = deliver(first.machine, fired.snapshot, {
      type: 'waybill.effect.succeeded',
      effectKey: 'post#1',
      output: {},
    });
    expect(posted.done).toBe(true);
  });
});

describe('subflow', () => {
  const flow = defineFlow({
    variables: [{ name: 'child', type: 'any' }],
    nodes: [
      { id: 'begin', type: 'start' },
      {
        id: 'chase',
        type: 'subflow',
        flow: 'pod-chase',
        version: 3,
        input: {
          orderNumber: { kind: 'expr', expr: 'order.orderNumber' },
          carrier: { kind: 'static', value: 'ACME' },
        },
        outcomes: ['received', 'waived'],
        resultVariable: 'child',
      },
      { id: 'got', type: 'end', outcome: 'received' },
      { id: 'waived', type: 'end', outcome: 'waived' },
      { id: 'broken', type: 'end', outcome: 'failed' },
    ],
    edges: [
      { id: 'e1', source: 'begin', target: 'chase' },
      { id: 'e2', source: 'chase', sourceHandle: 'received', target: 'got' },
      { id: 'e3', source: 'chase', sourceHandle: 'waived', target: 'waived' },
      { id: 'e4', source: 'chase', sourceHandle: 'failed', target: 'broken' },
    ],
  });
  const finished = (
    status: 'completed' | 'failed',
    outcome: string | null,
    effectKey = 'chase#1',
  ) => ({
    type: 'waybill.subflow.finished' as const,
    effectKey,
    status,
    outcome,
    vars: { podId: 'P-1' },
    childInstanceId: '00000000-0000-0000-0000-000000000001',
  });

  test('starts the child with the mapped input', () => {
    const step = start(flow, { orderNumber: 'SO-7' });
    expect(effectsOf(step, 'waybill.startSubflow').map((e) => e.params)).toEqual([
      {
        effectKey: 'chase#1',
        nodeId: 'chase',
        flowKey: 'pod-chase',
        version: 3,
        input: { orderNumber: 'SO-7', carrier: 'ACME' },
      },
    ]);
  });

  test.each([
    ['completed', 'received', 'received'],
    ['completed', 'waived', 'waived'],
    ['completed', 'unlisted', 'failed'],
    ['failed', null, 'failed'],
  ] as const)('a child %s with outcome %s leaves through %s', (status, outcome, end) => {
    const first = start(flow, { orderNumber: 'SO-7' });
    const next = deliver(first.machine, first.snapshot, finished(status, outcome));
    expect(next.snapshot.output?.outcome).toBe(end);
    const child = next.snapshot.output?.vars['child'] as Json;
    expect(child).toEqual({ status, outcome, vars: { podId: 'P-1' } });
  });

  test('the child is not cancelled when its own end moves the parent on', () => {
    const first = start(flow, { orderNumber: 'SO-7' });
    const next = deliver(first.machine, first.snapshot, finished('completed', 'received'));
    expect(effectsOf(next, 'waybill.cancelSubflow')).toEqual([]);
  });

  test('a finish for another visit is ignored', () => {
    const first = start(flow, { orderNumber: 'SO-7' });
    const next = deliver(first.machine, first.snapshot, finished('completed', 'received', 'x#1'));
    expect(next.activeNodes).toEqual(['chase']);
  });
});

describe('exception', () => {
  const node = (extra: Record<string, unknown>) =>
    defineFlow({
      nodes: [
        { id: 'begin', type: 'start' },
        {
          id: 'raise',
          type: 'exception',
          category: 'missingPod',
          severity: 'high',
          details: { orderNumber: { kind: 'expr', expr: 'order.orderNumber' } },
          ...extra,
        },
        { id: 'done', type: 'end' },
        { id: 'waived', type: 'end', outcome: 'waived' },
      ],
      edges: [
        { id: 'e1', source: 'begin', target: 'raise' },
        ...(extra['waitForResolution']
          ? [
              { id: 'e2', source: 'raise', sourceHandle: 'received', target: 'done' },
              { id: 'e3', source: 'raise', sourceHandle: 'waive', target: 'waived' },
            ]
          : [{ id: 'e2', source: 'raise', target: 'done' }]),
      ],
    });

  test('records the category with its owner and SLA and goes on', () => {
    const step = start(node({}), { orderNumber: 'SO-9' });
    expect(step.done).toBe(true);
    expect(effectsOf(step, 'waybill.raiseException').map((e) => e.params)).toEqual([
      {
        exceptionKey: 'raise#1',
        nodeId: 'raise',
        category: 'missingPod',
        ownerRole: 'logistics',
        severity: 'high',
        slaMs: 3 * 24 * 3600 * 1000,
        details: { orderNumber: 'SO-9' },
        taskKey: 'raise#1',
        blocking: false,
      },
    ]);
    const task = effectsOf(step, 'waybill.createTask')[0]?.params;
    expect(task?.candidateRoles).toEqual(['logistics']);
    expect(task?.dueInMs).toBe(3 * 24 * 3600 * 1000);
  });

  test('overrides owner and SLA, and waits for the owner when asked', () => {
    const flow = node({
      ownerRole: 'pod-desk',
      sla: 'PT4H',
      waitForResolution: true,
      outcomes: [
        { id: 'received', label: 'POD received' },
        { id: 'waive', label: 'Waive POD' },
      ],
    });
    const step = start(flow, { orderNumber: 'SO-9' });
    expect(step.activeNodes).toEqual(['raise']);
    const raised = effectsOf(step, 'waybill.raiseException')[0]?.params;
    expect(raised).toMatchObject({ ownerRole: 'pod-desk', slaMs: 4 * 3600 * 1000, blocking: true });
    const next = deliver(step.machine, step.snapshot, {
      type: 'waybill.task.completed',
      taskKey: 'raise#1',
      outcome: 'waive',
      data: {},
      completedBy: 'lee',
    });
    expect(next.snapshot.output?.outcome).toBe('waived');
  });

  test('without a task, no task is opened', () => {
    const step = start(node({ openTask: false }), { orderNumber: 'SO-9' });
    expect(effectsOf(step, 'waybill.createTask')).toEqual([]);
    expect(effectsOf(step, 'waybill.raiseException')[0]?.params.taskKey).toBeNull();
  });
});

describe('classify', () => {
  const flow = defineFlow({
    variables: [{ name: 'triage', type: 'any' }],
    nodes: [
      { id: 'begin', type: 'start' },
      {
        id: 'sort',
        type: 'classify',
        text: 'order.note',
        features: {
          amount: { kind: 'expr', expr: 'order.amount' },
          lines: { kind: 'expr', expr: 'order.lines' },
        },
        categories: ['pricingVariance', 'missingPod'],
        threshold: 0.75,
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
  });
  const order = { note: 'price on invoice differs', amount: 120.5, lines: [1, 2] };
  const classified = (category: string | null, confidence: number) => ({
    type: 'waybill.classified' as const,
    effectKey: 'sort#1',
    category,
    confidence,
    modelVersion: category === null ? null : 'nb-3',
  });

  test('asks the classifier with the evaluated text and features', () => {
    const step = start(flow, order);
    expect(effectsOf(step, 'waybill.classify').map((e) => e.params)).toEqual([
      {
        effectKey: 'sort#1',
        nodeId: 'sort',
        text: 'price on invoice differs',
        features: { amount: 120.5, lines: '[1,2]' },
        categories: ['pricingVariance', 'missingPod'],
        threshold: 0.75,
      },
    ]);
  });

  test('a field the record lacks is a missing signal, not a failure', () => {
    const step = start(flow, { amount: 80 });
    expect(effectsOf(step, 'waybill.classify').map((e) => e.params)).toEqual([
      expect.objectContaining({ text: '', features: { amount: 80, lines: null } }),
    ]);
  });

  test('at or above the threshold it routes by category, without a person', () => {
    const first = start(flow, order);
    const next = deliver(first.machine, first.snapshot, classified('missingPod', 0.75));
    expect(next.snapshot.output?.outcome).toBe('pod');
    expect(effectsOf(next, 'waybill.createTask')).toEqual([]);
    expect(next.snapshot.output?.vars['triage']).toEqual({
      category: 'missingPod',
      confidence: 0.75,
      decidedBy: 'classifier',
      modelVersion: 'nb-3',
    });
  });

  test.each([
    ['below the threshold', classified('missingPod', 0.6)],
    ['a category the node does not route', classified('creditHold', 0.99)],
    ['no trained model', classified(null, 0)],
  ])('with %s a person decides, and the decision is recorded', (_, answer) => {
    const first = start(flow, order);
    const unsure = deliver(first.machine, first.snapshot, answer);
    expect(unsure.activeNodes).toEqual(['sort']);
    const task = effectsOf(unsure, 'waybill.createTask')[0]?.params;
    expect(task?.candidateRoles).toEqual(['ar-lead']);
    expect(task?.outcomes.map((o) => o.id)).toEqual(['pricingVariance', 'missingPod']);
    expect(task?.instructions).toMatch(answer.category === null ? /No trained/ : /suggests/);
    const decided = deliver(first.machine, unsure.snapshot, {
      type: 'waybill.task.completed',
      taskKey: 'sort#1',
      outcome: 'pricingVariance',
      data: {},
      completedBy: 'kim',
    });
    expect(decided.snapshot.output?.outcome).toBe('pricing');
    expect(effectsOf(decided, 'waybill.recordTriageDecision').map((e) => e.params)).toEqual([
      { effectKey: 'sort#1', nodeId: 'sort', category: 'pricingVariance', decidedBy: 'kim' },
    ]);
    expect(decided.snapshot.output?.vars['triage']).toMatchObject({ decidedBy: 'kim' });
  });
});
