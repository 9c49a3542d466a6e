/**
 * The 810 invoice: reader and generator. `generateInvoice810` writes what `readInvoice` reads
 * back, field for field.
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
import type { X12EnvelopeOptions, X12SegmentData } from './x12-writer.ts';
import {
  formatDecimal,
  formatImpliedDecimal,
  formatX12Date,
  writeInterchange,
} from './x12-writer.ts';

/**
 * One IT1 line of an 810.
 *
 * ```ts
 * const line: X12InvoiceLine = { lineNumber: '1', quantity: 10, unit: 'CA', unitPrice: 24.5, productIds: [{ qualifier: 'VP', value: 'SKU-1001' }] };
 * ```
 */
export interface X12InvoiceLine {
  lineNumber: string;
  /** IT102, the quantity invoiced (normally the quantity shipped). */
  quantity: number;
  unit: string;
  unitPrice: number;
  /** IT106/IT107, …: `VP` vendor part (our SKU), `BP` buyer part, `UP` UPC. */
  productIds: X12Reference[];
  description?: string;
}

/**
 * A SAC allowance or charge (freight, handling, a promotional allowance).
 *
 * ```ts
 * const freight: X12AllowanceCharge = { indicator: 'C', code: 'D240', amount: 45, description: 'FREIGHT' };
 * ```
 */
export interface X12AllowanceCharge {
  /** SAC01: `A` allowance (reduces the total) or `C` charge. */
  indicator: 'A' | 'C';
  /** SAC02, e.g. `D240` freight, `H850` tax, `C310` discount. */
  code: string;
  /** SAC05, N2 (implied decimals). */
  amount: number;
  description?: string;
}

/**
 * A TXI tax amount.
 *
 * ```ts
 * const tax: X12Tax = { typeCode: 'ST', amount: 61.78, percent: 7 };
 * ```
 */
export interface X12Tax {
  /** TXI01: `ST` state sales tax, `CT` county, `LS` state and local, … */
  typeCode: string;
  amount: number;
  percent?: number;
}

/**
 * The content of an 810, as read and as written (without the set's control number).
 *
 * ```ts
 * const invoice: X12InvoiceContent = { invoiceNumber: 'INV-88001', invoiceDate: '2024-03-16', poNumber: 'PO-45001',
 *   currency: 'USD', references: [], dates: [], parties: [], lines: [...], totalAmount: 989.28, taxes: [], allowancesCharges: [] };
 * ```
 */
export interface X12InvoiceContent {
  invoiceNumber: string;
  invoiceDate: string;
  poNumber?: string;
  poDate?: string;
  /** BIG07: `CR` credit memo, `DI` debit invoice, `DR` debit memo; absent for a plain invoice. */
  transactionTypeCode?: string;
  currency?: string;
  references: X12Reference[];
  dates: X12DateReference[];
  parties: X12Party[];
  terms?: X12Terms;
  lines: X12InvoiceLine[];
  /** TDS01: the total, lines + charges − allowances + tax. */
  totalAmount: number;
  taxes: X12Tax[];
  allowancesCharges: X12AllowanceCharge[];
}

/**
 * A typed 810 as read.
 *
 * ```ts
 * const { document: invoice } = readInvoice(set);
 * invoice.totalAmount; // 989.28
 * ```
 */
export interface X12Invoice extends X12InvoiceContent {
  transactionSet: '810';
  controlNumber: string;
  /** CTT01 as sent (checked against the number of IT1 lines). */
  declaredLineCount?: number;
}

/**
 * Reads an 810 transaction set; reports a missing BIG, IT1 or TDS and malformed amounts.
 *
 * ```ts
 * const { document, errors } = readInvoice(set);
 * ```
 */
export function readInvoice(set: X12TransactionSet): X12ReadResult<X12Invoice> {
  const read = new ElementReader(set);
  read.expectSet(['810']);
  read.checkOrder('BIG', ['IT1'], ['TDS']);
  const invoice: X12Invoice = {
    transactionSet: '810',
    controlNumber: set.controlNumber,
    invoiceNumber: '',
    invoiceDate: '',
    references: [],
    dates: [],
    parties: [],
    lines: [],
    totalAmount: 0,
    taxes: [],
    allowancesCharges: [],
  };
  const body = read.body();
  let ctt: X12Segment | undefined;
  const seen = new Set<string>();
  let line: X12InvoiceLine | undefined;
  for (let index = 0; index < body.length; index++) {
    const segment = body[index];
    if (segment === undefined) break;
    seen.add(segment.id);
    switch (segment.id) {
      case 'BIG':
        invoice.invoiceDate = read.date(segment, 1, { required: true }) ?? '';
        invoice.invoiceNumber = read.requiredText(segment, 2);
        assignDefined(invoice, 'poDate', read.date(segment, 3));
        assignDefined(invoice, 'poNumber', read.text(segment, 4));
        assignDefined(invoice, 'transactionTypeCode', read.text(segment, 7));
        break;
      case 'CUR':
        assignDefined(invoice, 'currency', read.text(segment, 2));
        break;
      case 'REF':
        if (line === undefined) invoice.references.push(read.reference(segment));
        break;
      case 'N1': {
        const { party, next } = read.party(body, index);
        invoice.parties.push(party);
        index = next - 1;
        break;
      }
      case 'ITD':
        invoice.terms = read.terms(segment);
        break;
      case 'DTM': {
        const date = read.dateReference(segment);
        if (date !== undefined && line === undefined) invoice.dates.push(date);
        break;
      }
      case 'IT1':
        line = {
          lineNumber: read.text(segment, 1) ?? String(invoice.lines.length + 1),
          quantity: read.decimal(segment, 2, { required: true }) ?? 0,
          unit: read.requiredText(segment, 3),
          unitPrice: read.decimal(segment, 4, { required: true }) ?? 0,
          productIds: read.pairs(segment, 6),
        };
        if (line.productIds.length === 0)
          read.fail(segment, 6, 'IT1 names no product (IT106/IT107)');
        invoice.lines.push(line);
        break;
      case 'PID':
        if (line !== undefined && line.description === undefined) {
          assignDefined(line, 'description', read.text(segment, 5));
        }
        break;
      case 'TDS':
        line = undefined;
        invoice.totalAmount = read.impliedDecimal(segment, 1, { required: true }) ?? 0;
        break;
      case 'TXI': {
        const tax: X12Tax = {
          typeCode: read.requiredText(segment, 1),
          amount: read.decimal(segment, 2, { required: true }) ?? 0,
        };
        assignDefined(tax, 'percent', read.decimal(segment, 3));
        invoice.taxes.push(tax);
        break;
      }
      case 'SAC': {
        const indicator = read.requiredText(segment, 1);
        if (indicator !== 'A' && indicator !== 'C') {
          read.fail(segment, 1, `SAC01 must be A (allowance) or C (charge), found "${indicator}"`);
          break;
        }
        const charge: X12AllowanceCharge = {
          indicator,
          code: read.requiredText(segment, 2),
          amount: read.impliedDecimal(segment, 5, { required: true }) ?? 0,
        };
        assignDefined(charge, 'description', read.text(segment, 15));
        invoice.allowancesCharges.push(charge);
        break;
      }
      case 'CTT':
        ctt = segment;
        assignDefined(invoice, 'declaredLineCount', read.decimal(segment, 1, { required: true }));
        break;
      default:
        break;
    }
  }
  if (
    ctt !== undefined &&
    invoice.declaredLineCount !== undefined &&
    invoice.declaredLineCount !== invoice.lines.length
  ) {
    const message = `CTT01 says ${invoice.declaredLineCount} lines, the invoice has ${invoice.lines.length} IT1 segments`;
    read.fail(ctt, 1, message, 'COUNT_MISMATCH');
  }
  if (!seen.has('BIG')) read.missing('BIG', 'beginning segment for invoice');
  if (invoice.lines.length === 0) read.missing('IT1', 'an invoice needs at least one line');
  if (!seen.has('TDS')) read.missing('TDS', 'total monetary value summary');
  return { document: invoice, errors: read.errors };
}

/**
 * The 810 body (segments between ST and SE) for an invoice.
 *
 * ```ts
 * const segments = invoiceSegments(invoice); // [['BIG', …], ['CUR', 'SE', 'USD'], …, ['CTT', '3']]
 * ```
 */
export function invoiceSegments(invoice: X12InvoiceContent): X12SegmentData[] {
  const segments: X12SegmentData[] = [
    [
      'BIG',
      formatX12Date(invoice.invoiceDate),
      invoice.invoiceNumber,
      invoice.poDate === undefined ? '' : formatX12Date(invoice.poDate),
      invoice.poNumber ?? '',
      '',
      '',
      invoice.transactionTypeCode ?? '',
    ],
  ];
  if (invoice.currency !== undefined) segments.push(['CUR', 'SE', invoice.currency]);
  for (const ref of invoice.references) segments.push(['REF', ref.qualifier, ref.value]);
  for (const party of invoice.parties) segments.push(...partySegments(party));
  if (invoice.terms !== undefined) segments.push(termsSegment(invoice.terms));
  for (const date of invoice.dates) segments.push(dateSegment(date));
  for (const line of invoice.lines) {
    segments.push([
      'IT1',
      line.lineNumber,
      formatDecimal(line.quantity),
      line.unit,
      formatDecimal(line.unitPrice),
      '',
      ...line.productIds.flatMap((id) => [id.qualifier, id.value]),
    ]);
    if (line.description !== undefined) segments.push(['PID', 'F', '', '', '', line.description]);
  }
  segments.push(['TDS', formatImpliedDecimal(invoice.totalAmount)]);
  for (const tax of invoice.taxes) {
    segments.push([
      'TXI',
      tax.typeCode,
      formatDecimal(tax.amount),
      tax.percent === undefined ? '' : formatDecimal(tax.percent),
    ]);
  }
  for (const charge of invoice.allowancesCharges) {
    // SAC15 carries the description; SAC06–SAC14 stay empty.
    const description =
      charge.description === undefined ? [] : [...Array<string>(9).fill(''), charge.description];
    segments.push([
      'SAC',
      charge.indicator,
      charge.code,
      '',
      '',
      formatImpliedDecimal(charge.amount),
      ...description,
    ]);
  }
  segments.push(['CTT', String(invoice.lines.length)]);
  return segments;
}

/**
 * Writes a complete 810 interchange (ISA/GS/ST … SE/GE/IEA) for one invoice.
 *
 * ```ts
 * const text = generateInvoice810(invoice, {
 *   senderId: 'WAYBILLDIST', receiverId: 'RETAILCO', interchangeControlNumber: 303, setControlNumber: '0001',
 * });
 * ```
 */
export function generateInvoice810(
  invoice: X12InvoiceContent,
  envelope: X12EnvelopeOptions & { setControlNumber?: string },
): string {
  const controlNumber = envelope.setControlNumber ?? '0001';
  return writeInterchange(envelope, 'IN', [
    { id: '810', controlNumber, segments: invoiceSegments(invoice) },
  ]);
}

/**
 * N1 (+ N3/N4) segments for a party.
 *
 * ```ts
 * partySegments({ code: 'BY', name: 'RETAILCO', idQualifier: '91', id: 'C-100', address: undefined }); // [['N1', 'BY', 'RETAILCO', '91', 'C-100']]
 * ```
 */
export function partySegments(party: X12Party): X12SegmentData[] {
  const segments: X12SegmentData[] = [
    ['N1', party.code, party.name, party.idQualifier ?? '', party.id ?? ''],
  ];
  const address = party.address;
  if (address !== undefined) {
    if (address.lines.length > 0) segments.push(['N3', ...address.lines.slice(0, 2)]);
    segments.push([
      'N4',
      address.city ?? '',
      address.state ?? '',
      address.postalCode ?? '',
      address.country ?? '',
    ]);
  }
  return segments;
}

function termsSegment(terms: X12Terms): X12SegmentData {
  const optionalNumber = (value: number | undefined): string =>
    value === undefined ? '' : formatDecimal(value);
  const optionalDate = (value: string | undefined): string =>
    value === undefined ? '' : formatX12Date(value);
  return [
    'ITD',
    terms.typeCode ?? '',
    terms.basisDateCode ?? '',
    optionalNumber(terms.discountPercent),
    optionalDate(terms.discountDueDate),
    optionalNumber(terms.discountDays),
    optionalDate(terms.netDueDate),
    optionalNumber(terms.netDays),
    '',
    '',
    '',
    '',
    terms.description ?? '',
  ];
}

function dateSegment(date: X12DateReference): X12SegmentData {
  return [
    'DTM',
    date.qualifier,
    formatX12Date(date.date),
    date.time === undefined ? '' : date.time.replaceAll(':', ''),
  ];
}
