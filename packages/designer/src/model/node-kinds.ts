import type { FlowNode, FlowNodeType } from '@waybill/shared';

/** What the palette and the canvas show for one node kind. */
export interface NodeKindInfo {
  kind: FlowNodeType;
  label: string;
  description: string;
  /** Accent colour (CSS) for the badge and the palette item. */
  accent: string;
}

/** Every node kind the designer can draw, in palette order. */
export const nodeKinds: readonly NodeKindInfo[] = [
  {
    kind: 'start',
    label: 'Start',
    description: 'Where an instance begins, when the trigger event arrives.',
    accent: '#16a34a',
  },
  {
    kind: 'readinessGate',
    label: 'Readiness gate',
    description: 'Waits until every condition holds, re-checked after each event.',
    accent: '#0891b2',
  },
  {
    kind: 'decision',
    label: 'Decision',
    description: 'Branches on the first condition that holds, else default.',
    accent: '#d97706',
  },
  {
    kind: 'connectorCall',
    label: 'Connector call',
    description: 'Calls an ERP, WMS or TMS operation; success or error.',
    accent: '#7c3aed',
  },
  {
    kind: 'waitForEvent',
    label: 'Wait for event',
    description: 'Waits for one business event, optionally with a timeout.',
    accent: '#2563eb',
  },
  {
    kind: 'timer',
    label: 'Timer',
    description: 'Waits for a fixed duration, then continues.',
    accent: '#64748b',
  },
  {
    kind: 'humanTask',
    label: 'Human task',
    description: 'An inbox task for a role; leaves through the chosen outcome.',
    accent: '#db2777',
  },
  {
    kind: 'parallel',
    label: 'Parallel',
    description: 'Splits into branches that run at once; a join waits for all of them.',
    accent: '#0d9488',
  },
  {
    kind: 'subflow',
    label: 'Subflow',
    description: 'Starts a published flow and waits for its outcome.',
    accent: '#4f46e5',
  },
  {
    kind: 'exception',
    label: 'Exception',
    description: 'Raises a billing exception with its owner role and SLA.',
    accent: '#ea580c',
  },
  {
    kind: 'classify',
    label: 'Classify',
    description: 'AI triage: routes by category when confident, else a person decides.',
    accent: '#9333ea',
  },
  {
    kind: 'end',
    label: 'End',
    description: 'Finishes the instance with an outcome.',
    accent: '#dc2626',
  },
];

const byKind = new Map(nodeKinds.map((info) => [info.kind, info]));

/** The palette entry for a kind. */
export function kindInfo(kind: FlowNodeType): NodeKindInfo {
  const info = byKind.get(kind);
  if (!info) throw new Error(`Unknown node kind "${kind}"`);
  return info;
}

/** Whether a string names a node kind the designer knows. */
export function isNodeKind(value: string): value is FlowNodeType {
  return byKind.has(value as FlowNodeType);
}

/**
 * A node of `kind` with sensible defaults, so a freshly dropped node is almost valid and the
 * problems panel points at the one or two fields the user still has to fill in.
 */
export function defaultNode(
  kind: FlowNodeType,
  id: string,
  position: { x: number; y: number },
): FlowNode {
  const base = { id, position };
  switch (kind) {
    case 'start':
      return { ...base, type: 'start', name: 'Start' };
    case 'end':
      return { ...base, type: 'end', name: 'Done', outcome: 'completed' };
    case 'decision':
      return {
        ...base,
        type: 'decision',
        name: 'Decision',
        conditions: [{ id: 'yes', label: 'Yes', expression: 'true' }],
      };
    case 'readinessGate':
      return {
        ...base,
        type: 'readinessGate',
        name: 'Ready to bill?',
        conditions: [{ id: 'condition1', label: 'Condition', expression: 'true' }],
      };
    case 'connectorCall':
      return {
        ...base,
        type: 'connectorCall',
        name: 'Call connector',
        connector: '',
        connectorVersion: 1,
        operation: '',
        input: {},
      };
    case 'waitForEvent':
      return { ...base, type: 'waitForEvent', name: 'Wait for event', eventType: '' };
    case 'timer':
      return { ...base, type: 'timer', name: 'Wait', delay: 'PT1H' };
    case 'humanTask':
      return {
        ...base,
        type: 'humanTask',
        name: 'Review',
        title: 'Review',
        candidateRoles: ['billing'],
        form: [],
        outcomes: [
          { id: 'approve', label: 'Approve' },
          { id: 'reject', label: 'Reject' },
        ],
      };
    case 'parallel':
      return {
        ...base,
        type: 'parallel',
        name: 'In parallel',
        mode: 'split',
        branches: [
          { id: 'a', label: 'Branch A' },
          { id: 'b', label: 'Branch B' },
        ],
      };
    case 'subflow':
      return {
        ...base,
        type: 'subflow',
        name: 'Subflow',
        flow: '',
        input: {},
        outcomes: ['completed'],
      };
    case 'exception':
      return {
        ...base,
        type: 'exception',
        name: 'Raise exception',
        category: 'pricingVariance',
        severity: 'medium',
        details: {},
        openTask: true,
        waitForResolution: false,
        outcomes: [{ id: 'resolved', label: 'Resolved' }],
      };
    case 'classify':
      return {
        ...base,
        type: 'classify',
        name: 'Triage',
        text: '',
        features: {},
        categories: ['pricingVariance', 'missingPod'],
        threshold: 0.8,
        reviewRoles: ['exceptions'],
      };
  }
}
