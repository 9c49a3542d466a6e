import { describe, expect, test } from 'vitest';
import type { FlowEvent, Json } from '../machine-protocol.ts';
import {
  billingReadiness,
  confirmedShipment,
  receivedPod,
  releasedOrder,
  validatedPricing,
} from '../test/billing-readiness.fixture.ts';
import { compile } from './compile.ts';
import { deliver, startFlow } from './flow-runner.ts';
import type { FlowStep } from './flow-runner.ts';

const machine = compile(billingReadiness);

/** Starts an instance for `order` and delivers `events` in order, collecting every effect. */
function run(order: Json, events: FlowEvent[]) {
  let step: FlowStep = startFlow(machine, { trigger: { type: 'order.released', payload: order } });
  const effects = [...step.effects];
  for (const event of events) {
    step = deliver(machine, step.snapshot, event);
    effects.push(...step.effects);
  }
  return { step, effects };
}

const shipped: FlowEvent = { type: 'shipment.confirmed', payload: confirmedShipment };
const priced: FlowEvent = { type: 'pricing.validated', payload: validatedPricing };
const podIn: FlowEvent = { type: 'pod.received', payload: receivedPod };
const posted: FlowEvent = {
  type: 'waybill.effect.succeeded',
  effectKey: 'post#1',
  output: { invoiceNumber: 'INV-1' },
};

describe('billing readiness', () => {
  test('happy path: shipment and pricing in, invoice posted once', () => {
    const { step, effects } = run(releasedOrder, [shipped, priced, posted]);
    expect(step.snapshot.output).toMatchObject({
      outcome: 'invoiced',
      vars: { invoice: { invoiceNumber: 'INV-1' } },
    });
    const calls = effects.filter((e) => e.type === 'waybill.callConnector');
    expect(calls).toEqual([
      expect.objectContaining({
        params: expect.objectContaining({
          effectKey: 'post#1',
          input: { orderNumber: 'SO-1001', quantity: 12, currency: 'EUR', channel: 'waybill' },
        }),
      }),
    ]);
    expect(effects.map((e) => e.type === 'waybill.enterNode' && e.params.nodeId)).toEqual(
      expect.arrayContaining(['start', 'ready', 'post', 'invoiced']),
    );
  });

  test('POD required: the gate waits for the proof of delivery', () => {
    const order = { ...releasedOrder, podRequired: true };
    const waiting = run(order, [shipped, priced]);
    expect(waiting.step.activeNodes).toEqual(['ready']);
    const { step } = run(order, [shipped, priced, podIn, posted]);
    expect(step.snapshot.output?.outcome).toBe('invoiced');
    expect(step.snapshot.output?.vars['pod']).toEqual(receivedPod);
  });

  test('pricing outside the tolerance keeps the order waiting', () => {
    const overTolerance: FlowEvent = {
      type: 'pricing.validated',
      payload: { variancePct: 7.5, currency: 'EUR' },
    };
    expect(run(releasedOrder, [shipped, overTolerance]).step.activeNodes).toEqual(['ready']);
    // A corrected validation replaces the earlier one.
    expect(run(releasedOrder, [shipped, overTolerance, priced]).step.activeNodes).toEqual(['post']);
  });

  test.each([
    ['pod, pricing, shipment', [podIn, priced, shipped]],
    ['pricing, pod, shipment', [priced, podIn, shipped]],
    ['shipment, pod, pricing', [shipped, podIn, priced]],
  ])('out of order (%s): the same invoice is posted', (_, events) => {
    const order = { ...releasedOrder, podRequired: true };
    const { step, effects } = run(order, [...events, posted]);
    expect(step.snapshot.output?.outcome).toBe('invoiced');
    expect(effects.filter((e) => e.type === 'waybill.callConnector')).toHaveLength(1);
  });

  test('timeout: logistics decides; a retry waits again with a new timer and task keys', () => {
    const fired: FlowEvent = { type: 'waybill.timer.fired', timerKey: 'ready#1:timeout' };
    const retried: FlowEvent = {
      type: 'waybill.task.completed',
      taskKey: 'logistics#1',
      outcome: 'retry',
      data: { note: 'carrier chased' },
      completedBy: 'lena',
    };
    const { step, effects } = run(releasedOrder, [fired, retried]);
    expect(step.activeNodes).toEqual(['ready']);
    expect(step.snapshot.context.vars['review']).toEqual({
      outcome: 'retry',
      note: 'carrier chased',
      completedBy: 'lena',
    });
    expect(effects).toContainEqual(
      expect.objectContaining({
        type: 'waybill.scheduleTimer',
        params: expect.objectContaining({ timerKey: 'ready#2:timeout' }),
      }),
    );
    // The first timer fires again late (at-least-once delivery): it is ignored.
    expect(deliver(machine, step.snapshot, fired).activeNodes).toEqual(['ready']);
  });

  test('an ERP failure goes to logistics, who can cancel', () => {
    const failed: FlowEvent = {
      type: 'waybill.effect.failed',
      effectKey: 'post#1',
      error: { code: 'REJECTED', message: 'period closed' },
    };
    const cancelled: FlowEvent = {
      type: 'waybill.task.completed',
      taskKey: 'logistics#1',
      outcome: 'cancel',
      data: {},
      completedBy: 'lena',
    };
    const { step } = run(releasedOrder, [shipped, priced, failed, cancelled]);
    expect(step.snapshot.output?.outcome).toBe('cancelled');
  });
});
