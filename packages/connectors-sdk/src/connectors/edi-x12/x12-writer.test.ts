import { describe, expect, it } from 'vitest';
import {
  acknowledgeInterchange,
  generateAcknowledgment997,
  readFunctionalAcknowledgment,
} from './functional-ack-997.ts';
import type { X12FunctionalAcknowledgment } from './functional-ack-997.ts';
import { generateInvoice810, readInvoice } from './invoice-810.ts';
import type { X12InvoiceContent } from './invoice-810.ts';
import { fixture, fixtureSet } from './test-fixtures.ts';
import { readTransactionSet } from './transaction-set-reader.ts';
import { parseX12, parseX12OrThrow, transactionSetsOf } from './x12-parser.ts';
import { formatDecimal, formatImpliedDecimal, writeInterchange } from './x12-writer.ts';
import type { X12EnvelopeOptions } from './x12-writer.ts';

const envelope: X12EnvelopeOptions = {
  senderId: 'WAYBILLDIST',
  receiverId: 'RETAILCO',
  interchangeControlNumber: 303,
  date: new Date('2024-03-16T08:05:00Z'),
};

/** The 810 fixture's content, without what the reader adds (set type, control number, CTT01). */
function invoiceContent(): X12InvoiceContent {
  const { document } = readInvoice(fixtureSet('810-invoice.edi'));
  const {
    transactionSet: _type,
    controlNumber: _control,
    declaredLineCount: _count,
    ...content
  } = document;
  return content;
}

describe('writeInterchange', () => {
  it('writes a 106-character ISA and envelopes with matching control numbers and counts', () => {
    const text = writeInterchange(envelope, 'IN', [
      { id: '810', controlNumber: '0001', segments: [['BIG', '20240316', 'INV-1']] },
      {
        id: '810',
        controlNumber: '0002',
        segments: [
          ['BIG', '20240316', 'INV-2'],
          ['CTT', '0'],
        ],
      },
    ]);
    const lines = text.split('\n');
    expect(lines[0]).toHaveLength(106);
    expect(lines[0]).toBe(
      'ISA*00*          *00*          *ZZ*WAYBILLDIST    *ZZ*RETAILCO       *240316*0805*U*00401*000000303*0*P*>~',
    );
    expect(lines.slice(1, -1)).toEqual([
      'GS*IN*WAYBILLDIST*RETAILCO*20240316*0805*303*X*004010~',
      'ST*810*0001~',
      'BIG*20240316*INV-1~',
      'SE*3*0001~',
      'ST*810*0002~',
      'BIG*20240316*INV-2~',
      'CTT*0~',
      'SE*4*0002~',
      'GE*2*303~',
      'IEA*1*000000303~',
    ]);
    expect(parseX12(text).errors).toEqual([]);
  });

  it('writes with chosen separators and version 00501, and the parser reads them back', () => {
    const text = writeInterchange(
      {
        ...envelope,
        version: '00501',
        lineBreaks: false,
        separators: { element: '|', component: ':', segment: "'", repetition: '^' },
      },
      'IN',
      [
        {
          id: '810',
          controlNumber: '0001',
          segments: [
            ['BIG', '20240316', 'INV-1'],
            ['REF', 'ZZ', ['A', 'B']],
          ],
        },
      ],
    );
    expect(text).not.toContain('\n');
    const parsed = parseX12OrThrow(text);
    expect(parsed.separators).toEqual({
      element: '|',
      repetition: '^',
      component: ':',
      segment: "'",
    });
    expect(parsed.header.version).toBe('00501');
    expect(parsed.groups[0]?.version).toBe('005010');
    expect(transactionSetsOf(parsed)[0]?.segments[2]?.elements).toEqual(['ZZ', 'A:B']);
  });

  it('refuses a value that contains a separator, naming the segment and element', () => {
    expect(() =>
      writeInterchange(envelope, 'IN', [
        { id: '810', controlNumber: '0001', segments: [['N1', 'BY', 'SMITH*JONES']] },
      ]),
    ).toThrow(
      expect.objectContaining({
        code: 'VALUE_NOT_WRITABLE',
        segmentPosition: 4,
        segmentId: 'N1',
        elementPosition: 2,
      }),
    );
  });

  it('refuses ids longer than their ISA field and control numbers out of range', () => {
    expect(() =>
      writeInterchange({ ...envelope, senderId: 'A-VERY-LONG-SENDER-ID' }, 'IN', []),
    ).toThrow(RangeError);
    expect(() =>
      writeInterchange({ ...envelope, interchangeControlNumber: 1_000_000_000 }, 'IN', []),
    ).toThrow(RangeError);
    expect(() => writeInterchange({ ...envelope, separators: { element: '~' } }, 'IN', [])).toThrow(
      RangeError,
    );
  });

  it('formats explicit and implied decimals', () => {
    expect([
      formatDecimal(24.5),
      formatDecimal(120),
      formatDecimal(-56.5),
      formatDecimal(0.1 + 0.2),
    ]).toEqual(['24.5', '120', '-56.5', '0.3']);
    expect([
      formatImpliedDecimal(989.28),
      formatImpliedDecimal(45),
      formatImpliedDecimal(-0.5),
    ]).toEqual(['98928', '4500', '-50']);
  });
});

describe('810 generator', () => {
  it('round-trips: generate → parse → read gives the same invoice', () => {
    const content = invoiceContent();
    const text = generateInvoice810(content, { ...envelope, setControlNumber: '0042' });
    const { interchange, errors } = parseX12(text);
    expect(errors).toEqual([]);
    const [set] = transactionSetsOf(interchange!);
    expect(set).toMatchObject({ id: '810', controlNumber: '0042' });
    const read = readInvoice(set!);
    expect(read.errors).toEqual([]);
    expect(read.document).toEqual({
      ...content,
      transactionSet: '810',
      controlNumber: '0042',
      declaredLineCount: 3,
    });
  });

  it('round-trips with 00501 and unusual separators', () => {
    const content = invoiceContent();
    const text = generateInvoice810(content, {
      ...envelope,
      version: '00501',
      separators: { element: '^', component: '\\', segment: '!', repetition: '{' },
    });
    const [set] = transactionSetsOf(parseX12OrThrow(text));
    expect(readInvoice(set!).document).toMatchObject(content);
  });
});

describe('997 generator', () => {
  const ack: Omit<X12FunctionalAcknowledgment, 'transactionSet' | 'controlNumber'> = {
    group: { functionalId: 'IN', controlNumber: '303' },
    sets: [
      { setId: '810', controlNumber: '0001', status: 'A', errorCodes: [], segmentErrors: [] },
      {
        setId: '810',
        controlNumber: '0002',
        status: 'R',
        errorCodes: ['5'],
        segmentErrors: [
          {
            segmentId: 'IT1',
            position: 12,
            code: '8',
            contexts: [],
            elementErrors: [{ position: 2, componentPosition: 1, code: '6', badValue: '1O' }],
          },
        ],
      },
    ],
    groupStatus: 'P',
    setsIncluded: 2,
    setsReceived: 2,
    setsAccepted: 1,
    groupErrorCodes: [],
  };

  it('round-trips: generate → parse → read gives the same acknowledgment', () => {
    const text = generateAcknowledgment997(ack, {
      ...envelope,
      senderId: 'RETAILCO',
      receiverId: 'WAYBILLDIST',
      interchangeControlNumber: 404,
    });
    const parsed = parseX12OrThrow(text);
    expect(parsed.groups[0]?.functionalId).toBe('FA');
    const { document, errors } = readFunctionalAcknowledgment(transactionSetsOf(parsed)[0]!);
    expect(errors).toEqual([]);
    expect(document).toEqual({ ...ack, transactionSet: '997', controlNumber: '0001' });
  });

  it('acknowledges a clean interchange as accepted', () => {
    const { interchange, errors } = parseX12(fixture('850-purchase-order.edi'));
    expect(acknowledgeInterchange(interchange!, errors)).toEqual([
      {
        group: { functionalId: 'PO', controlNumber: '101' },
        sets: [
          { setId: '850', controlNumber: '0001', status: 'A', errorCodes: [], segmentErrors: [] },
        ],
        groupStatus: 'A',
        setsIncluded: 1,
        setsReceived: 1,
        setsAccepted: 1,
        groupErrorCodes: [],
      },
    ]);
  });

  it.each([
    ['broken-se-count.edi', ['4'], []],
    ['broken-control-numbers.edi', ['3'], ['4']],
  ])('rejects %s with set codes %j and group codes %j', (name, setCodes, groupCodes) => {
    const { interchange, errors } = parseX12(fixture(name));
    const [ack997] = acknowledgeInterchange(interchange!, errors);
    expect(ack997?.sets[0]).toMatchObject({ status: 'R', errorCodes: setCodes });
    expect(ack997).toMatchObject({
      groupStatus: 'R',
      setsAccepted: 0,
      groupErrorCodes: groupCodes,
    });
  });

  it('points AK3/AK4 at the segment (position in the set) and element a reader rejected', () => {
    const text = fixture('850-purchase-order.edi').replace('PO1*2*4*EA', 'PO1*2*4O*EA');
    const { interchange, errors } = parseX12(text);
    const [set] = transactionSetsOf(interchange!);
    const all = [...errors, ...readTransactionSet(set!).errors];
    const [ack997] = acknowledgeInterchange(interchange!, all);
    expect(ack997?.sets[0]).toEqual({
      setId: '850',
      controlNumber: '0001',
      status: 'R',
      errorCodes: ['5'],
      segmentErrors: [
        {
          segmentId: 'PO1',
          position: 15,
          code: '8',
          contexts: [],
          elementErrors: [{ position: 2, code: '6', badValue: '4O' }],
        },
      ],
    });
    expect(ack997?.groupStatus).toBe('R');
  });

  it('reports an invalid code value as AK403 7 and a malformed date as 8', () => {
    const text = fixture('810-invoice.edi')
      .replace('SAC*C*D240', 'SAC*X*D240')
      .replace('DTM*011*20240315', 'DTM*011*20240345');
    const { interchange, errors } = parseX12(text);
    const all = [...errors, ...readTransactionSet(transactionSetsOf(interchange!)[0]!).errors];
    const [ack997] = acknowledgeInterchange(interchange!, all);
    expect(
      ack997?.sets[0]?.segmentErrors.map((e) => [
        e.segmentId,
        e.position,
        e.elementErrors.map((x) => [x.position, x.code]),
      ]),
    ).toEqual([
      ['DTM', 12, [[2, '8']]],
      ['SAC', 21, [[1, '7']]],
    ]);
  });
});
