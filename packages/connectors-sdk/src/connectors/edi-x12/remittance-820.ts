/**
 * The 820 payment order / remittance advice reader: the payment (BPR, TRN), the parties, and per
 * invoice (RMR) what was paid, the discount taken and the adjustments (ADX) with reason codes.
 *
 * @module
 */
import type { X12DateReference, X12Party, X12ReadResult, X12Reference } from './x12-elements.ts';
import { ElementReader, assignDefined } from './x12-elements.ts';
import type { X12TransactionSet } from './x12-parser.ts';

/**
 * An ADX adjustment. Deductions are negative (`-40` means paid 40 less).
 *
 * ```ts
 * const shortage: X12Adjustment = { amount: -40, reasonCode: '05', referenceQualifier: 'IV', reference: 'INV-88002' };
 * ```
 */
export interface X12Adjustment {
  amount: number;
  /** ADX02, the adjustment reason code (X12 element 426), e.g. `01` pricing error. */
  reasonCode: string;
  referenceQualifier?: string;
  reference?: string;
}

/**
 * An RMR remittance detail: one invoice (or other document) paid.
 *
 * ```ts
 * const paid: X12RemittanceDetail = { referenceQualifier: 'IV', reference: 'INV-88002', paidAmount: 843.5, invoiceAmount: 900, discountAmount: 0, adjustments: [...] };
 * ```
 */
export interface X12RemittanceDetail {
  /** RMR01: `IV` invoice, `CM` credit memo, `PO` purchase order, … */
  referenceQualifier: string;
  reference: string;
  /** RMR03: `PO` payment on account, `PI` pay item, … */
  paymentActionCode?: string;
  paidAmount: number;
  invoiceAmount?: number;
  discountAmount?: number;
  references: X12Reference[];
  dates: X12DateReference[];
  adjustments: X12Adjustment[];
}

/**
 * A typed 820.
 *
 * ```ts
 * const { document: remittance } = readRemittance(set);
 * remittance.totalAmount; // 1832.78
 * remittance.details.map((detail) => detail.reference); // ['INV-88001', 'INV-88002']
 * ```
 */
export interface X12Remittance {
  transactionSet: '820';
  controlNumber: string;
  /** BPR01: `C` payment accompanies remittance, `I` remittance only, … */
  handlingCode: string;
  /** BPR02. */
  totalAmount: number;
  /** BPR03: `C` credit, `D` debit. */
  creditDebitFlag: string;
  /** BPR04: `ACH`, `CHK` check, `FWT` wire, `NON` no payment, … */
  paymentMethod: string;
  /** BPR16, the effective entry (payment) date. */
  paymentDate?: string;
  /** TRN02, the check or trace number. */
  traceNumber?: string;
  /** TRN03, the originating company. */
  originatorId?: string;
  currency?: string;
  references: X12Reference[];
  dates: X12DateReference[];
  parties: X12Party[];
  details: X12RemittanceDetail[];
  /** ADX at entity level, not tied to one RMR (e.g. a chargeback on account). */
  unappliedAdjustments: X12Adjustment[];
}

/**
 * Reads an 820: reports a missing BPR or RMR and malformed amounts, and checks that BPR02 equals
 * the sum of RMR04 paid amounts (plus adjustments not tied to an invoice).
 *
 * ```ts
 * const { document, errors } = readRemittance(set);
 * ```
 */
export function readRemittance(set: X12TransactionSet): X12ReadResult<X12Remittance> {
  const read = new ElementReader(set);
  read.expectSet(['820']);
  read.checkOrder('BPR', [], []);
  const remittance: X12Remittance = {
    transactionSet: '820',
    controlNumber: set.controlNumber,
    handlingCode: '',
    totalAmount: 0,
    creditDebitFlag: '',
    paymentMethod: '',
    references: [],
    dates: [],
    parties: [],
    details: [],
    unappliedAdjustments: [],
  };
  const body = read.body();
  let detail: X12RemittanceDetail | undefined;
  let bpr: (typeof body)[number] | undefined;
  for (let index = 0; index < body.length; index++) {
    const segment = body[index];
    if (segment === undefined) break;
    switch (segment.id) {
      case 'BPR':
        bpr = segment;
        remittance.handlingCode = read.requiredText(segment, 1);
        remittance.totalAmount = read.decimal(segment, 2, { required: true }) ?? 0;
        remittance.creditDebitFlag = read.requiredText(segment, 3);
        remittance.paymentMethod = read.requiredText(segment, 4);
        assignDefined(remittance, 'paymentDate', read.date(segment, 16));
        break;
      case 'TRN':
        assignDefined(remittance, 'traceNumber', read.text(segment, 2, { required: true }));
        assignDefined(remittance, 'originatorId', read.text(segment, 3));
        break;
      case 'CUR':
        assignDefined(remittance, 'currency', read.text(segment, 2));
        break;
      case 'REF':
        (detail?.references ?? remittance.references).push(read.reference(segment));
        break;
      case 'DTM': {
        const date = read.dateReference(segment);
        if (date !== undefined) (detail?.dates ?? remittance.dates).push(date);
        break;
      }
      case 'N1': {
        const { party, next } = read.party(body, index);
        remittance.parties.push(party);
        index = next - 1;
        break;
      }
      case 'ENT':
        detail = undefined;
        break;
      case 'RMR':
        detail = {
          referenceQualifier: read.requiredText(segment, 1),
          reference: read.requiredText(segment, 2),
          paidAmount: read.decimal(segment, 4, { required: true }) ?? 0,
          references: [],
          dates: [],
          adjustments: [],
        };
        assignDefined(detail, 'paymentActionCode', read.text(segment, 3));
        assignDefined(detail, 'invoiceAmount', read.decimal(segment, 5));
        assignDefined(detail, 'discountAmount', read.decimal(segment, 6));
        remittance.details.push(detail);
        break;
      case 'ADX': {
        const adjustment: X12Adjustment = {
          amount: read.decimal(segment, 1, { required: true }) ?? 0,
          reasonCode: read.requiredText(segment, 2),
        };
        assignDefined(adjustment, 'referenceQualifier', read.text(segment, 3));
        assignDefined(adjustment, 'reference', read.text(segment, 4));
        (detail?.adjustments ?? remittance.unappliedAdjustments).push(adjustment);
        break;
      }
      default:
        break;
    }
  }
  if (bpr === undefined)
    read.missing('BPR', 'beginning segment for payment order/remittance advice');
  if (remittance.details.length === 0)
    read.missing('RMR', 'a remittance names at least one invoice');
  if (bpr !== undefined && remittance.details.length > 0) {
    const applied = [
      ...remittance.details.map((entry) => entry.paidAmount),
      ...remittance.unappliedAdjustments.map((adjustment) => adjustment.amount),
    ].reduce((sum, amount) => sum + Math.round(amount * 100), 0);
    if (applied !== Math.round(remittance.totalAmount * 100)) {
      read.fail(
        bpr,
        2,
        `BPR02 is ${remittance.totalAmount} but the RMR paid amounts add up to ${applied / 100}`,
        'COUNT_MISMATCH',
      );
    }
  }
  return { document: remittance, errors: read.errors };
}
