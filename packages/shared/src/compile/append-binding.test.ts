/**
 * `append` event bindings: every event of a type is collected into a list variable, the trigger
 * included, whatever node the instance is at (consolidated billing collects shipments this way).
 */
import { describe, expect, test } from 'vitest';
import { defineFlow, start } from '../test/flows.ts';
import { validate } from '../validate.ts';
import { deliver } from './flow-runner.ts';

const collecting = defineFlow({
  variables: [
    {
      name: 'shipments',
      type: { list: { object: { shipmentId: 'string', lines: { list: 'any' } } } },
      initial: [],
    },
  ],
  events: [{ type: 'shipment.confirmed', append: 'shipments' }],
  nodes: [
    { id: 'begin', type: 'start' },
    { id: 'window', type: 'timer', delay: 'P1D' },
    {
      id: 'enough',
      type: 'decision',
      conditions: [{ id: 'some', expression: 'size(shipments.map(s, s.lines).flatten()) > 2' }],
    },
    { id: 'many', type: 'end', outcome: 'many' },
    { id: 'few', type: 'end', outcome: 'few' },
  ],
  edges: [
    { id: 'e1', source: 'begin', target: 'window' },
    { id: 'e2', source: 'window', target: 'enough' },
    { id: 'e3', source: 'enough', sourceHandle: 'some', target: 'many' },
    { id: 'e4', source: 'enough', sourceHandle: 'default', target: 'few' },
  ],
});

const shipment = (shipmentId: string, lines: number) => ({
  type: 'shipment.confirmed',
  payload: { shipmentId, lines: Array.from({ length: lines }, (_, i) => ({ sku: `S-${i}` })) },
});

describe('append bindings', () => {
  test('each event of the type is added to the end of the list, in arrival order', () => {
    const begun = start(collecting, { orderNumber: 'SO-1' });
    const first = deliver(begun.machine, begun.snapshot, shipment('SH-1', 1));
    const second = deliver(begun.machine, first.snapshot, shipment('SH-2', 2));
    expect(second.snapshot.context.vars.shipments).toEqual([
      shipment('SH-1', 1).payload,
      shipment('SH-2', 2).payload,
    ]);
    expect(second.activeNodes).toEqual(['window']);
  });

  test('the trigger event is collected too when the flow starts on the appended type', () => {
    const flow = defineFlow({
      ...collecting,
      trigger: { event: 'shipment.confirmed' },
      variables: collecting.variables.filter((v) => v.name !== 'order'),
    });
    const begun = start(flow, shipment('SH-0', 3).payload);
    expect(begun.snapshot.context.vars.shipments).toEqual([shipment('SH-0', 3).payload]);
  });

  test('a list variable that starts as null becomes a one-item list', () => {
    const flow = defineFlow({
      ...collecting,
      variables: [{ name: 'shipments', type: { list: 'any' } }],
    });
    const begun = start(flow);
    const step = deliver(begun.machine, begun.snapshot, shipment('SH-1', 1));
    expect(step.snapshot.context.vars.shipments).toEqual([shipment('SH-1', 1).payload]);
  });

  test.each([
    ['undeclared', [], 'variable.undeclared'],
    ['not a list', [{ name: 'shipments', type: 'string' }], 'variable.not-a-list'],
  ] as const)(
    'appending to a variable that is %s is an error on the binding',
    (_, variables, code) => {
      const flow = { ...collecting, variables: [{ name: 'order', type: 'any' }, ...variables] };
      expect(validate(flow)).toContainEqual(
        expect.objectContaining({ code, field: 'events.0.append', severity: 'error' }),
      );
    },
  );
});
