import { canonicalEvents } from '@waybill/shared';
import { describe, expect, it } from 'vitest';
import { ediFileToEvents } from './edi-file-to-events.ts';
import { readFunctionalAcknowledgment } from './functional-ack-997.ts';
import { fixture } from './test-fixtures.ts';
import { parseX12OrThrow, transactionSetsOf } from './x12-parser.ts';

const now = new Date('2024-03-16T10:00:00Z');

function ackOf(text: string | undefined) {
  expect(text).toBeDefined();
  const interchange = parseX12OrThrow(text!);
  const [set] = transactionSetsOf(interchange);
  return { interchange, ack: readFunctionalAcknowledgment(set!).document };
}

describe('ediFileToEvents', () => {
  it('turns an 850 into order.released and answers with an accepting 997 addressed back to the sender', () => {
    const result = ediFileToEvents(fixture('850-purchase-order.edi'), {
      filename: 'po.edi',
      now,
      acknowledgmentControlNumber: 5001,
    });
    expect(result.errors).toEqual([]);
    expect(result.events).toHaveLength(1);
    const [event] = result.events;
    expect(event).toMatchObject({
      type: 'order.released',
      correlationKey: 'PO-45001',
      idempotencyKey: 'edi:RETAILCO:000000101:101:0001',
    });
    expect(canonicalEvents['order.released'].safeParse(event?.payload).success).toBe(true);
    const { interchange, ack } = ackOf(result.acknowledgment);
    expect(interchange.header).toMatchObject({
      senderId: 'WAYBILLDIST',
      receiverId: 'RETAILCO',
      controlNumber: '000005001',
    });
    expect(ack).toMatchObject({
      group: { functionalId: 'PO', controlNumber: '101' },
      groupStatus: 'A',
      setsAccepted: 1,
    });
  });

  it('turns an 856 into shipment.confirmed per order, with the short line', () => {
    const { events, errors } = ediFileToEvents(fixture('856-ship-notice.edi'), {
      filename: 'asn.edi',
      now,
    });
    expect(errors).toEqual([]);
    expect(events.map((e) => [e.type, e.correlationKey, e.idempotencyKey, e.occurredAt])).toEqual([
      [
        'shipment.confirmed',
        'PO-45001',
        'edi:WAYBILLDIST:000000202:202:0001:PO-45001',
        '2024-03-15T14:30:00Z',
      ],
    ]);
    const payload = events[0]?.type === 'shipment.confirmed' ? events[0].payload : undefined;
    expect(payload?.partial).toBe(true);
    expect(payload?.lines.find((line) => line.sku === 'SKU-3003')).toMatchObject({
      shippedQty: 18,
      orderedQty: 25,
    });
  });

  it('turns an 820 into remittance.received correlated by the remittance id', () => {
    const { events } = ediFileToEvents(fixture('820-remittance.edi'), { filename: 'ra.edi', now });
    expect(events.map((e) => [e.type, e.correlationKey])).toEqual([
      ['remittance.received', 'ACH-20240410-0042'],
    ]);
  });

  it('gives the same idempotency keys when the same file is dropped again', () => {
    const first = ediFileToEvents(fixture('850-purchase-order.edi'), { filename: 'a.edi', now });
    const again = ediFileToEvents(fixture('850-purchase-order.edi'), {
      filename: 'a-copy.edi',
      now,
    });
    expect(again.events.map((e) => e.idempotencyKey)).toEqual(
      first.events.map((e) => e.idempotencyKey),
    );
  });

  it('publishes nothing for a rejected set and says why in the 997', () => {
    const result = ediFileToEvents(fixture('broken-se-count.edi'), { filename: 'bad.edi', now });
    expect(result.events).toEqual([]);
    expect(result.errors.map((e) => [e.code, e.segmentPosition])).toEqual([['COUNT_MISMATCH', 22]]);
    const { ack } = ackOf(result.acknowledgment);
    expect(ack.sets).toEqual([
      { setId: '850', controlNumber: '0001', status: 'R', errorCodes: ['4'], segmentErrors: [] },
    ]);
    expect(ack.groupStatus).toBe('R');
  });

  it('rejects a set whose elements are malformed, pointing at the segment and element', () => {
    const text = fixture('850-purchase-order.edi').replace('PO1*3*25*CA', 'PO1*3*2S*CA');
    const result = ediFileToEvents(text, { filename: 'bad.edi', now });
    expect(result.events).toEqual([]);
    expect(result.errors.map((e) => [e.code, e.segmentPosition, e.elementPosition])).toEqual([
      ['ELEMENT_INVALID', 19, 2],
    ]);
    const { ack } = ackOf(result.acknowledgment);
    expect(ack.sets[0]?.segmentErrors).toEqual([
      {
        segmentId: 'PO1',
        position: 17,
        code: '8',
        contexts: [],
        elementErrors: [{ position: 2, code: '6', badValue: '2S' }],
      },
    ]);
  });

  it('does not acknowledge an acknowledgment, but returns it as a document', () => {
    const result = ediFileToEvents(fixture('997-acknowledgment.edi'), { filename: '997.edi', now });
    expect(result.acknowledgment).toBeUndefined();
    expect(result.events).toEqual([]);
    expect(result.documents.map((d) => d.transactionSet)).toEqual(['997']);
  });

  it('returns the fatal error and no 997 for an unreadable file', () => {
    const result = ediFileToEvents('hello', { filename: 'x.edi' });
    expect(result.errors.map((e) => e.code)).toEqual(['ISA_INVALID']);
    expect(result.acknowledgment).toBeUndefined();
    expect(result.interchangeControlNumber).toBeUndefined();
  });
});
