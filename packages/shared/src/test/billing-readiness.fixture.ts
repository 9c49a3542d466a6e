/**
 * A realistic billing-readiness flow for tests: an order is released; the invoice may be posted
 * once the shipment is confirmed, pricing is validated and, where the customer requires it, the
 * proof of delivery is in. Logistics decides when readiness times out.
 */
import { flowDefinitionSchema } from '../flow.schema.ts';
import type { FlowDefinition, FlowDefinitionInput } from '../flow.schema.ts';

export const billingReadinessInput = {
  key: 'billing-readiness',
  name: 'Billing readiness',
  trigger: { event: 'order.released', assign: 'order' },
  parameters: [
    { name: 'tolerancePct', type: 'number', default: 2 },
    { name: 'readinessSla', type: 'duration', default: 'P3D' },
    { name: 'logisticsRole', type: 'string', default: 'logistics' },
  ],
  variables: [
    {
      name: 'order',
      type: {
        object: {
          orderNumber: 'string',
          customerId: 'string',
          podRequired: 'boolean',
          lineCount: 'integer',
        },
      },
    },
    {
      name: 'shipment',
      type: {
        object: {
          shipmentId: 'string',
          totalQty: 'number',
          lines: { list: { object: { sku: 'string', qty: 'number' } } },
        },
      },
    },
    { name: 'pricing', type: { object: { variancePct: 'number', currency: 'string' } } },
    { name: 'pod', type: { object: { signedBy: 'string', signedAt: 'timestamp' } } },
    { name: 'review', type: 'any' },
    { name: 'invoice', type: 'any' },
  ],
  events: [
    { type: 'shipment.confirmed', assign: 'shipment' },
    { type: 'pricing.validated', assign: 'pricing' },
    { type: 'pod.received', assign: 'pod' },
  ],
  nodes: [
    { id: 'start', type: 'start' },
    {
      id: 'ready',
      type: 'readinessGate',
      timeout: { param: 'readinessSla' },
      conditions: [
        { id: 'shipmentConfirmed', expression: 'shipment != null && shipment.totalQty > 0' },
        {
          id: 'pricingValidated',
          expression: 'pricing != null && pricing.variancePct <= params.tolerancePct',
        },
        { id: 'podIfRequired', expression: '!order.podRequired || pod != null' },
      ],
    },
    {
      id: 'logistics',
      type: 'humanTask',
      title: 'Order not ready for billing',
      candidateRoles: ['logistics'],
      outcomes: [
        { id: 'retry', label: 'Wait again' },
        { id: 'cancel', label: 'Do not invoice' },
      ],
      resultVariable: 'review',
      dueIn: 'PT8H',
    },
    {
      id: 'post',
      type: 'connectorCall',
      connector: 'erp',
      operation: 'postInvoice',
      input: {
        orderNumber: { kind: 'expr', expr: 'order.orderNumber' },
        quantity: { kind: 'expr', expr: 'shipment.totalQty' },
        currency: { kind: 'expr', expr: 'pricing.currency' },
        channel: { kind: 'static', value: 'waybill' },
      },
      resultVariable: 'invoice',
    },
    { id: 'invoiced', type: 'end', outcome: 'invoiced' },
    { id: 'cancelled', type: 'end', outcome: 'cancelled' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'ready' },
    { id: 'e2', source: 'ready', sourceHandle: 'ready', target: 'post' },
    { id: 'e3', source: 'ready', sourceHandle: 'timeout', target: 'logistics' },
    { id: 'e4', source: 'logistics', sourceHandle: 'retry', target: 'ready' },
    { id: 'e5', source: 'logistics', sourceHandle: 'cancel', target: 'cancelled' },
    { id: 'e6', source: 'post', sourceHandle: 'success', target: 'invoiced' },
    { id: 'e7', source: 'post', sourceHandle: 'error', target: 'logistics' },
  ],
} satisfies FlowDefinitionInput;

export const billingReadiness: FlowDefinition = flowDefinitionSchema.parse(billingReadinessInput);

export const releasedOrder = {
  orderNumber: 'SO-1001',
  customerId: 'C-42',
  podRequired: false,
  lineCount: 2,
};
export const confirmedShipment = {
  shipmentId: 'SH-9',
  totalQty: 12,
  lines: [
    { sku: 'A-1', qty: 10 },
    { sku: 'B-2', qty: 2 },
  ],
};
export const validatedPricing = { variancePct: 0.5, currency: 'EUR' };
export const receivedPod = { signedBy: 'J. Doe', signedAt: '2025-03-01T10:00:00Z' };
