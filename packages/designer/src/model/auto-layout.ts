/**
 * Left-to-right layered layout with ELK, for the toolbar's "Tidy up" and for definitions that
 * arrive without positions (imported, or written by hand).
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { FlowDefinition } from '@waybill/shared';
import { moveNodes } from './definition-graph.ts';
import type { Size } from './definition-graph.ts';

const elk = new ELK();

/** Size assumed for nodes the canvas has not measured yet. */
export const defaultNodeSize: Size = { width: 200, height: 96 };

/**
 * Returns the definition with every node positioned by ELK's layered algorithm.
 *
 * ```ts
 * const tidy = await autoLayout(definition, measuredSizes);
 * ```
 */
export async function autoLayout(
  definition: FlowDefinition,
  sizes: ReadonlyMap<string, Size> = new Map(),
): Promise<FlowDefinition> {
  const ids = new Set(definition.nodes.map((n) => n.id));
  const graph = await elk.layout({
    id: 'flow',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.spacing.nodeNode': '50',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.edgeRouting': 'ORTHOGONAL',
    },
    children: definition.nodes.map((n) => ({ id: n.id, ...(sizes.get(n.id) ?? defaultNodeSize) })),
    edges: definition.edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const positions = new Map<string, { x: number; y: number }>();
  for (const child of graph.children ?? []) {
    positions.set(child.id, { x: child.x ?? 0, y: child.y ?? 0 });
  }
  return moveNodes(definition, positions);
}
