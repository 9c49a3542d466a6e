import { flowDefinitionSchema } from '@waybill/shared';
import type { FlowDefinition } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import template from '../../../../templates/billing-readiness/flow.json' with { type: 'json' };
import { diffFlows, mergeForDiff } from './flow-diff.ts';

const v1: FlowDefinition = flowDefinitionSchema.parse(template);

function v2(): FlowDefinition {
  const next = structuredClone(v1);
  // Moved: not a change.
  next.nodes = next.nodes.map((n) =>
    n.id === 'start' ? { ...n, position: { x: -500, y: -500 } } : n,
  );
  // Changed: a gate condition.
  next.nodes = next.nodes.map((n) =>
    n.type === 'readinessGate'
      ? {
          ...n,
          conditions: n.conditions.map((c, i) => (i === 0 ? { ...c, expression: 'true' } : c)),
        }
      : n,
  );
  // Removed: the posting-failed end and its edge; added: a review task in its place.
  next.nodes = next.nodes.filter((n) => n.id !== 'postingFailed');
  next.nodes.push({
    id: 'reviewFailure',
    type: 'humanTask',
    title: 'Review failed posting',
    candidateRoles: ['billing-clerk'],
    form: [],
    outcomes: [{ id: 'done', label: 'Done' }],
  });
  next.edges = next.edges.map((e) =>
    e.source === 'postInvoice' && e.sourceHandle === 'error'
      ? { ...e, id: 'e-review', target: 'reviewFailure' }
      : e,
  );
  return next;
}

describe('diffFlows', () => {
  const diff = diffFlows(v1, v2());

  it('finds added, removed and changed nodes, ignoring moves', () => {
    expect(diff.nodes.get('reviewFailure')).toBe('added');
    expect(diff.nodes.get('postingFailed')).toBe('removed');
    expect(diff.nodes.get('readyToBill')).toBe('changed');
    expect(diff.nodes.has('start')).toBe(false);
    expect(diff.changes.find((c) => c.id === 'readyToBill')?.fields).toEqual(['conditions']);
  });

  it('matches edges by what they connect', () => {
    expect(diff.edges.get('e-review')).toBe('added');
    const removed = [...diff.edges].filter(([, kind]) => kind === 'removed').map(([id]) => id);
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatch(/^removed:/);
    expect(diff.changes.filter((c) => c.element === 'edge')).toHaveLength(2);
  });

  it('sees no change between a version and itself', () => {
    const same = diffFlows(v1, structuredClone(v1));
    expect(same.changes).toEqual([]);
    expect(same.flowFields).toEqual([]);
  });

  it('reports flow-level changes', () => {
    const renamed = { ...v1, name: 'Billing readiness (EU)' };
    expect(diffFlows(v1, renamed).flowFields).toEqual(['name']);
  });
});

describe('mergeForDiff', () => {
  it('draws both versions: the newer one plus what was removed', () => {
    const merged = mergeForDiff(v1, v2());
    const ids = merged.nodes.map((n) => n.id);
    expect(ids).toContain('postingFailed');
    expect(ids).toContain('reviewFailure');
    const diff = diffFlows(v1, v2());
    for (const [id] of diff.edges) expect(merged.edges.some((e) => e.id === id)).toBe(true);
  });
});
