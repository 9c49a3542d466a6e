import { describe, expect, it } from 'vitest';
import { ediParseCommand } from './edi-parse-command.ts';
import { fixture } from './test-fixtures.ts';

describe('ediParseCommand (edi parse <file>)', () => {
  it('prints envelopes, sets, segments with positions and elements, and the typed document', () => {
    const result = ediParseCommand(fixture('856-ship-notice.edi'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { interchange } = result.json;
    expect(interchange).toMatchObject({
      controlNumber: '000000202',
      sender: { qualifier: 'ZZ', id: 'WAYBILLDIST' },
      receiver: { qualifier: 'ZZ', id: 'RETAILCO' },
      version: '00501',
      separators: { element: '*', repetition: '^', component: ':', segment: '~' },
      segmentCount: 38,
      isa: { position: 1, offset: 0, id: 'ISA' },
      iea: { position: 38, id: 'IEA', elements: ['1', '000000202'] },
    });
    const [group] = interchange.groups;
    expect(group).toMatchObject({
      functionalId: 'SH',
      controlNumber: '202',
      startPosition: 2,
      endPosition: 37,
    });
    const [set] = group!.transactionSets;
    expect(set).toMatchObject({
      id: '856',
      controlNumber: '0001',
      implementationReference: '005010',
      startPosition: 3,
      endPosition: 36,
      segmentCount: 34,
    });
    expect(set?.segments[1]).toEqual({
      position: 4,
      offset: 182,
      id: 'BSN',
      elements: ['00', 'SHP-77001', '20240315', '1430', '0001'],
    });
    expect(set?.document?.transactionSet).toBe('856');
  });

  it.each([
    [
      'broken-se-count.edi',
      'COUNT_MISMATCH',
      22,
      'segment 22 (SE): SE01 says 21 segments, the set has 20',
    ],
    [
      'broken-missing-iea.edi',
      'TRAILER_MISSING',
      24,
      'segment 24 (IEA): interchange 000000101 (ISA at segment 1) is not closed: expected IEA, the file ends',
    ],
    [
      'broken-segment-order.edi',
      'SEGMENT_OUT_OF_ORDER',
      23,
      'segment 23 (N1): N1 is not allowed outside a transaction set (expected ST or GE)',
    ],
  ])('fails %s with errors naming the segment position', (name, code, position, message) => {
    const result = ediParseCommand(fixture(name));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      expect.objectContaining({ code, segmentPosition: position, message }),
    ]);
    expect(result.json?.interchange.controlNumber).toBe('000000101');
  });

  it('includes reader errors, in file order', () => {
    const text = fixture('810-invoice.edi')
      .replace('TDS*98928', 'TDS*98.928')
      .replace('IT1*1*10*CA', 'IT1*1*1O*CA');
    const result = ediParseCommand(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(
      result.errors.map((e) => [e.code, e.segmentPosition, e.segmentId, e.elementPosition]),
    ).toEqual([
      ['ELEMENT_INVALID', 15, 'IT1', 2],
      ['ELEMENT_INVALID', 21, 'TDS', 1],
    ]);
  });

  it('fails without JSON when the ISA is unreadable', () => {
    const result = ediParseCommand("UNA:+.? 'UNB+UNOC:3");
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          code: 'ISA_INVALID',
          segmentPosition: 1,
          segmentId: 'ISA',
          message: 'segment 1 (ISA): an interchange starts with ISA, found "UNA:+.? \'U"',
        },
      ],
    });
  });
});
