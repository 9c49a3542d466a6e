import { flowNodeSchema, flowNodeTypes } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import { defaultNode, nodeKinds } from './node-kinds.ts';

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
      // A connector call needs a connector and an operation before it is complete.
      if (kind === 'connectorCall' || kind === 'waitForEvent') continue;
      expect(parsed.success, `${kind}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });
});
