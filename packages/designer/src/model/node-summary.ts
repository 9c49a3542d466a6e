/** The short text a canvas node shows under its name, and the labels of its exits. */
import { exceptionCategoryInfo, exitsOf } from '@waybill/shared';
import type { Duration, FlowNode } from '@waybill/shared';

/** `PT48H`, or `params.podWindow` for a duration taken from a parameter. */
export function formatDuration(duration: Duration | undefined): string {
  if (duration === undefined) return '';
  return typeof duration === 'string' ? duration : `params.${duration.param}`;
}

/**
 * Up to a few lines describing what the node does, e.g. a gate's condition labels.
 *
 * ```ts
 * summaryOf(gate); // ['Shipment confirmed', 'Freight rated', 'timeout PT48H']
 * ```
 */
export function summaryOf(node: FlowNode): string[] {
  switch (node.type) {
    case 'start':
      return [];
    case 'end':
      return [`outcome: ${node.outcome}`];
    case 'readinessGate':
      return [
        ...node.conditions.map((c) => c.label ?? c.id),
        ...(node.timeout ? [`timeout after ${formatDuration(node.timeout)}`] : []),
      ];
    case 'decision':
      return [
        `${node.conditions.length} ${node.conditions.length === 1 ? 'branch' : 'branches'} + default`,
      ];
    case 'connectorCall':
      return node.connector
        ? [`${node.connector} · ${node.operation || 'no operation'}`]
        : ['No connector chosen'];
    case 'waitForEvent':
      return [
        node.eventType || 'No event type',
        ...(node.timeout ? [`timeout after ${formatDuration(node.timeout)}`] : []),
      ];
    case 'timer':
      return [`wait ${formatDuration(node.delay) || '?'}`];
    case 'humanTask':
      return [
        node.candidateRoles.length > 0 ? `roles: ${node.candidateRoles.join(', ')}` : 'No roles',
        ...(node.dueIn ? [`due in ${formatDuration(node.dueIn)}`] : []),
      ];
    case 'parallel':
      return node.mode === 'split'
        ? [`${node.branches.length} branches`, node.join ? `join: ${node.join}` : 'No join chosen']
        : ['waits for every branch'];
    case 'subflow':
      return node.flow
        ? [`calls ${node.flow}${node.version === undefined ? '' : ` v${node.version}`}`]
        : ['No flow chosen'];
    case 'exception': {
      const info = exceptionCategoryInfo(node.category);
      return [
        info?.label ?? node.category,
        `owner ${node.ownerRole ?? info?.ownerRole ?? '?'} · SLA ${formatDuration(node.sla) || info?.sla || '?'}`,
        node.waitForResolution ? 'waits for resolution' : 'flow goes on',
      ];
    }
    case 'classify':
      return [
        `${node.categories.length} categories`,
        `auto at ≥ ${Math.round(node.threshold * 100)}%`,
      ];
  }
}

/** Each exit with the label to print beside its handle (outcome and condition labels). */
export function exitLabelsOf(node: FlowNode): { id: string; label: string }[] {
  return exitsOf(node).map((id) => {
    if (node.type === 'humanTask') {
      const outcome = node.outcomes.find((o) => o.id === id);
      return { id, label: outcome?.label || id };
    }
    if (node.type === 'decision') {
      const condition = node.conditions.find((c) => c.id === id);
      return { id, label: condition?.label || id };
    }
    if (node.type === 'parallel') {
      const branch = node.branches.find((b) => b.id === id);
      return { id, label: branch?.label || id };
    }
    if (node.type === 'exception') {
      const outcome = node.outcomes.find((o) => o.id === id);
      return { id, label: outcome?.label || id };
    }
    if (node.type === 'classify') return { id, label: exceptionCategoryInfo(id)?.label ?? id };
    return { id, label: id };
  });
}
