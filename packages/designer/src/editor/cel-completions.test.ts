import { buildExpressionEnvironment, describeScope } from '@waybill/shared';
import type { FlowDefinition } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import { completionsAt, hoverAt, macroAliases } from './cel-completions.ts';

const flow: Pick<FlowDefinition, 'variables' | 'parameters' | 'events'> = {
  variables: [
    {
      name: 'shipment',
      description: 'The WMS shipment confirmation',
      type: {
        object: {
          shipmentId: 'string',
          lines: { list: { object: { sku: 'string', shippedQty: 'number' } } },
          cartons: { list: 'integer' },
        },
      },
    },
    { name: 'podRequired', type: 'boolean' },
  ],
  parameters: [{ name: 'tolerancePct', type: 'number', description: 'Accepted variance' }],
  events: [
    {
      type: 'pod.received',
      assign: 'pod',
      payload: { object: { documentId: 'string', signedBy: 'string' } },
    },
  ],
};

const entries = describeScope(buildExpressionEnvironment(flow));
const withEvent = describeScope(buildExpressionEnvironment(flow, { eventType: 'pod.received' }));
const labels = (text: string, scope = entries): string[] =>
  completionsAt(scope, text).items.map((i) => i.label);

describe('completionsAt', () => {
  it('offers the flow variables, params, keywords and functions at the top level', () => {
    const result = completionsAt(entries, 'podRequired && ship');
    expect(result.replaceLength).toBe(4);
    const shipment = result.items.find((i) => i.label === 'shipment');
    expect(shipment).toMatchObject({ kind: 'variable', detail: 'object' });
    expect(shipment?.documentation).toBe('The WMS shipment confirmation');
    expect(labels('')).toEqual(expect.arrayContaining(['podRequired', 'params', 'true', 'has']));
    expect(labels('')).not.toContain('shipment.lines');
  });

  it('offers only the fields of the object before the dot, with their types', () => {
    const result = completionsAt(entries, 'shipment.');
    expect(result.items.map((i) => [i.label, i.detail])).toEqual([
      ['shipmentId', 'string'],
      ['lines', 'list<object>'],
      ['cartons', 'list<int>'],
    ]);
    expect(labels('params.')).toEqual(['tolerancePct']);
  });

  it('offers the fields of a list item after an index and inside a macro', () => {
    expect(labels('shipment.lines[0].')).toEqual(['sku', 'shippedQty']);
    expect(labels('shipment.lines.all(l, l.')).toEqual(['sku', 'shippedQty']);
    expect(labels('shipment.lines.exists(line, line.sh')).toEqual(['sku', 'shippedQty']);
  });

  it('offers list macros after a list and string functions after a string', () => {
    expect(labels('shipment.lines.')).toEqual(
      expect.arrayContaining(['all', 'exists', 'map', 'filter', 'size']),
    );
    expect(labels('shipment.shipmentId.')).toEqual(
      expect.arrayContaining(['startsWith', 'contains']),
    );
  });

  it('offers the payload fields of the event in an event filter', () => {
    expect(labels('event.', withEvent)).toEqual(['documentId', 'signedBy']);
    expect(labels('event.')).toEqual([]);
  });

  it('offers nothing after a member of an unknown value', () => {
    expect(labels('size(shipment.lines).')).toEqual([]);
    expect(labels('shipment.nope.')).toEqual([]);
  });
});

describe('hoverAt', () => {
  it('gives the type and description of the name under the cursor', () => {
    const text = 'shipment.lines.all(l, l.shippedQty > params.tolerancePct)';
    expect(hoverAt(entries, text, 3)).toMatchObject({
      name: 'shipment',
      type: 'object',
      description: 'The WMS shipment confirmation',
      start: 0,
      end: 8,
    });
    expect(hoverAt(entries, text, text.indexOf('shippedQty') + 2)).toMatchObject({
      name: 'shipment.lines[].shippedQty',
      type: 'double',
    });
    expect(hoverAt(entries, text, text.indexOf('tolerancePct'))).toMatchObject({
      name: 'params.tolerancePct',
      type: 'double',
    });
  });

  it('types list items of scalar lists and documents functions', () => {
    const text = 'shipment.cartons.exists(c, c > 2) && has(shipment.shipmentId)';
    expect(hoverAt(entries, text, text.indexOf('c >'))).toMatchObject({ type: 'int' });
    expect(hoverAt(entries, text, text.indexOf('exists'))?.type).toContain('exists(');
    expect(hoverAt(entries, text, text.indexOf('has'))?.type).toContain('has(');
  });

  it('returns null over numbers, operators and unknown names', () => {
    const text = 'shipment.nope > 2';
    expect(hoverAt(entries, text, text.indexOf('nope'))).toBeNull();
    expect(hoverAt(entries, text, text.indexOf('>'))).toBeNull();
    expect(hoverAt(entries, text, text.indexOf('2'))).toBeNull();
  });
});

describe('macroAliases', () => {
  it('binds macro variables to the items of the list, also when nested', () => {
    const aliases = macroAliases('orders.all(o, o.lines.exists(l, l.sku == "A"))');
    expect(aliases.get('o')).toBe('orders[]');
    expect(aliases.get('l')).toBe('orders[].lines[]');
  });
});
