/** Small inline flows for the engine tests. */
import type { FlowDefinitionInput } from '@waybill/shared';

const orderType = {
  object: {
    orderNumber: 'string',
    customerId: 'string',
    currency: 'string',
    lines: { list: { object: { sku: 'string', quantity: 'number', unitPrice: 'number' } } },
  },
} as const;

/** Waits for shipment and pricing (in any order), then posts the invoice to the ERP sandbox. */
export const invoiceFlow = {
  key: 'invoice-when-ready',
  name: 'Invoice when ready',
  trigger: { event: 'order.released', assign: 'order' },
  variables: [
    { name: 'order', type: orderType },
    { name: 'shipment', type: { object: { shipmentId: 'string' } } },
    { name: 'pricing', type: { object: { variancePct: 'number' } } },
    { name: 'invoice', type: 'any' },
  ],
  events: [
    { type: 'shipment.confirmed', assign: 'shipment' },
    { type: 'pricing.validated', assign: 'pricing' },
  ],
  nodes: [
    { id: 'start', type: 'start' },
    {
      id: 'ready',
      type: 'readinessGate',
      conditions: [
        { id: 'shipped', expression: 'shipment != null' },
        { id: 'priced', expression: 'pricing != null' },
      ],
    },
    {
      id: 'post',
      type: 'connectorCall',
      connector: 'waybill.erp-sandbox',
      operation: 'postInvoice',
      input: {
        orderNumber: { kind: 'expr', expr: 'order.orderNumber' },
        customerId: { kind: 'expr', expr: 'order.customerId' },
        currency: { kind: 'expr', expr: 'order.currency' },
        lines: { kind: 'expr', expr: 'order.lines' },
        shipmentId: { kind: 'expr', expr: 'shipment.shipmentId' },
      },
      resultVariable: 'invoice',
      retry: { maxAttempts: 2, initialIntervalMs: 0, backoffCoefficient: 1, maxIntervalMs: 0 },
    },
    { id: 'invoiced', type: 'end', outcome: 'invoiced' },
    { id: 'notInvoiced', type: 'end', outcome: 'not-invoiced' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'ready' },
    { id: 'e2', source: 'ready', sourceHandle: 'ready', target: 'post' },
    { id: 'e3', source: 'post', sourceHandle: 'success', target: 'invoiced' },
    { id: 'e4', source: 'post', sourceHandle: 'error', target: 'notInvoiced' },
  ],
} satisfies FlowDefinitionInput;

/** A person approves first; only then does the flow wait for proof of delivery. */
export const approveThenPodFlow = {
  key: 'approve-then-pod',
  name: 'Approve, then wait for POD',
  trigger: { event: 'order.released', assign: 'order' },
  variables: [
    { name: 'order', type: 'any' },
    { name: 'pod', type: 'any' },
    { name: 'approval', type: 'any' },
  ],
  nodes: [
    { id: 'start', type: 'start' },
    {
      id: 'approve',
      type: 'humanTask',
      title: 'Approve billing',
      candidateRoles: ['billing'],
      form: [{ id: 'comment', label: 'Comment', type: 'string', required: true }],
      outcomes: [
        { id: 'approve', label: 'Approve' },
        { id: 'reject', label: 'Reject' },
      ],
      resultVariable: 'approval',
    },
    { id: 'waitPod', type: 'waitForEvent', eventType: 'pod.received', assign: 'pod' },
    { id: 'done', type: 'end', outcome: 'delivered' },
    { id: 'rejected', type: 'end', outcome: 'rejected' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'approve' },
    { id: 'e2', source: 'approve', sourceHandle: 'approve', target: 'waitPod' },
    { id: 'e3', source: 'approve', sourceHandle: 'reject', target: 'rejected' },
    { id: 'e4', source: 'waitPod', sourceHandle: 'event', target: 'done' },
  ],
} satisfies FlowDefinitionInput;

/** Waits a day, then finishes. */
export const timerFlow = {
  key: 'wait-a-day',
  name: 'Wait a day',
  trigger: { event: 'order.released' },
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'wait', type: 'timer', delay: 'P1D' },
    { id: 'done', type: 'end', outcome: 'waited' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'wait' },
    { id: 'e2', source: 'wait', target: 'done' },
  ],
} satisfies FlowDefinitionInput;

/** Also starts on order.released: a second instance per correlation key. */
export const auditFlow = {
  key: 'shipment-audit',
  name: 'Shipment audit',
  trigger: { event: 'order.released' },
  variables: [{ name: 'shipment', type: 'any' }],
  nodes: [
    { id: 'start', type: 'start' },
    {
      id: 'waitShipment',
      type: 'waitForEvent',
      eventType: 'shipment.confirmed',
      assign: 'shipment',
    },
    { id: 'done', type: 'end', outcome: 'audited' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'waitShipment' },
    { id: 'e2', source: 'waitShipment', sourceHandle: 'event', target: 'done' },
  ],
} satisfies FlowDefinitionInput;

/** Released order → wait a second → post the invoice to the ERP → invoiced (fault tests). */
export const waitThenInvoiceFlow = {
  key: 'wait-then-invoice',
  name: 'Wait, then invoice',
  trigger: { event: 'order.released', assign: 'order' },
  variables: [
    { name: 'order', type: 'any' },
    { name: 'invoice', type: 'any' },
  ],
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'wait', type: 'timer', delay: 'PT1S' },
    {
      id: 'post',
      type: 'connectorCall',
      connector: 'waybill.erp-sandbox',
      operation: 'postInvoice',
      input: {
        orderNumber: { kind: 'expr', expr: 'order.orderNumber' },
        customerId: { kind: 'expr', expr: 'order.customerId' },
        currency: { kind: 'expr', expr: 'order.currency' },
        lines: { kind: 'expr', expr: 'order.lines' },
        shipmentId: { kind: 'expr', expr: 'order.shipmentId' },
      },
      resultVariable: 'invoice',
      retry: { maxAttempts: 10, initialIntervalMs: 100, backoffCoefficient: 1, maxIntervalMs: 100 },
    },
    { id: 'invoiced', type: 'end', outcome: 'invoiced' },
    { id: 'notInvoiced', type: 'end', outcome: 'not-invoiced' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'wait' },
    { id: 'e2', source: 'wait', target: 'post' },
    { id: 'e3', source: 'post', sourceHandle: 'success', target: 'invoiced' },
    { id: 'e4', source: 'post', sourceHandle: 'error', target: 'notInvoiced' },
  ],
} satisfies FlowDefinitionInput;

export const releasedOrder = {
  orderNumber: 'SO-1001',
  customerId: 'C-100',
  currency: 'USD',
  lines: [
    { sku: 'A-1', quantity: 4, unitPrice: 12.5 },
    { sku: 'B-2', quantity: 1, unitPrice: 99 },
  ],
};
