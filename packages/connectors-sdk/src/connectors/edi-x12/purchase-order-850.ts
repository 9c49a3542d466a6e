/**
 * The 850 purchase order reader.
 *
 * @module
 */
import type {
  X12DateReference,
  X12Party,
  X12ReadResult,
  X12Reference,
  X12Terms,
} from './x12-elements.ts';
import { ElementReader, assignDefined } from './x12-elements.ts';
import type { X12TransactionSet } from './x12-parser.ts';
import type { X12Segment } from './x12-tokenizer.ts';

/**
 * One PO1 line of an 850.
 *
 * ```ts
 * const line: X12PurchaseOrderLine = { lineNumber: '1', quantity: 10, unit: 'CA', unitPrice: 24.5, priceBasis: 'PE', productIds: [{ qualifier: 'VP', value: 'SKU-1001' }], description: 'WIDGET' };
 * ```
 */
export interface X12PurchaseOrderLine {
  /** PO101, or the line's ordinal when the sender leaves it empty. */
  lineNumber: string;
  quantity: number;
  /** PO103 unit of measure (`EA`, `CA`, …). */
  unit: string;
  unitPrice: number | undefined;
  /** PO105, e.g. `PE` price per each. */
  priceBasis?: string;
  /** PO106/PO107, PO108/PO109, …: `VP` vendor part (our SKU), `BP` buyer part, `UP` UPC, … */
  productIds: X12Reference[];
  /** PID05 free-form description. */
  description?: string;
}

/**
 * A typed 850 purchase order.
 *
 * ```ts
 * const { document: po } = readPurchaseOrder(set);
 * po.poNumber; // 'PO-45001'
 * po.lines.map((line) => line.quantity); // [10, 4, 25]
 * ```
 */
export interface X12PurchaseOrder {
  transactionSet: '850';
  controlNumber: string;
  /** BEG01 purpose: `00` original, `01` cancellation, `05` replace, … */
  purpose: string;
  /** BEG02 type: `SA` stand-alone, `BK` blanket, `RL` release, … */
  orderType: string;
  poNumber: string;
  releaseNumber?: string;
  orderDate: string;
  currency?: string;
  references: X12Reference[];
  dates: X12DateReference[];
  terms?: X12Terms;
  parties: X12Party[];
  lines: X12PurchaseOrderLine[];
  /** CTT01 as sent (checked against the number of PO1 lines). */
  declaredLineCount?: number;
}

/**
 * Reads an 850 transaction set. Reports a missing BEG or PO1, malformed quantities and prices,
 * and a CTT01 that disagrees with the number of PO1 lines.
 *
 * ```ts
 * const set = transactionSetsOf(parseX12OrThrow(text))[0]!;
 * const { document, errors } = readPurchaseOrder(set);
 * ```
 */
export function readPurchaseOrder(set: X12TransactionSet): X12ReadResult<X12PurchaseOrder> {
  const read = new ElementReader(set);
  read.expectSet(['850']);
  read.checkOrder('BEG', ['PO1'], ['CTT', 'AMT']);
  const po: X12PurchaseOrder = {
    transactionSet: '850',
    controlNumber: set.controlNumber,
    purpose: '',
    orderType: '',
    poNumber: '',
    orderDate: '',
    references: [],
    dates: [],
    parties: [],
    lines: [],
  };
  const body = read.body();
  let ctt: X12Segment | undefined;
  let sawBeg = false;
  let line: X12PurchaseOrderLine | undefined;
  for (let index = 0; index < body.length; index++) {
    const segment = body[index];
    if (segment === undefined) break;
    switch (segment.id) {
      case 'BEG':
        sawBeg = true;
        po.purpose = read.requiredText(segment, 1);
        po.orderType = read.requiredText(segment, 2);
        po.poNumber = read.requiredText(segment, 3);
        assignDefined(po, 'releaseNumber', read.text(segment, 4));
        po.orderDate = read.date(segment, 5, { required: true }) ?? '';
        break;
      case 'CUR':
        assignDefined(po, 'currency', read.text(segment, 2));
        break;
      case 'REF':
        if (line === undefined) po.references.push(read.reference(segment));
        break;
      case 'DTM': {
        const date = read.dateReference(segment);
        if (date !== undefined && line === undefined) po.dates.push(date);
        break;
      }
      case 'ITD':
        po.terms = read.terms(segment);
        break;
      case 'N1': {
        const { party, next } = read.party(body, index);
        po.parties.push(party);
        index = next - 1;
        break;
      }
      case 'PO1':
        line = {
          lineNumber: read.text(segment, 1) ?? String(po.lines.length + 1),
          quantity: read.decimal(segment, 2, { required: true }) ?? 0,
          unit: read.requiredText(segment, 3),
          unitPrice: read.decimal(segment, 4),
          productIds: read.pairs(segment, 6),
        };
        assignDefined(line, 'priceBasis', read.text(segment, 5));
        if (line.productIds.length === 0)
          read.fail(segment, 6, 'PO1 names no product (PO106/PO107)');
        po.lines.push(line);
        break;
      case 'PID':
        if (line !== undefined && line.description === undefined) {
          assignDefined(line, 'description', read.text(segment, 5));
        }
        break;
      case 'CTT':
        ctt = segment;
        assignDefined(po, 'declaredLineCount', read.decimal(segment, 1, { required: true }));
        break;
      default:
        break;
    }
  }
  if (
    ctt !== undefined &&
    po.declaredLineCount !== undefined &&
    po.declaredLineCount !== po.lines.length
  ) {
    const message = `CTT01 says ${po.declaredLineCount} lines, the order has ${po.lines.length} PO1 segments`;
    read.fail(ctt, 1, message, 'COUNT_MISMATCH');
  }
  if (!sawBeg) read.missing('BEG', 'beginning segment for purchase order');
  if (po.lines.length === 0) read.missing('PO1', 'an order needs at least one line');
  return { document: po, errors: read.errors };
}
