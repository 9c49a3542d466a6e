/**
 * One entry point for every supported transaction set: dispatch on ST01.
 *
 * @module
 */
import type { X12FunctionalAcknowledgment } from './functional-ack-997.ts';
import { readFunctionalAcknowledgment } from './functional-ack-997.ts';
import type { X12Invoice } from './invoice-810.ts';
import { readInvoice } from './invoice-810.ts';
import type { X12PurchaseOrder } from './purchase-order-850.ts';
import { readPurchaseOrder } from './purchase-order-850.ts';
import type { X12Remittance } from './remittance-820.ts';
import { readRemittance } from './remittance-820.ts';
import type { X12ShipNotice } from './ship-notice-856.ts';
import { readShipNotice } from './ship-notice-856.ts';
import type { X12Error } from './x12.error.ts';
import type { X12TransactionSet } from './x12-parser.ts';

/**
 * Any typed document, discriminated by `transactionSet`.
 *
 * ```ts
 * if (document.transactionSet === '856') document.shipments[0]?.orders;
 * ```
 */
export type X12Document =
  X12PurchaseOrder | X12ShipNotice | X12Invoice | X12Remittance | X12FunctionalAcknowledgment;

/**
 * The transaction sets that have a typed reader.
 *
 * ```ts
 * SUPPORTED_TRANSACTION_SETS.includes('850'); // true
 * ```
 */
export const SUPPORTED_TRANSACTION_SETS: readonly string[] = [
  '810',
  '820',
  '850',
  '856',
  '997',
  '999',
];

/**
 * Reads a transaction set with the reader for its ST01; `document` is undefined for a set type
 * without a reader (that is no error: the envelope was still checked).
 *
 * ```ts
 * for (const set of transactionSetsOf(interchange)) {
 *   const { document, errors } = readTransactionSet(set);
 * }
 * ```
 */
export function readTransactionSet(set: X12TransactionSet): {
  document: X12Document | undefined;
  errors: X12Error[];
} {
  switch (set.id) {
    case '850':
      return readPurchaseOrder(set);
    case '856':
      return readShipNotice(set);
    case '810':
      return readInvoice(set);
    case '820':
      return readRemittance(set);
    case '997':
    case '999':
      return readFunctionalAcknowledgment(set);
    default:
      return { document: undefined, errors: [] };
  }
}
