import type { FlowDefinition } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import { PASTE_OFFSET, copyNodes, freshId, pasteNodes } from './clipboard.ts';

function flow(): FlowDefinition {
  return {
    schemaVersion: 1,
    key: 'billing',
    name: 'Billing',
    trigger: { event: 'order.released' },
    variables: [],
    events: [],
    parameters: [],
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 } },
      {
        id: 'gate',
        type: 'readinessGate',
        position: { x: 200, y: 0 },
        conditions: [{ id: 'shipped', expression: 'true' }],
        timeout: 'PT48H',
      },
      { id: 'done', type: 'end', outcome: 'invoiced', position: { x: 400, y: 0 } },
      { id: 'late', type: 'end', outcome: 'late', position: { x: 400, y: 200 } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'gate' },
      { id: 'e2', source: 'gate', sourceHandle: 'ready', target: 'done' },
      { id: 'e3', source: 'gate', sourceHandle: 'timeout', target: 'late' },
    ],
  };
}

describe('copy and paste', () => {
  it('copies the selected nodes with only the edges between them', () => {
    const clip = copyNodes(flow(), ['gate', 'done']);
    expect(clip?.nodes.map((n) => n.id)).toEqual(['gate', 'done']);
    expect(clip?.edges.map((e) => e.id)).toEqual(['e2']);
    expect(copyNodes(flow(), [])).toBeNull();
  });

  it('pastes under new ids, rewires copied edges and shifts the nodes', () => {
    const original = flow();
    const clip = copyNodes(original, ['gate', 'done'])!;
    const { definition, nodeIds } = pasteNodes(original, clip);
    expect(nodeIds).toEqual(['gate_2', 'done_2']);
    expect(definition.nodes.find((n) => n.id === 'gate_2')?.position).toEqual({
      x: 200 + PASTE_OFFSET,
      y: PASTE_OFFSET,
    });
    const pastedEdge = definition.edges.at(-1);
    expect(pastedEdge).toMatchObject({ source: 'gate_2', target: 'done_2', sourceHandle: 'ready' });
    expect(new Set(definition.edges.map((e) => e.id)).size).toBe(definition.edges.length);
    // The originals are untouched.
    expect(definition.nodes.slice(0, 4)).toEqual(original.nodes);
  });

  it('keeps the clipboard independent of later edits and pastes again under other ids', () => {
    const original = flow();
    const clip = copyNodes(original, ['gate'])!;
    const first = pasteNodes(original, clip, 1);
    const second = pasteNodes(first.definition, clip, 2);
    expect(second.nodeIds).toEqual(['gate_3']);
    expect(second.definition.nodes.at(-1)?.position).toEqual({
      x: 200 + 2 * PASTE_OFFSET,
      y: 2 * PASTE_OFFSET,
    });
  });

  it('derives fresh ids from the stem of numbered ids', () => {
    expect(freshId('decision_3', new Set(['decision_2', 'decision_3']))).toBe('decision_4');
    expect(freshId('readyToBill', new Set())).toBe('readyToBill_2');
  });
});
