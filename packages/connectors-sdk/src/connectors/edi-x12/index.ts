/**
 * ASC X12 EDI toolkit and the `waybill.edi-x12` connector.
 *
 * - **Parse**: {@link parseX12} reads the separators from the ISA, cuts the interchange into
 *   segments (1-based positions, byte offsets), builds ISA/IEA → GS/GE → ST/SE and checks control
 *   numbers and counts, collecting every problem as an {@link X12Error} naming the segment position.
 * - **Read**: typed readers for 850, 856 (HL tree), 810, 820, 997 and 999.
 * - **Write**: {@link generateInvoice810} and {@link generateAcknowledgment997} write complete
 *   interchanges with the separators and control numbers you choose.
 * - **Map**: to and from the canonical model of `@waybill/shared`; {@link ediFileToEvents} turns a
 *   received file into canonical events and the 997 to send back.
 * - **CLI**: {@link ediParseCommand} is `pnpm waybill edi parse <file>`.
 *
 * ```ts
 * import { ediFileToEvents, parseX12, readPurchaseOrder, transactionSetsOf } from '@waybill/connectors-sdk';
 *
 * const { interchange, errors } = parseX12(text);
 * for (const set of transactionSetsOf(interchange!)) if (set.id === '850') console.log(readPurchaseOrder(set).document.poNumber);
 * const { events, acknowledgment } = ediFileToEvents(text, { filename: 'po-45001.edi' });
 * ```
 * @module
 */
export {
  X12Error,
  X12ErrorCodes,
  X12ValidationError,
  elementRef,
  isX12Error,
} from './x12.error.ts';
export type { SerializedX12Error, X12ErrorCode, X12Location } from './x12.error.ts';
export { ISA_ELEMENT_WIDTHS, readSeparators, tokenizeX12 } from './x12-tokenizer.ts';
export type { X12Segment, X12Separators, X12Tokens } from './x12-tokenizer.ts';
export {
  FUNCTIONAL_ID_BY_SET,
  parseX12,
  parseX12OrThrow,
  transactionSetsOf,
} from './x12-parser.ts';
export type {
  X12FunctionalGroup,
  X12Interchange,
  X12InterchangeHeader,
  X12ParseResult,
  X12TransactionSet,
} from './x12-parser.ts';
export { ElementReader, elementAt, findSegment, x12DateToIso } from './x12-elements.ts';
export type {
  X12Address,
  X12DateReference,
  X12Party,
  X12ReadResult,
  X12Reference,
  X12Terms,
} from './x12-elements.ts';
export { buildHlTree, walkHlTree } from './x12-hl-tree.ts';
export type { X12HlNode, X12HlTree } from './x12-hl-tree.ts';
export { readPurchaseOrder } from './purchase-order-850.ts';
export type { X12PurchaseOrder, X12PurchaseOrderLine } from './purchase-order-850.ts';
export { readShipNotice } from './ship-notice-856.ts';
export type {
  X12AsnContainer,
  X12AsnItem,
  X12AsnOrder,
  X12AsnShipment,
  X12ShipNotice,
} from './ship-notice-856.ts';
export { generateInvoice810, invoiceSegments, partySegments, readInvoice } from './invoice-810.ts';
export type {
  X12AllowanceCharge,
  X12Invoice,
  X12InvoiceContent,
  X12InvoiceLine,
  X12Tax,
} from './invoice-810.ts';
export { readRemittance } from './remittance-820.ts';
export type { X12Adjustment, X12Remittance, X12RemittanceDetail } from './remittance-820.ts';
export {
  ELEMENT_ERROR_CODES,
  GROUP_ERROR_CODES,
  SEGMENT_ERROR_CODES,
  SET_ERROR_CODES,
  acknowledgeInterchange,
  acknowledgmentSegments,
  generateAcknowledgment997,
  readFunctionalAcknowledgment,
} from './functional-ack-997.ts';
export type {
  X12ElementError,
  X12FunctionalAcknowledgment,
  X12SegmentError,
  X12SetAcknowledgment,
} from './functional-ack-997.ts';
export { SUPPORTED_TRANSACTION_SETS, readTransactionSet } from './transaction-set-reader.ts';
export type { X12Document } from './transaction-set-reader.ts';
export {
  formatDecimal,
  formatImpliedDecimal,
  formatX12Date,
  serializeSegment,
  writeInterchange,
} from './x12-writer.ts';
export type { X12EnvelopeOptions, X12SegmentData, X12SetData } from './x12-writer.ts';
export {
  invoiceToX12,
  purchaseOrderToOrder,
  remittanceToCanonical,
  shipNoticeToShipments,
  skuOf,
  x12InvoiceToInvoice,
} from './x12-canonical-mapping.ts';
export type { InvoiceParties, MappingOptions, MappingResult } from './x12-canonical-mapping.ts';
export { ediFileToEvents } from './edi-file-to-events.ts';
export type { EdiCanonicalEvent, EdiFileOptions, EdiFileResult } from './edi-file-to-events.ts';
export { ediParseCommand } from './edi-parse-command.ts';
export type {
  EdiGroupJson,
  EdiParseCommandResult,
  EdiParseJson,
  EdiSegmentJson,
  EdiTransactionSetJson,
} from './edi-parse-command.ts';
export { ediX12Connector } from './edi-x12.connector.ts';
