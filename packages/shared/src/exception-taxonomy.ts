/**
 * The billing exception taxonomy: every category a flow can raise, with the role that usually
 * owns it, its default SLA (how long until it must be resolved) and the typical resolution.
 * The designer offers these categories on `exception` nodes; business units may override owner
 * and SLA per node or through parameters.
 *
 * ```ts
 * import { exceptionTaxonomy, exceptionCategoryInfo } from '@waybill/shared';
 * exceptionCategoryInfo('missingPod'); // { ownerRole: 'logistics', sla: 'P3D', … }
 * ```
 * @module
 */

/** Category ids, stable in flow definitions. */
export const exceptionCategories = [
  'pricingVariance',
  'quantityMismatch',
  'missingPod',
  'freightCharge',
  'taxDiscrepancy',
  'creditHold',
  'duplicateBilling',
  'customerDispute',
  'integrationFailure',
] as const;

export type ExceptionCategory = (typeof exceptionCategories)[number];

export interface ExceptionCategoryInfo {
  id: ExceptionCategory;
  label: string;
  /** The role that usually owns the exception (an inbox role). */
  ownerRole: string;
  /** Default time to resolve, as an ISO-8601 duration. */
  sla: string;
  /** How it is usually resolved, shown as guidance. */
  resolution: string;
}

/**
 * Every category with its owner, SLA and typical resolution, in the order a user reads them.
 *
 * ```ts
 * exceptionTaxonomy.map((c) => c.label); // ['Pricing variance', 'Quantity mismatch / short shipment', …]
 * ```
 */
export const exceptionTaxonomy: readonly ExceptionCategoryInfo[] = [
  {
    id: 'pricingVariance',
    label: 'Pricing variance',
    ownerRole: 'pricing',
    sla: 'PT24H',
    resolution: 'Accept, re-price or issue a credit memo; auto-accept under tolerance.',
  },
  {
    id: 'quantityMismatch',
    label: 'Quantity mismatch / short shipment',
    ownerRole: 'warehouse',
    sla: 'PT24H',
    resolution: 'Confirm the shipped quantity; split or backorder; bill what shipped.',
  },
  {
    id: 'missingPod',
    label: 'Missing proof of delivery',
    ownerRole: 'logistics',
    sla: 'P3D',
    resolution: 'Chase the carrier; release on receipt; escalate after the SLA.',
  },
  {
    id: 'freightCharge',
    label: 'Freight charge late or disputed',
    ownerRole: 'transportation',
    sla: 'P2D',
    resolution: 'Apply a freight adjustment; rebill.',
  },
  {
    id: 'taxDiscrepancy',
    label: 'Tax discrepancy',
    ownerRole: 'tax',
    sla: 'PT24H',
    resolution: 'Recalculate and correct.',
  },
  {
    id: 'creditHold',
    label: 'Credit hold',
    ownerRole: 'credit',
    sla: 'PT8H',
    resolution: 'Approve the release, require prepayment, or reject.',
  },
  {
    id: 'duplicateBilling',
    label: 'Duplicate billing suspected',
    ownerRole: 'accounts-receivable',
    sla: 'PT4H',
    resolution: 'Void the duplicate or confirm it is distinct.',
  },
  {
    id: 'customerDispute',
    label: 'Customer dispute / deduction',
    ownerRole: 'customer-service',
    sla: 'P5D',
    resolution: 'Categorise, resolve, then credit memo or collect.',
  },
  {
    id: 'integrationFailure',
    label: 'Integration failure',
    ownerRole: 'integration',
    sla: 'PT2H',
    resolution: 'Retry, fix the mapping, replay the message.',
  },
];

/**
 * The taxonomy entry of a category id; `undefined` for an id that is not in the taxonomy.
 *
 * ```ts
 * exceptionCategoryInfo('creditHold')?.ownerRole; // 'credit'
 * ```
 */
export function exceptionCategoryInfo(id: string): ExceptionCategoryInfo | undefined {
  return exceptionTaxonomy.find((c) => c.id === id);
}
