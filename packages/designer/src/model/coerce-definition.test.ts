import { describe, expect, it } from 'vitest';
import { coerceDefinition } from './coerce-definition.ts';

describe('coerceDefinition', () => {
  it('opens a draft whose nodes break string rules, keeping what the user typed', () => {
    const definition = coerceDefinition(
      {
        key: 'billing',
        name: 'Billing',
        trigger: { event: 'order.released' },
        nodes: [
          { id: 'start', type: 'start' },
          {
            id: 'call',
            type: 'connectorCall',
            connector: '',
            operation: '',
            input: { orderId: { kind: 'expr', expr: 'order.id' } },
          },
          { id: 'wait', type: 'waitForEvent', eventType: 'Shipment Confirmed' },
          { id: 'mystery', type: 'teleport' },
        ],
        edges: [{ id: 'e1', source: 'start', target: 'call' }, { broken: true }],
      },
      { key: 'billing', name: 'Billing' },
    );
    expect(definition.nodes.map((n) => n.id)).toEqual(['start', 'call', 'wait']);
    expect(definition.nodes[1]).toMatchObject({
      type: 'connectorCall',
      connector: '',
      input: { orderId: { kind: 'expr', expr: 'order.id' } },
    });
    expect(definition.nodes[2]).toMatchObject({ eventType: 'Shipment Confirmed' });
    expect(definition.edges).toEqual([{ id: 'e1', source: 'start', target: 'call' }]);
    expect(definition.variables).toEqual([]);
  });

  it('falls back to the flow key and name for an empty document', () => {
    const definition = coerceDefinition(null, { key: 'empty', name: 'Empty flow' });
    expect(definition).toMatchObject({ key: 'empty', name: 'Empty flow', nodes: [], edges: [] });
  });
});
