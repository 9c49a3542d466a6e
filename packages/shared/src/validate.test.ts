import { describe, expect, test } from 'vitest';
import type { FlowDefinitionInput } from './flow.schema.ts';
import { billingReadinessInput } from './test/billing-readiness.fixture.ts';
import { hasErrors, validate } from './validate.ts';
import type { ConnectorCatalogEntry } from './validate.ts';

/** A mutable copy of the (valid) billing-readiness flow. */
type Flow = Omit<FlowDefinitionInput, 'nodes' | 'edges'> & {
  nodes: Record<string, unknown>[];
  edges: Record<string, unknown>[];
};
const base = (): Flow => structuredClone(billingReadinessInput);
const node = (flow: Flow, id: string) => flow.nodes.find((n) => n['id'] === id)!;
const edge = (flow: Flow, id: string) => flow.edges.find((e) => e['id'] === id)!;

describe('validate', () => {
  test('the billing-readiness flow has no problems', () => {
    expect(validate(base())).toEqual([]);
  });

  test.each<
    [
      string,
      (f: Flow) => void,
      { code: string; nodeId: string | null; field: string; severity?: string; edgeId?: string },
    ]
  >([
    [
      'schema: a node without a type',
      (f) => delete node(f, 'post')['type'],
      { code: 'schema.invalid_union', nodeId: 'post', field: 'type' },
    ],
    [
      'schema: a bad duration',
      (f) => (node(f, 'logistics')['dueIn'] = '8 hours'),
      { code: 'schema.invalid_format', nodeId: 'logistics', field: 'dueIn' },
    ],
    [
      'decision with no conditions',
      (f) => f.nodes.push({ id: 'route', type: 'decision', conditions: [] }),
      { code: 'node.no-conditions', nodeId: 'route', field: 'conditions' },
    ],
    [
      'no start node',
      (f) => (f.nodes = f.nodes.filter((n) => n['type'] !== 'start')),
      { code: 'flow.no-start', nodeId: null, field: 'nodes' },
    ],
    [
      'two start nodes',
      (f) => f.nodes.push({ id: 'start2', type: 'start' }),
      { code: 'flow.multiple-starts', nodeId: 'start2', field: 'type' },
    ],
    [
      'no end node',
      (f) => (f.nodes = f.nodes.filter((n) => n['type'] !== 'end')),
      { code: 'flow.no-end', nodeId: null, field: 'nodes' },
    ],
    [
      'duplicate node id',
      (f) => f.nodes.push({ id: 'invoiced', type: 'end' }),
      { code: 'node.duplicate-id', nodeId: 'invoiced', field: 'id' },
    ],
    [
      'duplicate edge id',
      (f) => f.edges.push({ ...edge(f, 'e5'), id: 'e1' }),
      { code: 'edge.duplicate-id', nodeId: 'logistics', field: 'id', edgeId: 'e1' },
    ],
    [
      'edge to an unknown node',
      (f) => (edge(f, 'e6')['target'] = 'nowhere'),
      { code: 'edge.unknown-target', nodeId: 'post', field: 'target', edgeId: 'e6' },
    ],
    [
      'edge from an unknown node',
      (f) => f.edges.push({ id: 'e9', source: 'ghost', target: 'post' }),
      { code: 'edge.unknown-source', nodeId: null, field: 'source', edgeId: 'e9' },
    ],
    [
      'edge from a handle that is not an exit',
      (f) => (edge(f, 'e6')['sourceHandle'] = 'done'),
      { code: 'edge.unknown-exit', nodeId: 'post', field: 'sourceHandle', edgeId: 'e6' },
    ],
    [
      'edge without handle from a node with several exits',
      (f) => delete edge(f, 'e6')['sourceHandle'],
      { code: 'edge.missing-handle', nodeId: 'post', field: 'sourceHandle', edgeId: 'e6' },
    ],
    [
      'gate ready exit not connected',
      (f) => (f.edges = f.edges.filter((e) => e['id'] !== 'e2')),
      { code: 'node.missing-exit', nodeId: 'ready', field: 'exits.ready' },
    ],
    [
      'gate timeout exit not connected',
      (f) => (f.edges = f.edges.filter((e) => e['id'] !== 'e3')),
      { code: 'node.missing-exit', nodeId: 'ready', field: 'exits.timeout' },
    ],
    [
      'task outcome not connected',
      (f) => (f.edges = f.edges.filter((e) => e['id'] !== 'e5')),
      { code: 'node.missing-exit', nodeId: 'logistics', field: 'exits.cancel' },
    ],
    [
      'start not connected',
      (f) => (f.edges = f.edges.filter((e) => e['id'] !== 'e1')),
      { code: 'node.missing-exit', nodeId: 'start', field: 'exits.next' },
    ],
    [
      'connector success not connected',
      (f) => (f.edges = f.edges.filter((e) => e['id'] !== 'e6')),
      { code: 'node.missing-exit', nodeId: 'post', field: 'exits.success' },
    ],
    [
      'two edges from one exit',
      (f) =>
        f.edges.push({ id: 'e8', source: 'post', sourceHandle: 'success', target: 'cancelled' }),
      { code: 'edge.duplicate-exit', nodeId: 'post', field: 'exits.success', edgeId: 'e8' },
    ],
    [
      'end with an outgoing edge',
      (f) => f.edges.push({ id: 'e8', source: 'invoiced', target: 'post' }),
      { code: 'end.outgoing-edge', nodeId: 'invoiced', field: 'id', edgeId: 'e8' },
    ],
    [
      'start with an incoming edge',
      (f) =>
        f.edges.push({ id: 'e8', source: 'logistics', sourceHandle: 'retry', target: 'start' }),
      { code: 'start.incoming-edge', nodeId: 'start', field: 'id', edgeId: 'e8' },
    ],
    [
      'unreachable node',
      (f) => f.nodes.push({ id: 'orphan', type: 'end' }),
      { code: 'node.unreachable', nodeId: 'orphan', field: 'id', severity: 'warning' },
    ],
    [
      'node that cannot reach an end',
      (f) => {
        f.nodes.push({ id: 'wait', type: 'timer', delay: 'PT1H' });
        f.edges.push({ id: 'e8', source: 'wait', target: 'wait' });
        edge(f, 'e5')['target'] = 'wait';
      },
      { code: 'node.dead-end', nodeId: 'wait', field: 'id', severity: 'warning' },
    ],
    [
      'condition with a type error',
      (f) =>
        ((node(f, 'ready')['conditions'] as { expression: string }[])[0]!.expression =
          'shipment.totalQty > "0"'),
      { code: 'expr.type', nodeId: 'ready', field: 'conditions.0.expression' },
    ],
    [
      'condition with a syntax error',
      (f) =>
        ((node(f, 'ready')['conditions'] as { expression: string }[])[1]!.expression =
          'pricing.variancePct <='),
      { code: 'expr.syntax', nodeId: 'ready', field: 'conditions.1.expression' },
    ],
    [
      'condition that is not a bool',
      (f) =>
        ((node(f, 'ready')['conditions'] as { expression: string }[])[2]!.expression =
          'shipment.totalQty'),
      { code: 'expr.not-bool', nodeId: 'ready', field: 'conditions.2.expression' },
    ],
    [
      'connector input expression error',
      (f) =>
        ((node(f, 'post')['input'] as Record<string, unknown>)['quantity'] = {
          kind: 'expr',
          expr: 'shipment.qty',
        }),
      { code: 'expr.type', nodeId: 'post', field: 'input.quantity.expr' },
    ],
    [
      'waitForEvent filter that is not a bool',
      (f) => {
        f.nodes.push({
          id: 'w',
          type: 'waitForEvent',
          eventType: 'pod.received',
          filter: 'size(event) + 1',
        });
        f.edges.push({ id: 'e8', source: 'w', target: 'ready' });
        edge(f, 'e4')['target'] = 'w';
      },
      { code: 'expr.not-bool', nodeId: 'w', field: 'filter' },
    ],
    [
      'duration of an unknown parameter',
      (f) => (node(f, 'ready')['timeout'] = { param: 'nope' }),
      { code: 'duration.unknown-parameter', nodeId: 'ready', field: 'timeout' },
    ],
    [
      'duration of a non-duration parameter',
      (f) => (node(f, 'ready')['timeout'] = { param: 'tolerancePct' }),
      { code: 'duration.not-duration-parameter', nodeId: 'ready', field: 'timeout' },
    ],
    [
      'resultVariable not declared',
      (f) => (node(f, 'post')['resultVariable'] = 'bill'),
      { code: 'variable.undeclared', nodeId: 'post', field: 'resultVariable' },
    ],
    [
      'trigger assign not declared',
      (f) => (f.trigger.assign = 'released'),
      { code: 'variable.undeclared', nodeId: null, field: 'trigger.assign' },
    ],
    [
      'event binding assign not declared',
      (f) => (f.events![0]!.assign = 'ship'),
      { code: 'variable.undeclared', nodeId: null, field: 'events.0.assign' },
    ],
    [
      'duplicate variable',
      (f) => f.variables!.push({ name: 'pod', type: 'any' }),
      { code: 'variable.duplicate', nodeId: null, field: 'variables.6.name' },
    ],
    [
      'duplicate parameter',
      (f) => f.parameters!.push({ name: 'tolerancePct', type: 'number' }),
      { code: 'parameter.duplicate', nodeId: null, field: 'parameters.3.name' },
    ],
    [
      'duplicate condition id',
      (f) => ((node(f, 'ready')['conditions'] as { id: string }[])[1]!.id = 'shipmentConfirmed'),
      { code: 'condition.duplicate', nodeId: 'ready', field: 'conditions.1.id' },
    ],
    [
      'duplicate outcome id',
      (f) => ((node(f, 'logistics')['outcomes'] as { id: string }[])[1]!.id = 'retry'),
      { code: 'outcome.duplicate', nodeId: 'logistics', field: 'outcomes.1.id' },
    ],
    [
      'an event bound twice',
      (f) => f.events!.push({ type: 'pod.received' }),
      { code: 'event.duplicate-binding', nodeId: null, field: 'events.3.type' },
    ],
    [
      'a variable named params',
      (f) => f.variables!.push({ name: 'params', type: 'any' }),
      { code: 'variable.reserved', nodeId: null, field: 'variables.6.name' },
    ],
    [
      'a variable named event',
      (f) => f.variables!.push({ name: 'event', type: 'any' }),
      { code: 'variable.reserved', nodeId: null, field: 'variables.6.name' },
    ],
  ])('%s', (_, mutate, expected) => {
    const flow = base();
    mutate(flow);
    const problems = validate(flow);
    expect(problems).toContainEqual(expect.objectContaining({ severity: 'error', ...expected }));
  });

  test('reports every problem at once, schema and graph alike', () => {
    const flow = base();
    delete node(flow, 'logistics')['title'];
    edge(flow, 'e6')['target'] = 'nowhere';
    f2(flow);
    const codes = validate(flow).map((p) => p.code);
    expect(codes).toEqual(
      expect.arrayContaining(['schema.invalid_type', 'edge.unknown-target', 'variable.undeclared']),
    );
    // Edges to a node that exists but did not parse are not reported as unknown.
    expect(validate(flow).filter((p) => p.code === 'edge.unknown-target')).toHaveLength(1);
  });

  test('hasErrors ignores warnings', () => {
    const flow = base();
    flow.nodes.push({ id: 'orphan', type: 'end' });
    const problems = validate(flow);
    expect(problems.map((p) => p.severity)).toEqual(['warning']);
    expect(hasErrors(problems)).toBe(false);
    expect(hasErrors(validate({}))).toBe(true);
  });

  test('expression problems carry the column range', () => {
    const flow = base();
    (node(flow, 'ready')['conditions'] as { expression: string }[])[0]!.expression =
      'shipment.weight > 0';
    expect(validate(flow)).toContainEqual(
      expect.objectContaining({ code: 'expr.type', range: { start: 10, end: 16 } }),
    );
  });
});

function f2(flow: Flow): void {
  node(flow, 'post')['resultVariable'] = 'bill';
}

describe('validate with a connector catalogue', () => {
  const connectors: ConnectorCatalogEntry[] = [
    {
      id: 'erp',
      version: 1,
      operations: [
        {
          name: 'postInvoice',
          inputFields: ['orderNumber', 'quantity', 'currency', 'channel', 'note'],
          requiredInputs: ['orderNumber', 'currency'],
        },
      ],
    },
  ];

  test('the billing-readiness flow matches the catalogue', () => {
    expect(validate(base(), { connectors })).toEqual([]);
  });

  test.each<[string, (f: Flow) => void, { code: string; field: string }]>([
    [
      'unknown connector',
      (f) => (node(f, 'post')['connector'] = 'sap'),
      { code: 'connector.unknown', field: 'connector' },
    ],
    [
      'unknown connector version',
      (f) => (node(f, 'post')['connectorVersion'] = 2),
      { code: 'connector.unknown', field: 'connector' },
    ],
    [
      'unknown operation',
      (f) => (node(f, 'post')['operation'] = 'voidInvoice'),
      { code: 'connector.unknown-operation', field: 'operation' },
    ],
    [
      'missing required input',
      (f) => delete (node(f, 'post')['input'] as Record<string, unknown>)['currency'],
      { code: 'connector.missing-input', field: 'input.currency' },
    ],
    [
      'unknown input field',
      (f) =>
        ((node(f, 'post')['input'] as Record<string, unknown>)['colour'] = {
          kind: 'static',
          value: 1,
        }),
      { code: 'connector.unknown-input', field: 'input.colour' },
    ],
  ])('%s', (_, mutate, expected) => {
    const flow = base();
    mutate(flow);
    expect(validate(flow, { connectors })).toContainEqual(
      expect.objectContaining({ nodeId: 'post', severity: 'error', ...expected }),
    );
  });
});
