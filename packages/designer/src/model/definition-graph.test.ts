import type { FlowDefinition, Problem } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import {
  addNode,
  canvasDeriver,
  connect,
  deleteElements,
  freePosition,
  moveNodes,
  problemsByNode,
  replaceNode,
  toCanvas,
  worstSeverity,
} from './definition-graph.ts';

function flow(): FlowDefinition {
  return {
    schemaVersion: 1,
    key: 'billing',
    name: 'Billing',
    trigger: { event: 'order.released', assign: 'order' },
    variables: [],
    events: [],
    parameters: [],
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 } },
      {
        id: 'gate',
        type: 'readinessGate',
        position: { x: 200, y: 0 },
        conditions: [{ id: 'shipped', label: 'Shipped', expression: 'shipment != null' }],
        timeout: 'PT48H',
      },
      {
        id: 'review',
        type: 'humanTask',
        title: 'Review',
        candidateRoles: ['billing'],
        form: [],
        outcomes: [
          { id: 'approve', label: 'Approve' },
          { id: 'reject', label: 'Reject' },
        ],
      },
      { id: 'done', type: 'end', outcome: 'invoiced', position: { x: 400, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'gate' },
      { id: 'e2', source: 'gate', sourceHandle: 'ready', target: 'done' },
      { id: 'e3', source: 'gate', sourceHandle: 'timeout', target: 'review' },
      { id: 'e4', source: 'review', sourceHandle: 'approve', target: 'done' },
    ],
  };
}

const problem = (
  nodeId: string | null,
  severity: Problem['severity'],
  edgeId?: string,
): Problem => ({
  code: 'test',
  severity,
  nodeId,
  field: 'name',
  message: 'broken',
  ...(edgeId ? { edgeId } : {}),
});

describe('toCanvas', () => {
  it('draws one canvas node per definition node, typed by kind, at its stored position', () => {
    const { nodes } = toCanvas(flow());
    expect(nodes.map((n) => [n.id, n.type])).toEqual([
      ['start', 'start'],
      ['gate', 'readinessGate'],
      ['review', 'humanTask'],
      ['done', 'end'],
    ]);
    expect(nodes[1]?.position).toEqual({ x: 200, y: 0 });
    expect(nodes[1]?.data.flowNode.id).toBe('gate');
  });

  it('draws edges from the exit handle and labels branches by their exit (outcome or condition label)', () => {
    const { edges } = toCanvas(flow());
    const byId = new Map(edges.map((e) => [e.id, e]));
    expect(byId.get('e1')).toMatchObject({ source: 'start', sourceHandle: 'next', target: 'gate' });
    expect(byId.get('e1')?.label).toBeUndefined();
    expect(byId.get('e3')).toMatchObject({ sourceHandle: 'timeout', label: 'timeout' });
    expect(byId.get('e4')).toMatchObject({ sourceHandle: 'approve', label: 'Approve' });
  });

  it('prefers an edge label over the handle name', () => {
    const definition = flow();
    definition.edges[3] = { ...definition.edges[3]!, label: 'Approved' };
    const { edges } = toCanvas(definition);
    expect(edges[3]?.label).toBe('Approved');
  });

  it('does not draw an edge from a handle the node no longer has', () => {
    const definition = flow();
    definition.edges.push({
      id: 'stale',
      source: 'review',
      sourceHandle: 'escalate',
      target: 'done',
    });
    const stale = toCanvas(definition).edges.find((e) => e.id === 'stale');
    expect(stale?.sourceHandle).toBeNull();
  });

  it('attaches problems to their nodes and edges and marks the selection', () => {
    const { nodes, edges } = toCanvas(flow(), {
      problems: [
        problem('gate', 'warning'),
        problem('gate', 'error'),
        problem(null, 'error'),
        problem('review', 'warning', 'e4'),
      ],
      selection: { nodes: ['review'], edges: ['e2'] },
    });
    expect(nodes.find((n) => n.id === 'gate')?.data.problems).toHaveLength(2);
    expect(nodes.find((n) => n.id === 'start')?.data.problems).toHaveLength(0);
    expect(nodes.find((n) => n.id === 'review')?.selected).toBe(true);
    expect(edges.find((e) => e.id === 'e2')?.selected).toBe(true);
    expect(edges.find((e) => e.id === 'e4')?.className).toBe('edge-warning');
  });
});

describe('problems', () => {
  it('groups problems by node and skips flow-level ones', () => {
    const grouped = problemsByNode([
      problem('a', 'error'),
      problem('a', 'warning'),
      problem(null, 'error'),
      problem('b', 'warning'),
    ]);
    expect([...grouped.keys()]).toEqual(['a', 'b']);
    expect(grouped.get('a')).toHaveLength(2);
  });

  it('marks a node red when any problem is an error, amber when only warnings', () => {
    expect(worstSeverity([problem('a', 'warning'), problem('a', 'error')])).toBe('error');
    expect(worstSeverity([problem('a', 'warning')])).toBe('warning');
    expect(worstSeverity([])).toBeNull();
  });
});

describe('editing', () => {
  it('adds a node with a fresh id per kind and default settings', () => {
    const first = addNode(flow(), 'decision', { x: 10.4, y: 20.6 });
    expect(first.nodeId).toBe('decision_1');
    const second = addNode(first.definition, 'decision', { x: 0, y: 0 });
    expect(second.nodeId).toBe('decision_2');
    const added = second.definition.nodes.find((n) => n.id === 'decision_1');
    expect(added).toMatchObject({ type: 'decision', position: { x: 10, y: 21 } });
    expect(added?.type === 'decision' && added.conditions.length).toBe(1);
  });

  it('connects an exit with its sourceHandle and replaces the edge that left the same exit', () => {
    const next = connect(flow(), { source: 'gate', sourceHandle: 'timeout', target: 'done' });
    const fromTimeout = next.edges.filter(
      (e) => e.source === 'gate' && e.sourceHandle === 'timeout',
    );
    expect(fromTimeout).toEqual([
      { id: 'gate-timeout-done', source: 'gate', sourceHandle: 'timeout', target: 'done' },
    ]);
    expect(next.edges).toHaveLength(4);
  });

  it('stores no sourceHandle for single-exit nodes', () => {
    const next = connect(flow(), { source: 'start', sourceHandle: 'next', target: 'review' });
    expect(next.edges.filter((e) => e.source === 'start')).toEqual([
      { id: 'start-next-review', source: 'start', target: 'review' },
    ]);
  });

  it('refuses edges into a start node or out of an end node', () => {
    const definition = flow();
    expect(connect(definition, { source: 'gate', sourceHandle: 'ready', target: 'start' })).toBe(
      definition,
    );
    expect(connect(definition, { source: 'done', target: 'gate' })).toBe(definition);
  });

  it('deletes nodes together with their edges, and single edges', () => {
    const withoutGate = deleteElements(flow(), { nodes: ['gate'] });
    expect(withoutGate.nodes.map((n) => n.id)).toEqual(['start', 'review', 'done']);
    expect(withoutGate.edges.map((e) => e.id)).toEqual(['e4']);
    const withoutEdge = deleteElements(flow(), { edges: ['e2'] });
    expect(withoutEdge.edges.map((e) => e.id)).toEqual(['e1', 'e3', 'e4']);
  });

  it('stores moved positions rounded to whole pixels', () => {
    const next = moveNodes(flow(), new Map([['review', { x: 100.2, y: 50.7 }]]));
    expect(next.nodes.find((n) => n.id === 'review')?.position).toEqual({ x: 100, y: 51 });
  });

  it('keeps edges on a renamed outcome and drops edges of a removed exit', () => {
    const definition = flow();
    const review = definition.nodes[2]!;
    if (review.type !== 'humanTask') throw new Error('fixture');
    const renamed = replaceNode(definition, {
      ...review,
      outcomes: [
        { id: 'accept', label: 'Accept' },
        { id: 'reject', label: 'Reject' },
      ],
    });
    expect(renamed.edges.find((e) => e.id === 'e4')?.sourceHandle).toBe('accept');

    const gate = definition.nodes[1]!;
    if (gate.type !== 'readinessGate') throw new Error('fixture');
    const { timeout: _timeout, ...withoutTimeout } = gate;
    const noTimeout = replaceNode(definition, withoutTimeout);
    expect(noTimeout.edges.map((e) => e.id)).toEqual(['e1', 'e2', 'e4']);
  });
});

describe('freePosition', () => {
  it('keeps a free spot and moves down past nodes that are in the way', () => {
    const definition = flow();
    expect(freePosition(definition, { x: 0, y: 500 })).toEqual({ x: 0, y: 500 });
    const spot = freePosition(definition, { x: 10, y: 10 });
    expect(spot.x).toBe(10);
    expect(spot.y).toBeGreaterThanOrEqual(96 + 16);
  });
});

describe('canvasDeriver', () => {
  it('keeps the objects of nodes and edges whose inputs did not change', () => {
    const derive = canvasDeriver();
    const definition = flow();
    const nodes = derive.nodes(definition);
    const edges = derive.edges(definition);
    const moved = moveNodes(definition, new Map([['gate', { x: 240, y: 16 }]]));
    const again = derive.nodes(moved);
    expect(again.map((n, i) => n === nodes[i])).toEqual([true, false, true, true]);
    expect(again[1]?.position).toEqual({ x: 240, y: 16 });
    // The edges leaving the moved gate are labelled after it, so they are derived again.
    const edgesAgain = derive.edges(moved);
    expect(edgesAgain.map((e, i) => e === edges[i])).toEqual([true, false, false, true]);
  });

  it('gives a measured or selected node a new object but keeps its data for the card', () => {
    const derive = canvasDeriver();
    const definition = flow();
    const [, gate] = derive.nodes(definition);
    const sizes = new Map([['gate', { width: 200, height: 120 }]]);
    const [, measured] = derive.nodes(definition, { sizes });
    expect(measured).not.toBe(gate);
    expect(measured?.measured).toEqual({ width: 200, height: 120 });
    expect(measured?.data).toBe(gate?.data);
    const selection = { nodes: ['gate'], edges: [] };
    const [start, selected] = derive.nodes(definition, { sizes, selection });
    expect(selected?.selected).toBe(true);
    expect(selected?.data).toBe(gate?.data);
    expect(derive.nodes(definition, { sizes, selection })[0]).toBe(start);
  });

  it('derives a node again when its problems change, not when a validation repeats them', () => {
    const derive = canvasDeriver();
    const definition = flow();
    const [first] = derive.nodes(definition, { problems: [problem('start', 'warning')] });
    const [repeated] = derive.nodes(definition, { problems: [problem('start', 'warning')] });
    expect(repeated).toBe(first);
    const [worse] = derive.nodes(definition, { problems: [problem('start', 'error')] });
    expect(worse?.data.problems.map((p) => p.severity)).toEqual(['error']);
  });
});
