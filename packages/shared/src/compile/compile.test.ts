import { createActor, transition } from 'xstate';
import { describe, expect, test } from 'vitest';
import { defineFlow, start } from '../test/flows.ts';
import { compile } from './compile.ts';
import { isFlowCompileError } from './compile.error.ts';
import { activeNodeIds, canAccept, deliver } from './flow-runner.ts';
import { compileToConfig } from './machine-config.ts';
import { billingReadiness } from '../test/billing-readiness.fixture.ts';
import { durationToMs } from '../duration.ts';

const effectTypes = (step: { effects: { type: string }[] }) => step.effects.map((e) => e.type);

describe('start and end', () => {
  const flow = defineFlow({
    nodes: [
      { id: 'begin', type: 'start' },
      { id: 'finish', type: 'end', outcome: 'approved' },
    ],
    edges: [{ id: 'e1', source: 'begin', target: 'finish' }],
  });

  test('runs through to the end and returns outcome and variables', () => {
    const step = start(flow, { orderNumber: 'SO-1' });
    expect(step.done).toBe(true);
    expect(step.activeNodes).toEqual(['finish']);
    expect(step.snapshot.output).toEqual({
      outcome: 'approved',
      vars: { order: { orderNumber: 'SO-1' } },
    });
    expect(step.effects).toEqual([
      { type: 'waybill.enterNode', params: { nodeId: 'begin', nodeType: 'start', visit: 1 } },
      { type: 'waybill.enterNode', params: { nodeId: 'finish', nodeType: 'end', visit: 1 } },
    ]);
  });
});

describe('decision', () => {
  const flow = defineFlow({
    variables: [{ name: 'amount', type: 'number', initial: 5 }],
    nodes: [
      { id: 'begin', type: 'start' },
      {
        id: 'route',
        type: 'decision',
        conditions: [
          { id: 'large', expression: 'order.total > 1000.0' },
          { id: 'medium', expression: 'order.total > 100.0' },
        ],
      },
      { id: 'big', type: 'end', outcome: 'big' },
      { id: 'mid', type: 'end', outcome: 'mid' },
      { id: 'small', type: 'end', outcome: 'small' },
    ],
    edges: [
      { id: 'e1', source: 'begin', target: 'route' },
      { id: 'e2', source: 'route', sourceHandle: 'large', target: 'big' },
      { id: 'e3', source: 'route', sourceHandle: 'medium', target: 'mid' },
      { id: 'e4', source: 'route', sourceHandle: 'default', target: 'small' },
    ],
  });

  test.each([
    [{ total: 5000 }, 'big'],
    [{ total: 500 }, 'mid'],
    [{ total: 5 }, 'small'],
    // A condition that cannot be evaluated counts as false.
    [{}, 'small'],
  ])('order %j takes %s (first condition that holds, else default)', (order, outcome) => {
    expect(start(flow, order).snapshot.output?.outcome).toBe(outcome);
  });

  test('variables start at their initial value', () => {
    expect(start(flow, { total: 1 }).snapshot.output?.vars['amount']).toBe(5);
  });
});

describe('readinessGate', () => {
  const gate = {
    variables: [
      { name: 'shipment', type: { object: { qty: 'number' } } },
      { name: 'pricing', type: 'any' },
    ],
    events: [
      { type: 'shipment.confirmed', assign: 'shipment' },
      { type: 'pricing.validated', assign: 'pricing' },
    ],
    nodes: [
      { id: 'begin', type: 'start' },
      {
        id: 'gate',
        type: 'readinessGate',
        timeout: 'PT1H',
        conditions: [
          { id: 'shipped', expression: 'shipment.qty > 0' },
          { id: 'priced', expression: 'pricing != null' },
        ],
      },
      { id: 'ok', type: 'end', outcome: 'ready' },
      { id: 'late', type: 'end', outcome: 'late' },
    ],
    edges: [
      { id: 'e1', source: 'begin', target: 'gate' },
      { id: 'e2', source: 'gate', sourceHandle: 'ready', target: 'ok' },
      { id: 'e3', source: 'gate', sourceHandle: 'timeout', target: 'late' },
    ],
  } satisfies Parameters<typeof defineFlow>[0];
  const flow = defineFlow(gate);

  test('waits, schedules its timeout, and leaves when every condition holds', () => {
    const begun = start(flow);
    expect(begun.activeNodes).toEqual(['gate']);
    expect(begun.effects).toContainEqual({
      type: 'waybill.scheduleTimer',
      params: {
        timerKey: 'gate#1:timeout',
        nodeId: 'gate',
        delayMs: 3_600_000,
        purpose: 'timeout',
      },
    });
    const shipped = deliver(begun.machine, begun.snapshot, {
      type: 'shipment.confirmed',
      payload: { qty: 3 },
    });
    expect(shipped.activeNodes).toEqual(['gate']);
    expect(shipped.snapshot.context.vars['shipment']).toEqual({ qty: 3 });
    const priced = deliver(begun.machine, shipped.snapshot, {
      type: 'pricing.validated',
      payload: {},
    });
    expect(priced.snapshot.output?.outcome).toBe('ready');
    expect(priced.effects[0]).toEqual({
      type: 'waybill.cancelTimer',
      params: { timerKey: 'gate#1:timeout' },
    });
  });

  test('a condition that fails to evaluate is "not yet" (shipment.qty of null)', () => {
    const begun = start(flow);
    const priced = deliver(begun.machine, begun.snapshot, {
      type: 'pricing.validated',
      payload: {},
    });
    expect(priced.activeNodes).toEqual(['gate']);
    expect(priced.done).toBe(false);
  });

  test('leaves through timeout when its timer fires, without cancelling the fired timer', () => {
    const begun = start(flow);
    const fired = deliver(begun.machine, begun.snapshot, {
      type: 'waybill.timer.fired',
      timerKey: 'gate#1:timeout',
    });
    expect(fired.snapshot.output?.outcome).toBe('late');
    expect(effectTypes(fired)).not.toContain('waybill.cancelTimer');
  });

  test('ignores a timer of another visit', () => {
    const begun = start(flow);
    const stale = { type: 'waybill.timer.fired', timerKey: 'gate#0:timeout' } as const;
    expect(canAccept(begun.snapshot, stale)).toBe(false);
    expect(deliver(begun.machine, begun.snapshot, stale).activeNodes).toEqual(['gate']);
  });

  test('leaves at once when entered with every condition already true', () => {
    const ready = defineFlow({
      ...gate,
      variables: [
        { name: 'shipment', type: { object: { qty: 'number' } }, initial: { qty: 1 } },
        { name: 'pricing', type: 'any', initial: {} },
      ],
    });
    expect(start(ready).snapshot.output?.outcome).toBe('ready');
  });

  test('accepts bound events and refuses event types the flow does not bind', () => {
    const begun = start(flow);
    expect(canAccept(begun.snapshot, { type: 'shipment.confirmed', payload: {} })).toBe(true);
    expect(canAccept(begun.snapshot, { type: 'invoice.posted', payload: {} })).toBe(false);
  });
});

describe('connectorCall', () => {
  const call = {
    variables: [{ name: 'invoice', type: 'any' }],
    nodes: [
      { id: 'begin', type: 'start' },
      {
        id: 'post',
        type: 'connectorCall',
        connector: 'erp',
        operation: 'postInvoice',
        input: {
          orderNumber: { kind: 'expr', expr: 'order.orderNumber' },
          lines: { kind: 'expr', expr: 'size(order.lines)' },
          mode: { kind: 'static', value: { draft: false } },
        },
        resultVariable: 'invoice',
        retry: { maxAttempts: 3 },
      },
      { id: 'done', type: 'end', outcome: 'posted' },
      { id: 'failed', type: 'end', outcome: 'failed' },
    ],
    edges: [
      { id: 'e1', source: 'begin', target: 'post' },
      { id: 'e2', source: 'post', sourceHandle: 'success', target: 'done' },
      { id: 'e3', source: 'post', sourceHandle: 'error', target: 'failed' },
    ],
  } satisfies Parameters<typeof defineFlow>[0];
  const flow = defineFlow(call);
  const order = { orderNumber: 'SO-7', lines: [1, 2] };

  test('emits the call with evaluated input and a per-visit effect key', () => {
    const begun = start(flow, order);
    expect(begun.effects).toContainEqual({
      type: 'waybill.callConnector',
      params: {
        effectKey: 'post#1',
        nodeId: 'post',
        connector: 'erp',
        connectorVersion: 1,
        operation: 'postInvoice',
        input: { orderNumber: 'SO-7', lines: 2, mode: { draft: false } },
        retry: {
          maxAttempts: 3,
          initialIntervalMs: 1000,
          backoffCoefficient: 2,
          maxIntervalMs: 60_000,
        },
        timeoutMs: null,
        onFailure: 'feed',
      },
    });
  });

  test('stores the output and leaves through success', () => {
    const begun = start(flow, order);
    const ok = deliver(begun.machine, begun.snapshot, {
      type: 'waybill.effect.succeeded',
      effectKey: 'post#1',
      output: { invoiceNumber: 'INV-1' },
    });
    expect(ok.snapshot.output).toMatchObject({
      outcome: 'posted',
      vars: { invoice: { invoiceNumber: 'INV-1' } },
    });
  });

  test('leaves through error on failure, and ignores feedback for another visit', () => {
    const begun = start(flow, order);
    const stale = { type: 'waybill.effect.succeeded', effectKey: 'post#2', output: null } as const;
    expect(canAccept(begun.snapshot, stale)).toBe(false);
    const failed = deliver(begun.machine, begun.snapshot, {
      type: 'waybill.effect.failed',
      effectKey: 'post#1',
      error: { code: 'REJECTED', message: 'closed period' },
    });
    expect(failed.snapshot.output?.outcome).toBe('failed');
  });

  test('without an error edge a failure leaves the instance where it is', () => {
    const noError = defineFlow({
      ...call,
      nodes: call.nodes.filter((n) => n.id !== 'failed'),
      edges: call.edges.filter((e) => e.sourceHandle !== 'error'),
    });
    const begun = start(noError, order);
    const failed = {
      type: 'waybill.effect.failed',
      effectKey: 'post#1',
      error: { code: 'X', message: 'x' },
    } as const;
    expect(canAccept(begun.snapshot, failed)).toBe(false);
    const callEffect = begun.effects.find((e) => e.type === 'waybill.callConnector');
    expect(callEffect?.params).toMatchObject({ onFailure: 'incident' });
  });

  test('an input that cannot be evaluated is thrown, naming node and field', () => {
    expect(() => start(flow, { lines: null })).toThrow(/post\.input\.(orderNumber|lines)/);
  });
});

describe('waitForEvent', () => {
  const flow = defineFlow({
    variables: [{ name: 'credit', type: 'any' }],
    events: [{ type: 'credit.released', payload: { object: { orderNumber: 'string' } } }],
    nodes: [
      { id: 'begin', type: 'start' },
      {
        id: 'wait',
        type: 'waitForEvent',
        eventType: 'credit.released',
        filter: 'event.orderNumber == order.orderNumber',
        assign: 'credit',
        timeout: 'P1D',
      },
      { id: 'released', type: 'end', outcome: 'released' },
      { id: 'expired', type: 'end', outcome: 'expired' },
    ],
    edges: [
      { id: 'e1', source: 'begin', target: 'wait' },
      { id: 'e2', source: 'wait', sourceHandle: 'event', target: 'released' },
      { id: 'e3', source: 'wait', sourceHandle: 'timeout', target: 'expired' },
    ],
  });
  const order = { orderNumber: 'SO-1' };

  test('takes the event that passes the filter and stores its payload', () => {
    const begun = start(flow, order);
    const other = { type: 'credit.released', payload: { orderNumber: 'SO-2' } };
    expect(canAccept(begun.snapshot, other)).toBe(false);
    const mine = deliver(begun.machine, begun.snapshot, {
      type: 'credit.released',
      payload: order,
    });
    expect(mine.snapshot.output).toMatchObject({ outcome: 'released', vars: { credit: order } });
    expect(effectTypes(mine)).toContain('waybill.cancelTimer');
  });

  test('times out', () => {
    const begun = start(flow, order);
    expect(begun.effects).toContainEqual(
      expect.objectContaining({
        params: expect.objectContaining({ delayMs: durationToMs('P1D') }),
      }),
    );
    const fired = deliver(begun.machine, begun.snapshot, {
      type: 'waybill.timer.fired',
      timerKey: 'wait#1:timeout',
    });
    expect(fired.snapshot.output?.outcome).toBe('expired');
  });
});

describe('timer', () => {
  const flow = defineFlow({
    parameters: [{ name: 'cooling', type: 'duration', default: 'PT30M', value: 'PT45M' }],
    nodes: [
      { id: 'begin', type: 'start' },
      { id: 'pause', type: 'timer', delay: { param: 'cooling' } },
      { id: 'done', type: 'end' },
    ],
    edges: [
      { id: 'e1', source: 'begin', target: 'pause' },
      { id: 'e2', source: 'pause', target: 'done' },
    ],
  });

  test('waits for the delay (parameter value over default), then continues', () => {
    const begun = start(flow);
    expect(begun.effects).toContainEqual({
      type: 'waybill.scheduleTimer',
      params: {
        timerKey: 'pause#1:delay',
        nodeId: 'pause',
        delayMs: 45 * 60_000,
        purpose: 'delay',
      },
    });
    const fired = deliver(begun.machine, begun.snapshot, {
      type: 'waybill.timer.fired',
      timerKey: 'pause#1:delay',
    });
    expect(fired.snapshot.output?.outcome).toBe('completed');
  });
});

describe('humanTask', () => {
  const flow = defineFlow({
    variables: [{ name: 'decision', type: 'any' }],
    parameters: [{ name: 'sla', type: 'duration', default: 'PT4H' }],
    nodes: [
      { id: 'begin', type: 'start' },
      {
        id: 'approve',
        type: 'humanTask',
        title: 'Approve credit',
        candidateRoles: ['credit'],
        form: [{ id: 'note', label: 'Note', type: 'text' }],
        outcomes: [
          { id: 'yes', label: 'Approve' },
          { id: 'no', label: 'Reject' },
        ],
        resultVariable: 'decision',
        dueIn: { param: 'sla' },
        escalation: { after: 'PT8H', toRole: 'credit-manager' },
      },
      { id: 'approved', type: 'end', outcome: 'approved' },
      { id: 'rejected', type: 'end', outcome: 'rejected' },
    ],
    edges: [
      { id: 'e1', source: 'begin', target: 'approve' },
      { id: 'e2', source: 'approve', sourceHandle: 'yes', target: 'approved' },
      { id: 'e3', source: 'approve', sourceHandle: 'no', target: 'rejected' },
    ],
  });

  test('creates a task with durations in ms', () => {
    expect(start(flow).effects).toContainEqual({
      type: 'waybill.createTask',
      params: {
        taskKey: 'approve#1',
        nodeId: 'approve',
        title: 'Approve credit',
        instructions: null,
        candidateRoles: ['credit'],
        form: [{ id: 'note', label: 'Note', type: 'text', required: false }],
        outcomes: [
          { id: 'yes', label: 'Approve' },
          { id: 'no', label: 'Reject' },
        ],
        dueInMs: 4 * 3_600_000,
        escalation: { afterMs: 8 * 3_600_000, toRole: 'credit-manager' },
      },
    });
  });

  test.each([
    ['yes', 'approved'],
    ['no', 'rejected'],
  ])('outcome %s leads to %s and stores the result', (outcome, end) => {
    const begun = start(flow);
    const done = deliver(begun.machine, begun.snapshot, {
      type: 'waybill.task.completed',
      taskKey: 'approve#1',
      outcome,
      data: { note: 'ok' },
      completedBy: 'ana',
    });
    expect(done.snapshot.output).toEqual({
      outcome: end,
      vars: { order: {}, decision: { outcome, note: 'ok', completedBy: 'ana' } },
    });
    expect(effectTypes(done)).not.toContain('waybill.cancelTask');
  });

  test('refuses an unknown outcome and a task of another visit', () => {
    const begun = start(flow);
    const base = { type: 'waybill.task.completed', data: {}, completedBy: 'ana' } as const;
    expect(canAccept(begun.snapshot, { ...base, taskKey: 'approve#1', outcome: 'maybe' })).toBe(
      false,
    );
    expect(canAccept(begun.snapshot, { ...base, taskKey: 'approve#2', outcome: 'yes' })).toBe(
      false,
    );
  });
});

describe('compiled machine', () => {
  test('is deterministic: the same definition gives the same configuration', () => {
    expect(JSON.stringify(compileToConfig(billingReadiness))).toBe(
      JSON.stringify(compileToConfig(structuredClone(billingReadiness))),
    );
  });

  test('configuration is plain JSON', () => {
    const config = compileToConfig(billingReadiness);
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  test('refuses an invalid definition with its problems', () => {
    const broken = {
      ...billingReadiness,
      edges: billingReadiness.edges.filter((e) => e.id !== 'e6'),
    };
    const error = (() => {
      try {
        compile(broken);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(isFlowCompileError(error)).toBe(true);
    if (isFlowCompileError(error)) {
      expect(error.problems).toContainEqual(
        expect.objectContaining({
          code: 'node.missing-exit',
          nodeId: 'post',
          field: 'exits.success',
        }),
      );
    }
  });

  test('works with XState transition() directly, and activeNodeIds reads its snapshots', () => {
    const begun = start(billingReadiness, { orderNumber: 'SO-1', podRequired: false });
    const [next, actions] = transition(begun.machine, begun.snapshot, {
      type: 'shipment.confirmed',
      payload: { totalQty: 1 },
    });
    expect(activeNodeIds(next)).toEqual(['ready']);
    expect(actions.filter((a) => a.type.startsWith('waybill.'))).toEqual([]);
  });

  test('survives persistence: persisted snapshot → JSON → resolveState → transition', () => {
    const begun = start(billingReadiness, { orderNumber: 'SO-1', podRequired: false });
    const shipped = deliver(begun.machine, begun.snapshot, {
      type: 'shipment.confirmed',
      payload: { totalQty: 4 },
    });
    // The input is only read when an actor starts from scratch, never with a snapshot.
    const input = { trigger: { type: 'order.released', payload: null } };
    const actor = createActor(begun.machine, { snapshot: shipped.snapshot, input });
    const json = JSON.stringify(actor.getPersistedSnapshot());
    const machine = compile(billingReadiness); // e.g. another worker process
    const restored = machine.resolveState(
      JSON.parse(json) as Parameters<typeof machine.resolveState>[0],
    );
    const priced = deliver(machine, restored, {
      type: 'pricing.validated',
      payload: { variancePct: 0, currency: 'EUR' },
    });
    expect(priced.activeNodes).toEqual(['post']);
    expect(priced.effects).toContainEqual(
      expect.objectContaining({
        type: 'waybill.callConnector',
        params: expect.objectContaining({
          effectKey: 'post#1',
          input: { orderNumber: 'SO-1', quantity: 4, currency: 'EUR', channel: 'waybill' },
        }),
      }),
    );
  });
});
