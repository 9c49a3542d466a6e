/**
 * Inbound EDI: one received file → the canonical events it carries and the 997 to send back.
 * Used by the file-drop trigger; pure (no I/O), so the same file always gives the same events
 * with the same idempotency keys, and a file dropped twice is published once.
 *
 * @module
 */
import type { CanonicalEventInput, Order } from '@waybill/shared';
import { acknowledgeInterchange, acknowledgmentSegments } from './functional-ack-997.ts';
import type { X12Document } from './transaction-set-reader.ts';
import { readTransactionSet } from './transaction-set-reader.ts';
import {
  purchaseOrderToOrder,
  remittanceToCanonical,
  shipNoticeToShipments,
} from './x12-canonical-mapping.ts';
import type { MappingOptions } from './x12-canonical-mapping.ts';
import { X12Error } from './x12.error.ts';
import type { X12Interchange, X12TransactionSet } from './x12-parser.ts';
import { parseX12 } from './x12-parser.ts';
import type { X12EnvelopeOptions } from './x12-writer.ts';
import { writeInterchange } from './x12-writer.ts';

/**
 * A canonical event from an EDI document, shaped like the SDK's `PublishEvent` (and like the
 * body of `POST /api/v1/events` plus its `Idempotency-Key`).
 *
 * ```ts
 * const event: EdiCanonicalEvent = { type: 'order.released', payload: order, correlationKey: 'PO-45001',
 *   idempotencyKey: 'edi:RETAILCO:000000101:101:0001' };
 * ```
 */
export type EdiCanonicalEvent = {
  [TType in 'order.released' | 'shipment.confirmed' | 'remittance.received']: {
    type: TType;
    payload: CanonicalEventInput<TType>;
    correlationKey: string;
    idempotencyKey: string;
    occurredAt?: string;
  };
}['order.released' | 'shipment.confirmed' | 'remittance.received'];

/**
 * Options of {@link ediFileToEvents}.
 *
 * ```ts
 * const options: EdiFileOptions = { filename: 'inbound/po-45001.edi', acknowledgmentControlNumber: 1042 };
 * ```
 */
export interface EdiFileOptions {
  /** Where the file came from: named in errors and logs. */
  filename: string;
  /** Our customer id for the sender, when documents do not name it (N1*BY / N1*PR ids otherwise). */
  customerId?: string;
  /** Currency for documents without a CUR segment (default `USD`). */
  defaultCurrency?: string;
  /** The sender's UTC offset for X12 dates and times, e.g. `-05:00` (default `Z`). */
  utcOffset?: string;
  /** Orders already known (from earlier 850s or the ERP): fill in ordered quantities of 856 lines. */
  orders?: readonly Order[];
  /**
   * ISA13 of the 997 we send back. Control numbers are per trading partner and owned by the
   * caller; defaults to the received interchange's own control number.
   */
  acknowledgmentControlNumber?: number;
  /** When the 997 is dated (default now). */
  now?: Date;
  /** Envelope choices for the 997 (separators, version, usage); sender and receiver are swapped from the ISA. */
  acknowledgmentEnvelope?: Partial<Omit<X12EnvelopeOptions, 'interchangeControlNumber'>>;
}

/**
 * What {@link ediFileToEvents} found in a file.
 *
 * ```ts
 * const { events, acknowledgment, errors } = ediFileToEvents(text, { filename });
 * ```
 */
export interface EdiFileResult {
  /** Events of the sets that parsed and mapped cleanly, in file order. */
  events: EdiCanonicalEvent[];
  /** The 997 interchange to send back; undefined for a file of acknowledgments or an unreadable file. */
  acknowledgment: string | undefined;
  /** Every problem: envelope, reader and mapping errors. Sets with errors publish no events. */
  errors: X12Error[];
  /** The typed documents read, including 997/999 acknowledgments received. */
  documents: X12Document[];
  /** ISA13 of the file, when readable. */
  interchangeControlNumber: string | undefined;
}

/**
 * Turns one EDI file into canonical events (`order.released` from an 850, `shipment.confirmed`
 * per order of an 856, `remittance.received` from an 820) and the 997 that acknowledges it.
 * A set with any error is rejected in the 997 and publishes nothing; the others go through.
 * Idempotency keys are `edi:<sender>:<ISA13>:<GS06>:<ST02>` (plus `:<PO>` per 856 order).
 *
 * ```ts
 * const { events, acknowledgment } = ediFileToEvents(readFileSync(path, 'utf8'), { filename: path });
 * for (const event of events) await ctx.publish(event);
 * if (acknowledgment !== undefined) writeFileSync(`${outbox}/997-${Date.now()}.edi`, acknowledgment);
 * ```
 */
export function ediFileToEvents(text: string, options: EdiFileOptions): EdiFileResult {
  const { interchange, errors } = parseX12(text);
  if (interchange === undefined) {
    return {
      events: [],
      acknowledgment: undefined,
      errors,
      documents: [],
      interchangeControlNumber: undefined,
    };
  }
  const events: EdiCanonicalEvent[] = [];
  const documents: X12Document[] = [];
  const syntaxErrors = [...errors];
  const mappingErrors: X12Error[] = [];
  for (const group of interchange.groups) {
    for (const set of group.transactionSets) {
      const read = readTransactionSet(set);
      syntaxErrors.push(...read.errors);
      if (read.document === undefined) continue;
      documents.push(read.document);
      if (hasErrorsIn(set, syntaxErrors)) continue;
      const key = `edi:${interchange.header.senderId}:${interchange.header.controlNumber}:${group.controlNumber}:${set.controlNumber}`;
      const mapped = eventsOf(read.document, key, { st: set.st, ...mappingOptions(options) });
      events.push(...mapped.events);
      mappingErrors.push(...mapped.errors);
    }
  }
  let acknowledgment: string | undefined;
  try {
    acknowledgment = acknowledgmentFor(interchange, syntaxErrors, options);
  } catch (error) {
    // An ISA too malformed to answer (an id longer than its field): report it, publish the rest.
    if (!(error instanceof RangeError || error instanceof X12Error)) throw error;
    mappingErrors.push(
      new X12Error(
        'VALUE_NOT_WRITABLE',
        `cannot write the 997: ${error instanceof X12Error ? error.detail : error.message}`,
        {
          segmentPosition: 1,
          segmentId: 'ISA',
        },
      ),
    );
  }
  return {
    events,
    acknowledgment,
    errors: [...syntaxErrors, ...mappingErrors],
    documents,
    interchangeControlNumber: interchange.header.controlNumber,
  };
}

function mappingOptions(
  options: EdiFileOptions,
): Omit<MappingOptions, 'st'> & { orders?: readonly Order[] } {
  const mapping: Omit<MappingOptions, 'st'> & { orders?: readonly Order[] } = {};
  if (options.customerId !== undefined) mapping.customerId = options.customerId;
  if (options.defaultCurrency !== undefined) mapping.defaultCurrency = options.defaultCurrency;
  if (options.orders !== undefined) mapping.orders = options.orders;
  if (options.utcOffset !== undefined) mapping.utcOffset = options.utcOffset;
  return mapping;
}

function eventsOf(
  document: X12Document,
  key: string,
  options: MappingOptions & { orders?: readonly Order[] },
): { events: EdiCanonicalEvent[]; errors: X12Error[] } {
  switch (document.transactionSet) {
    case '850': {
      const mapped = purchaseOrderToOrder(document, options);
      if (!mapped.ok) return { events: [], errors: mapped.errors };
      const event: EdiCanonicalEvent = {
        type: 'order.released',
        payload: mapped.value,
        correlationKey: mapped.value.orderNumber,
        idempotencyKey: key,
      };
      return { events: [event], errors: [] };
    }
    case '856': {
      const events: EdiCanonicalEvent[] = [];
      const errors: X12Error[] = [];
      for (const mapped of shipNoticeToShipments(document, options)) {
        if (!mapped.ok) {
          errors.push(...mapped.errors);
          continue;
        }
        const shipment = mapped.value;
        const orderNumber = shipment.orderNumber ?? shipment.shipmentId;
        events.push({
          type: 'shipment.confirmed',
          payload: shipment,
          correlationKey: orderNumber,
          idempotencyKey: `${key}:${orderNumber}`,
          occurredAt: shipment.shippedAt,
        });
      }
      return { events, errors };
    }
    case '820': {
      const mapped = remittanceToCanonical(document, options);
      if (!mapped.ok) return { events: [], errors: mapped.errors };
      const event: EdiCanonicalEvent = {
        type: 'remittance.received',
        payload: mapped.value,
        correlationKey: mapped.value.remittanceId,
        idempotencyKey: key,
      };
      return { events: [event], errors: [] };
    }
    case '810':
    case '997':
    case '999':
      // An inbound invoice or acknowledgment is read (see `documents`) but is no canonical event.
      return { events: [], errors: [] };
  }
}

function hasErrorsIn(set: X12TransactionSet, errors: readonly X12Error[]): boolean {
  const first = set.st.position;
  const last = set.se?.position ?? set.segments.at(-1)?.position ?? first;
  return (
    set.se === undefined ||
    errors.some(
      (error) =>
        error.segmentPosition !== undefined &&
        error.segmentPosition >= first &&
        error.segmentPosition <= last,
    )
  );
}

function acknowledgmentFor(
  interchange: X12Interchange,
  errors: readonly X12Error[],
  options: EdiFileOptions,
): string | undefined {
  // Acknowledgments are never acknowledged, or two systems would answer each other forever.
  const groups = interchange.groups.filter((group) => group.functionalId !== 'FA');
  if (groups.length === 0) return undefined;
  const { header } = interchange;
  const acks = acknowledgeInterchange({ ...interchange, groups }, errors);
  const envelope: X12EnvelopeOptions = {
    senderId: header.receiverId,
    senderQualifier: header.receiverQualifier,
    receiverId: header.senderId,
    receiverQualifier: header.senderQualifier,
    interchangeControlNumber:
      options.acknowledgmentControlNumber ?? (Number(header.controlNumber) || 1),
    version: header.version === '00401' ? '00401' : '00501',
    date: options.now ?? new Date(),
    ...options.acknowledgmentEnvelope,
  };
  // One 997 set per acknowledged group (0001, 0002, …), all in one FA group.
  const sets = acks.map((ack, index) => ({
    id: '997',
    controlNumber: String(index + 1).padStart(4, '0'),
    segments: acknowledgmentSegments(ack),
  }));
  return writeInterchange(envelope, 'FA', sets);
}
