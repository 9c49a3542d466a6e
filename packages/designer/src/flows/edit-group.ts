/**
 * Which undo step an edit from a properties panel belongs to: edits of the same fields of the
 * same node (typing a name letter by letter) merge into one step; an edit of another field, or
 * of another node, starts a new one.
 */
import type { FlowNode } from '@waybill/shared';

/**
 * `node:gate:name` for a rename of node `gate`; `flow:variables` for a flow-level edit.
 *
 * ```ts
 * editGroup(node, { ...node, name: 'Ready?' }); // 'node:gate:name'
 * ```
 */
export function editGroup(
  before: FlowNode | object,
  after: FlowNode | object,
  scope?: string,
): string {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed = [...keys]
    .filter((key) => JSON.stringify(field(before, key)) !== JSON.stringify(field(after, key)))
    .sort();
  const owner =
    scope ?? ('id' in before && typeof before.id === 'string' ? `node:${before.id}` : 'flow');
  return `${owner}:${changed.join(',')}`;
}

function field(value: object, key: string): unknown {
  return Object.entries(value).find(([k]) => k === key)?.[1];
}
