import { flowNodeSchema, flowNodeTypes } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import { defaultNode, kindInfo, nodeKinds } from './node-kinds.ts';
import { exitLabelsOf, summaryOf } from './node-summary.ts';

describe('node kinds', () => {
  it('offers every node kind of the flow schema in the palette, with a label and description', () => {
    expect(nodeKinds.map((k) => k.kind).sort()).toEqual([...flowNodeTypes].sort());
    for (const info of nodeKinds) {
      expect(info.label).not.toBe('');
      expect(info.description.length).toBeGreaterThan(10);
    }
  });

  it('creates nodes of every kind that the flow schema accepts', () => {
    for (const kind of flowNodeTypes) {
      const node = defaultNode(kind, `${kind}_1`, { x: 0, y: 0 });
      const parsed = flowNodeSchema.safeParse(node);
      // These need a connector, an event type, a called flow or a text before they are complete.
      if (['connectorCall', 'waitForEvent', 'subflow', 'classify'].includes(kind)) continue;
      expect(parsed.success, `${kind}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });
});

describe('parallel, subflow, exception and classify', () => {
  it('drops a parallel node as a split with two branches, each an exit', () => {
    const split = defaultNode('parallel', 'fork', { x: 0, y: 0 });
    expect(exitLabelsOf(split)).toEqual([
      { id: 'a', label: 'Branch A' },
      { id: 'b', label: 'Branch B' },
    ]);
    expect(summaryOf(split)).toEqual(['2 branches', 'No join chosen']);
    expect(kindInfo('parallel').description).toMatch(/join/);
  });

  it('drops a subflow that asks for the flow to call and has a failed exit', () => {
    const call = defaultNode('subflow', 'chase', { x: 0, y: 0 });
    expect(summaryOf(call)).toEqual(['No flow chosen']);
    expect(exitLabelsOf(call).map((e) => e.id)).toEqual(['completed', 'failed']);
    const parsed = flowNodeSchema.safeParse(call);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['flow']);
  });

  it("drops an exception showing its category's owner and SLA from the taxonomy", () => {
    const raise = defaultNode('exception', 'raise', { x: 0, y: 0 });
    expect(summaryOf(raise)).toEqual([
      'Pricing variance',
      'owner pricing · SLA PT24H',
      'flow goes on',
    ]);
    expect(exitLabelsOf(raise)).toEqual([{ id: 'next', label: 'next' }]);
  });

  it('drops a classify node whose exits are its categories, labelled from the taxonomy', () => {
    const triage = defaultNode('classify', 'triage', { x: 0, y: 0 });
    expect(exitLabelsOf(triage)).toEqual([
      { id: 'pricingVariance', label: 'Pricing variance' },
      { id: 'missingPod', label: 'Missing proof of delivery' },
    ]);
    expect(summaryOf(triage)).toEqual(['2 categories', 'auto at ≥ 80%']);
  });
});
