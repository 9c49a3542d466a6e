/**
 * A generator of labelled exceptions as a distributor's finance team writes and resolves them,
 * for every category of the taxonomy: varied phrasing (system messages, emails, notes by
 * hand), identifiers and amounts, abbreviations and typos, structured features that lean
 * towards a category without giving it away, messages that genuinely sit between two
 * categories (a customer disputing a price; a duplicate created by an EDI retransmission), a
 * share of vague notes, and a few labels a person got wrong. A model trained on it cannot be
 * perfect, and its figures say how it copes with the mess of a real queue.
 * @module
 */
import { exceptionCategories, type ExceptionCategory } from '@waybill/shared';
import { demoWarehouses } from '../demo/month-plan.ts';
import type { LabelledExample } from './model.ts';
import { seededRandom } from './model.ts';

export interface GenerateOptions {
  count: number;
  /** Default 7: the same seed gives the same examples. */
  seed?: number;
  /** Share of examples whose label was set wrongly by a person (default 0.04). */
  labelNoise?: number;
  /** Share of vague notes that could be several categories (default 0.06). */
  vague?: number;
  /** Share of texts with an aside about another category (default 0.3). */
  asides?: number;
}

/** How often each category shows up in a distributor's exception queue. */
const mix: Record<ExceptionCategory, number> = {
  pricingVariance: 0.2,
  quantityMismatch: 0.15,
  missingPod: 0.14,
  freightCharge: 0.12,
  customerDispute: 0.12,
  creditHold: 0.1,
  taxDiscrepancy: 0.06,
  integrationFailure: 0.06,
  duplicateBilling: 0.05,
};

const carriers = ['ODFL', 'XPOL', 'SAIA', 'FXFE', 'ESTES', 'RLCA', 'UPGF'];
const skus = ['PAL-4812', 'BOX-2020', 'TAPE-48', 'WRAP-500', 'LBL-100', 'GLV-NIT-L', 'CUP-12OZ'];
const people = ['Dana', 'Luis', 'Priya', 'Tom', 'Mei', 'Sam', 'Ola'];
const states = ['TX', 'GA', 'IL', 'CA', 'NJ', 'WA', 'FL', 'OH'];

type Pick = <T>(items: readonly T[]) => T;

interface Fill {
  pick: Pick;
  n: (low: number, high: number) => number;
  money: (low: number, high: number) => string;
  order: () => string;
  invoice: () => string;
  shipment: () => string;
}

/** Phrasings per category; each may mention words of neighbouring categories, as people do. */
const phrasings: Record<ExceptionCategory, ((f: Fill) => string)[]> = {
  pricingVariance: [
    (f) =>
      `Unit price on line ${f.n(1, 9)} of ${f.order()} is ${f.money(5, 90)} but the contract price is ${f.money(5, 90)}`,
    (f) =>
      `Price mismatch vs price agreement for ${f.pick(skus)}: billed ${f.money(2, 40)}, agreed ${f.money(2, 40)}`,
    (f) => `${f.order()} entered at list price instead of contract price, variance ${f.n(2, 15)}%`,
    (f) => `Promo discount not applied on ${f.pick(skus)}, customer should get ${f.n(5, 20)}% off`,
    (f) => `Invoice price exceeds tolerance by ${f.n(2, 12)}% on ${f.pick(skus)}`,
    (f) => `Rep override on price for ${f.order()} not approved in the price book`,
    (f) =>
      `Pricing variance ${f.n(1, 9)}.${f.n(0, 9)}% above tolerance, please re-price or credit memo`,
    (f) => `Customer PO price ${f.money(3, 60)} does not match our price list ${f.money(3, 60)}`,
    (f) => `Price increase applied before effective date on ${f.order()}`,
  ],
  quantityMismatch: [
    (f) =>
      `Shipped ${f.n(1, 40)} of ${f.n(41, 80)} ordered on ${f.pick(skus)}, short pick at ${f.pick(demoWarehouses)}`,
    (f) => `WMS confirms ${f.n(1, 30)} cases but order ${f.order()} says ${f.n(31, 60)}`,
    (f) => `Short shipment: ${f.pick(skus)} out of stock, ${f.n(2, 20)} on backorder`,
    (f) => `Qty on ASN differs from the pick confirmation for ${f.shipment()}`,
    (f) => `${f.n(2, 12)} units damaged in warehouse, only partial quantity shipped`,
    (f) => `Over-shipment: ${f.n(2, 8)} extra pallets loaded on ${f.shipment()}`,
    (f) => `Quantity shipped does not match quantity invoiced on ${f.invoice()}`,
    (f) => `Cycle count adjustment, ERP and WMS inventory disagree for ${f.pick(skus)}`,
    (f) => `Customer reports ${f.n(1, 6)} cases missing from the delivery, check the pick`,
  ],
  missingPod: [
    (f) => `No proof of delivery from ${f.pick(carriers)} for load ${f.shipment()}`,
    () => `POD not received yet, customer requires signed POD before we invoice`,
    (f) => `Carrier portal shows delivered but no signature image for PRO ${f.n(100000, 999999)}`,
    (f) => `Waiting on the delivery receipt from ${f.pick(carriers)}, ${f.n(2, 9)} days now`,
    (f) => `Signed BOL copy missing for ${f.shipment()}, cannot release invoice`,
    (f) => `Chased ${f.pick(carriers)} twice for the POD, no answer`,
    (f) => `Delivery confirmation outstanding for ${f.order()} (hold until POD)`,
    (f) => `Customer says goods never arrived, carrier cannot produce POD for ${f.shipment()}`,
    () => `pod missing`,
  ],
  freightCharge: [
    (f) => `Freight not yet rated by the TMS for ${f.shipment()}`,
    (f) => `Carrier invoice ${f.money(200, 2500)} higher than quoted freight ${f.money(100, 900)}`,
    (f) =>
      `Accessorial charge (${f.pick(['liftgate', 'detention', 'residential', 'inside delivery'])}) not on the invoice`,
    (f) => `Fuel surcharge of ${f.n(8, 30)}% disputed, rebill needed`,
    (f) =>
      `Freight adjustment after invoicing: rated ${f.money(150, 800)}, billed ${f.money(150, 800)}`,
    (f) => `${f.pick(carriers)} added a reconsignment fee, who pays the freight?`,
    (f) => `Customer disputes the freight charge on ${f.invoice()}, terms are prepaid and add`,
    (f) => `Freight charged twice on ${f.invoice()}?`,
    () => `freight late from tms`,
  ],
  taxDiscrepancy: [
    (f) =>
      `Sales tax calculated at ${f.n(4, 9)}.${f.n(0, 9)}% but ${f.pick(states)} rate is ${f.n(4, 9)}.${f.n(0, 9)}%`,
    () => `Exemption certificate on file, tax charged anyway`,
    (f) => `Ship-to moved to ${f.pick(states)}, tax needs recalculation on ${f.invoice()}`,
    () => `Resale certificate expired, tax exempt flag still set`,
    (f) => `Tax jurisdiction code missing on ${f.order()}`,
    (f) => `Tax engine timed out, invoice ${f.invoice()} posted without tax`,
    () => `Use tax vs sales tax, customer asks us to correct`,
  ],
  creditHold: [
    (f) => `Customer over credit limit by ${f.money(1000, 40000)}`,
    (f) => `Account on credit hold, past due ${f.n(31, 120)} days`,
    (f) => `Order ${f.order()} blocked: exposure exceeds the limit`,
    () => `Credit review required before release, new customer`,
    () => `Prepayment required per credit, terms changed to CIA`,
    (f) => `Credit hold: NSF check returned, ${f.money(500, 9000)}`,
    (f) => `Customer asks to release hold, promises payment of ${f.money(1000, 20000)} Friday`,
  ],
  duplicateBilling: [
    (f) => `Invoice ${f.invoice()} appears to duplicate ${f.invoice()}, same amount`,
    (f) => `${f.shipment()} billed twice`,
    () => `Two invoices for the same PO and same shipment`,
    (f) => `Duplicate 810 sent to the customer for ${f.order()}`,
    () => `EDI retransmission created a second invoice`,
    (f) => `Possible duplicate: ${f.money(500, 9000)} posted again within 2 days`,
    () => `Customer received the same invoice twice with different numbers`,
  ],
  customerDispute: [
    (f) =>
      `Customer disputes ${f.invoice()}: ${f.pick(['wrong price', 'damaged goods', 'not ordered', 'late delivery', 'quality issue'])}`,
    (f) =>
      `Short-paid ${f.money(50, 3000)}, deduction code ${f.pick(['DMG', 'SHRT', 'PRC', 'PROMO', 'LATE'])}`,
    () => `Customer refuses to pay for damaged goods`,
    (f) => `Deduction taken for promotional allowance on remittance ${f.n(10000, 99999)}`,
    (f) =>
      `Customer claims the price was ${f.money(2, 40)} per the quote, short paid the difference`,
    () => `Dispute opened on the portal, customer wants a credit memo`,
    (f) =>
      `820 remittance short by ${f.money(20, 900)}, reason code ${f.pick(['01', '04', '11', '22'])}`,
    () => `Customer returned goods, wants credit before paying`,
    () => `Chargeback for late delivery per vendor compliance manual`,
  ],
  integrationFailure: [
    (f) =>
      `ERP API returned ${f.pick(['503', '500', '502', '504'])} when posting invoice ${f.invoice()}`,
    (f) => `Mapping error: unknown unit of measure ${f.pick(['CS', 'EA', 'PL', 'BX'])}X in the 856`,
    () => `EDI 810 rejected, 997 with AK5 R`,
    (f) => `Timeout connecting to the WMS after ${f.n(3, 8)} retries`,
    (f) =>
      `Payload validation failed: field ${f.pick(['shipTo', 'lines[0].sku', 'currency', 'poNumber'])} missing`,
    () => `Duplicate message id rejected by the middleware, replay needed`,
    () => `SFTP drop folder not reachable, files stuck in the queue`,
    (f) =>
      `Schema version mismatch on ${f.pick(['shipment.confirmed', 'freight.rated', 'invoice.posted'])} event`,
  ],
};

/** Asides people add about another part of the order, pulling the text towards another category. */
const asides: Record<ExceptionCategory, string[]> = {
  pricingVariance: [
    'price looks off too',
    'contract price to confirm',
    'rep quoted a different price',
  ],
  quantityMismatch: ['qty may be short as well', 'partial shipment', 'backorder pending'],
  missingPod: [
    'no POD yet either',
    'carrier still owes the delivery receipt',
    'hold until delivered',
  ],
  freightCharge: ['freight still not rated', 'carrier charge pending', 'freight to be added'],
  taxDiscrepancy: ['tax to be recalculated', 'exempt customer', 'tax missing'],
  creditHold: ['account is on credit hold', 'customer past due', 'over limit'],
  duplicateBilling: ['might be a duplicate', 'posted twice?', 'same amount as last week'],
  customerDispute: ['customer is disputing', 'they short paid last invoice', 'deduction expected'],
  integrationFailure: [
    'EDI was down yesterday',
    'message had to be replayed',
    'ERP timeout earlier',
  ],
};

/** Notes too vague to tell the category from the text alone. */
const vagueNotes: ((f: Fill) => string)[] = [
  (f) => `Invoice for ${f.order()} on hold, please check`,
  (f) => `Customer called about ${f.order()}`,
  (f) => `See email from ${f.pick(people)}`,
  () => `Needs review`,
  (f) => `Problem with ${f.invoice()}, details in the ticket`,
];

const openers = ['', '', '', 'FW: ', 'RE: ', 'Hi team, ', 'URGENT ', 'Note: ', 'Fyi '];
const closers = [
  '',
  '',
  '',
  ' Please advise.',
  ' Thanks',
  ' pls check asap',
  ' — ',
  ' see attached',
];
const abbreviations: [RegExp, string][] = [
  [/\bproof of delivery\b/gi, 'POD'],
  [/\bquantity\b/gi, 'qty'],
  [/\bcustomer\b/gi, 'cust'],
  [/\binvoice\b/gi, 'inv'],
  [/\bwarehouse\b/gi, 'whse'],
];

/** Structured features as the flow knows them, leaning towards the category, never certain. */
function featuresOf(
  category: ExceptionCategory,
  f: Fill,
  random: () => number,
): Record<string, string | number | boolean | null> {
  const lean = <T>(likely: T, others: readonly T[], p = 0.6): T =>
    random() < p ? likely : f.pick(others);
  const sources = ['erp', 'wms', 'tms', 'edi', 'portal', 'email'] as const;
  const sourceBy: Record<ExceptionCategory, (typeof sources)[number]> = {
    pricingVariance: 'erp',
    quantityMismatch: 'wms',
    missingPod: 'tms',
    freightCharge: 'tms',
    taxDiscrepancy: 'erp',
    creditHold: 'erp',
    duplicateBilling: 'erp',
    customerDispute: 'email',
    integrationFailure: 'edi',
  };
  const amount =
    category === 'creditHold'
      ? f.n(5000, 90000)
      : category === 'integrationFailure'
        ? f.n(100, 20000)
        : f.n(80, 15000);
  return {
    source: lean(sourceBy[category], sources, 0.55),
    warehouse: f.pick(demoWarehouses),
    customerId: `C-${f.n(100, 160)}`,
    amount,
    variancePct:
      category === 'pricingVariance' || (category === 'customerDispute' && random() < 0.3)
        ? f.n(1, 15)
        : random() < 0.15
          ? f.n(0, 4)
          : null,
    podRequired: category === 'missingPod' ? random() < 0.85 : random() < 0.3,
    daysOpen: category === 'missingPod' || category === 'customerDispute' ? f.n(1, 20) : f.n(0, 6),
  };
}

function misspell(text: string, random: () => number): string {
  const words = text.split(' ');
  const i = Math.floor(random() * words.length);
  const word = words[i];
  if (word === undefined || word.length < 5) return text;
  const at = 1 + Math.floor(random() * (word.length - 2));
  words[i] = word.slice(0, at) + word.slice(at + 1);
  return words.join(' ');
}

/**
 * Generates `count` labelled exceptions.
 *
 * ```ts
 * const examples = generateTriageExamples({ count: 5000, seed: 7 });
 * examples[0]; // { id: 'gen-7-0', text: 'FW: No proof of delivery from ODFL for load SH-40213', features: {...}, category: 'missingPod' }
 * ```
 */
export function generateTriageExamples(options: GenerateOptions): LabelledExample[] {
  const seed = options.seed ?? 7;
  const random = seededRandom(seed);
  const pick: Pick = (items) => {
    const item = items[Math.floor(random() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  };
  const n = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
  const fill: Fill = {
    pick,
    n,
    money: (low, high) => `$${(low + random() * (high - low)).toFixed(2)}`,
    order: () => `SO-${n(10000, 99999)}`,
    invoice: () => `INV-${n(100000, 999999)}`,
    shipment: () => `SH-${n(10000, 99999)}`,
  };
  const weights = Object.entries(mix) as [ExceptionCategory, number][];
  const drawCategory = (): ExceptionCategory => {
    let r = random();
    for (const [category, weight] of weights) {
      r -= weight;
      if (r <= 0) return category;
    }
    return 'pricingVariance';
  };
  const examples: LabelledExample[] = [];
  for (let i = 0; i < options.count; i++) {
    const category = drawCategory();
    const vague = random() < (options.vague ?? 0.06);
    const phrasing = Math.floor(random() * (vague ? vagueNotes : phrasings[category]).length);
    const write = (vague ? vagueNotes : phrasings[category])[phrasing];
    if (!write) throw new RangeError(`no phrasing ${phrasing} for ${category}`);
    let text = write(fill);
    if (random() < (options.asides ?? 0.3)) {
      const other = pick(exceptionCategories.filter((c) => c !== category));
      text = `${text}${pick(['; ', ', ', ' - also ', '. '])}${pick(asides[other])}`;
    }
    for (const [pattern, short] of abbreviations) {
      if (random() < 0.25) text = text.replace(pattern, short);
    }
    if (random() < 0.08) text = misspell(text, random);
    if (random() < 0.2) text = text.toLowerCase();
    text = `${pick(openers)}${text}${pick(closers)}`.trim();
    const label = random() < (options.labelNoise ?? 0.04) ? pick(exceptionCategories) : category;
    examples.push({
      id: `gen-${seed}-${i}`,
      group: vague ? `vague/${phrasing}` : `${category}/${phrasing}`,
      text,
      features: featuresOf(category, fill, random),
      category: label,
    });
  }
  return examples;
}
