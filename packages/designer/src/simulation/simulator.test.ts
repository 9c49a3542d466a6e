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
