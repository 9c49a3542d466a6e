import { flowDefinitionSchema } from '@waybill/shared';
import type { FlowDefinition } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import template from '../../../../templates/billing-readiness/flow.json' with { type: 'json' };
import {
  applyStep,
  expectationOf,
  nextSteps,
  pathTaken,
  runScenario,
  startSimulation,
} from './simulator.ts';
import type { Scenario, ScriptStep } from './simulator.ts';

const flow: FlowDefinition = flowDefinitionSchema.parse(template);
const order = { orderNumber: 'SO-1001', customerId: 'C-7', currency: 'EUR', lineCount: 2 };

const happyPath: ScriptStep[] = [
  { kind: 'connector', nodeId: 'readProfile', ok: true, output: { podRequired: false } },
  {
    kind: 'event',
    type: 'shipment.confirmed',
    payload: { shipmentId: 'SH-1', orderNumber: 'SO-1001', lines: [] },
  },
  {
    kind: 'event',
    type: 'pricing.validated',
    payload: { orderNumber: 'SO-1001', variancePct: 0.5, lines: [] },
  },
  { kind: 'connector', nodeId: 'postInvoice', ok: true, output: { invoiceId: 'INV-1' } },
];

describe('simulation', () => {
  it('starts at the first waiting node with the trigger in the context', () => {
    const sim = startSimulation(flow, order);
    const frame = sim.frames[0];
    expect(frame?.activeNodes).toEqual(['readProfile']);
    expect(frame?.entered).toEqual(['start', 'readProfile']);
    expect(frame?.vars['order']).toEqual(order);
    expect(sim.pending.effects.map((e) => e.nodeId)).toEqual(['readProfile']);
  });

  it('steps through stubbed connector results and events to the end', () => {
    let sim = startSimulation(flow, order);
    for (const step of happyPath) sim = applyStep(sim, step);
    const last = sim.frames[sim.frames.length - 1];
    expect(sim.frames.map((f) => f.error)).toEqual([null, null, null, null, null]);
    expect(last).toMatchObject({ done: true, outcome: 'invoiced', activeNodes: [] });
    expect(last?.vars['invoice']).toBeDefined();
    const path = pathTaken(flow, sim.frames);
    expect([...path.nodes]).toEqual([
      'start',
      'readProfile',
      'readyToBill',
      'postInvoice',
      'invoiced',
    ]);
    expect(path.edges.size).toBe(4);
  });

  it('a step the instance cannot take leaves it unchanged and says why', () => {
    const sim = applyStep(startSimulation(flow, order), { kind: 'timer', nodeId: 'readyToBill' });
    const last = sim.frames[sim.frames.length - 1];
    expect(last).toMatchObject({ accepted: false, activeNodes: ['readProfile'] });
    expect(last?.error).toMatch(/no timer/);
  });

  it('offers what can happen next', () => {
    const sim = startSimulation(flow, order);
    const kinds = nextSteps(flow, sim).map((s) => `${s.kind}:${'nodeId' in s ? s.nodeId : s.type}`);
    expect(kinds).toContain('connector:readProfile');
    expect(kinds).toContain('event:shipment.confirmed');
  });

  it('a saved scenario passes when replayed, and fails when the flow changes', () => {
    let sim = startSimulation(flow, order);
    for (const step of happyPath) sim = applyStep(sim, step);
    const final = sim.frames[sim.frames.length - 1];
    if (!final) throw new Error('no frames');
    const scenario: Scenario = {
      name: 'happy path',
      trigger: order,
      steps: happyPath,
      expected: expectationOf(final),
    };
    expect(runScenario(flow, scenario)).toMatchObject({ passed: true, failures: [] });

    const changed = structuredClone(flow);
    changed.nodes = changed.nodes.map((n) =>
      n.id === 'invoiced' && n.type === 'end' ? { ...n, outcome: 'billed' } : n,
    );
    const result = runScenario(changed, scenario);
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual(['expected outcome invoiced, got billed']);
  });
});

describe('simulating several active nodes, subflows and classifications', () => {
  const kinds: FlowDefinition = flowDefinitionSchema.parse({
    key: 'kinds',
    name: 'Kinds',
    trigger: { event: 'order.released', assign: 'order' },
    variables: [{ name: 'order', type: 'any' }],
    events: [{ type: 'pod.received' }],
    nodes: [
      { id: 'start', type: 'start' },
      {
        id: 'fork',
        type: 'parallel',
        mode: 'split',
        join: 'meet',
        branches: [{ id: 'a' }, { id: 'b' }],
      },
      { id: 'awaitPod', type: 'waitForEvent', eventType: 'pod.received' },
      { id: 'chase', type: 'subflow', flow: 'pod-chase', outcomes: ['received'] },
      { id: 'meet', type: 'parallel', mode: 'join' },
      {
        id: 'triage',
        type: 'classify',
        text: 'order.orderNumber',
        categories: ['pricingVariance', 'missingPod'],
        threshold: 0.8,
      },
      { id: 'pricing', type: 'end', outcome: 'pricing' },
      { id: 'pod', type: 'end', outcome: 'pod' },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'fork' },
      { id: 'e2', source: 'fork', sourceHandle: 'a', target: 'awaitPod' },
      { id: 'e3', source: 'fork', sourceHandle: 'b', target: 'chase' },
      { id: 'e4', source: 'awaitPod', target: 'meet' },
      { id: 'e5', source: 'chase', sourceHandle: 'received', target: 'meet' },
      { id: 'e6', source: 'meet', target: 'triage' },
      { id: 'e7', source: 'triage', sourceHandle: 'pricingVariance', target: 'pricing' },
      { id: 'e8', source: 'triage', sourceHandle: 'missingPod', target: 'pod' },
    ],
  });

  it('shows every active branch, and offers the subflow and classifier answers as steps', () => {
    let sim = startSimulation(kinds, { orderNumber: 'SO-1' });
    expect([...(sim.frames[0]?.activeNodes ?? [])].sort()).toEqual(['awaitPod', 'chase']);
    const subflowSteps = nextSteps(kinds, sim).filter((s) => s.kind === 'subflow');
    expect(subflowSteps.map((s) => (s.kind === 'subflow' ? s.status : ''))).toEqual([
      'completed',
      'failed',
    ]);
    sim = applyStep(sim, {
      kind: 'subflow',
      nodeId: 'chase',
      status: 'completed',
      outcome: 'received',
    });
    expect([...(sim.frames.at(-1)?.activeNodes ?? [])].sort()).toEqual(['awaitPod', 'meet']);
    sim = applyStep(sim, { kind: 'event', type: 'pod.received', payload: {} });
    expect(sim.frames.at(-1)?.activeNodes).toEqual(['triage']);
    // Below the threshold a person decides: the review task becomes a step.
    sim = applyStep(sim, {
      kind: 'classify',
      nodeId: 'triage',
      category: 'missingPod',
      confidence: 0.5,
    });
    const review = nextSteps(kinds, sim).filter((s) => s.kind === 'task');
    expect(review.map((s) => (s.kind === 'task' ? s.outcome : ''))).toEqual([
      'pricingVariance',
      'missingPod',
    ]);
    sim = applyStep(sim, { kind: 'task', nodeId: 'triage', outcome: 'pricingVariance', data: {} });
    expect(sim.frames.at(-1)).toMatchObject({ done: true, outcome: 'pricing' });
    expect(pathTaken(kinds, sim.frames).nodes.has('meet')).toBe(true);
  });
});
