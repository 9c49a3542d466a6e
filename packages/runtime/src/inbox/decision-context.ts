/**
 * What an approver needs beside a task to decide it, read from the instance context: the order,
 * shipment, pricing and invoice lines side by side (per SKU), the price agreement against the
 * billed price, proof of delivery, an AI classification with its confidence, and the other facts
 * of the context. Pure: the same context always gives the same panels.
 * @module
 */
import { isRecord } from '../util.ts';

/** One SKU across the order, the shipment and the pricing/invoice. */
export interface DecisionLine {
  sku: string;
  orderedQty: number | null;
  orderedPrice: number | null;
  shippedQty: number | null;
  billedQty: number | null;
  billedPrice: number | null;
  contractPrice: number | null;
  variancePct: number | null;
  /** Shipped differs from ordered, or the billed price from the contract price. */
  mismatch: boolean;
}

export interface DecisionContext {
  /** Null when the context carries no lines at all. */
  lines: DecisionLine[] | null;
  pricing: { agreementId: string | null; variancePct: number | null } | null;
  pod: { documentId: string | null; receivedAt: string | null; signedBy: string | null } | null;
  ai: { variable: string; category: string; confidence: number; model: string | null } | null;
  /** The scalar fields of every other object variable (credit status, hold, dispute, …). */
  facts: { variable: string; fields: { name: string; value: string }[] }[];
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function linesOf(variable: unknown): Record<string, unknown>[] {
  if (!isRecord(variable) || !Array.isArray(variable.lines)) return [];
  return variable.lines.filter(isRecord);
}

/** Variables shown in their own panels rather than as facts. */
const PANEL_VARIABLES = new Set(['order', 'shipment', 'pricing', 'pod']);

/**
 * The decision panels of an instance context.
 *
 * ```ts
 * const panels = decisionContext(instance.context);
 * panels.lines?.filter((l) => l.mismatch);
 * ```
 */
export function decisionContext(context: Record<string, unknown>): DecisionContext {
  const bySku = new Map<string, DecisionLine>();
  const line = (sku: string): DecisionLine => {
    let row = bySku.get(sku);
    if (!row) {
      row = {
        sku,
        orderedQty: null,
        orderedPrice: null,
        shippedQty: null,
        billedQty: null,
        billedPrice: null,
        contractPrice: null,
        variancePct: null,
        mismatch: false,
      };
      bySku.set(sku, row);
    }
    return row;
  };
  for (const l of linesOf(context.order)) {
    const sku = str(l.sku);
    if (sku === null) continue;
    const row = line(sku);
    row.orderedQty = num(l.quantity);
    row.orderedPrice = num(l.unitPrice);
  }
  for (const l of linesOf(context.shipment)) {
    const sku = str(l.sku);
    if (sku === null) continue;
    line(sku).shippedQty = (line(sku).shippedQty ?? 0) + (num(l.shippedQty) ?? 0);
  }
  const billed = [...linesOf(context.pricing), ...linesOf(context.invoice)];
  for (const l of billed) {
    const sku = str(l.sku);
    if (sku === null) continue;
    const row = line(sku);
    row.billedQty = num(l.quantity) ?? row.billedQty;
    row.billedPrice = num(l.unitPrice) ?? row.billedPrice;
    row.contractPrice = num(l.contractPrice) ?? row.contractPrice;
    row.variancePct = num(l.variancePct) ?? row.variancePct;
  }
  for (const row of bySku.values()) {
    const qtyMismatch =
      row.orderedQty !== null && row.shippedQty !== null && row.shippedQty !== row.orderedQty;
    const priceMismatch =
      row.contractPrice !== null &&
      row.billedPrice !== null &&
      row.contractPrice !== row.billedPrice;
    row.mismatch =
      qtyMismatch || priceMismatch || (row.orderedQty === null && row.shippedQty !== null);
  }

  const pricingVar = context.pricing;
  const pricing = isRecord(pricingVar)
    ? { agreementId: str(pricingVar.agreementId), variancePct: num(pricingVar.variancePct) }
    : null;
  const podVar = context.pod;
  const pod = isRecord(podVar)
    ? {
        documentId: str(podVar.documentId),
        receivedAt: str(podVar.receivedAt),
        signedBy: str(podVar.signedBy),
      }
    : null;

  let ai: DecisionContext['ai'] = null;
  const facts: DecisionContext['facts'] = [];
  for (const [variable, value] of Object.entries(context).sort(([a], [b]) => a.localeCompare(b))) {
    if (!isRecord(value)) continue;
    const category = str(value.category);
    const confidence = num(value.confidence);
    if (ai === null && category !== null && confidence !== null) {
      ai = { variable, category, confidence, model: str(value.model) };
      continue;
    }
    if (PANEL_VARIABLES.has(variable)) continue;
    const fields = Object.entries(value)
      .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
      .map(([name, v]) => ({ name, value: String(v) }));
    if (fields.length > 0) facts.push({ variable, fields });
  }

  return { lines: bySku.size > 0 ? [...bySku.values()] : null, pricing, pod, ai, facts };
}
