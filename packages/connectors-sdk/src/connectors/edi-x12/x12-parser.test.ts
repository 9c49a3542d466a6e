import { describe, expect, it } from 'vitest';
import { fixture } from './test-fixtures.ts';
import { X12Error, X12ValidationError, isX12Error } from './x12.error.ts';
import { parseX12, parseX12OrThrow, transactionSetsOf } from './x12-parser.ts';
import { readSeparators, tokenizeX12 } from './x12-tokenizer.ts';

const isa00401 =
  'ISA*00*          *00*          *ZZ*RETAILCO       *ZZ*WAYBILLDIST    *240312*0930*U*00401*000000101*0*P*>~';

/** A minimal 850 interchange around `body`, with its counts right unless overridden. */
function interchange(body: string[], options: { isa?: string; terminator?: string } = {}): string {
  const t = options.terminator ?? '~';
  const isa = (options.isa ?? isa00401).replace(/~$/, t);
  const segments = [
    'GS*PO*RETAILCO*WAYBILLDIST*20240312*0930*101*X*004010',
    'ST*850*0001',
    ...body,
    `SE*${body.length + 2}*0001`,
    'GE*1*101',
    'IEA*1*000000101',
  ];
  return isa + segments.map((segment) => segment + t).join('');
}

describe('separators', () => {
  it('reads element, repetition, component and segment separators from the ISA', () => {
    expect(readSeparators(fixture('856-ship-notice.edi'))).toEqual({
      element: '*',
      repetition: '^',
      component: ':',
      segment: '~',
    });
  });

  it('has no repetition separator before version 00402 (ISA11 is the standards id U)', () => {
    expect(readSeparators(isa00401)).toEqual({
      element: '*',
      repetition: undefined,
      component: '>',
      segment: '~',
    });
  });

  it('parses an interchange written with other separators and a newline terminator', () => {
    const isa = isa00401.replaceAll('*', '|').replace('>~', '^\n');
    const text = `${isa}${[
      'GS|PO|RETAILCO|WAYBILLDIST|20240312|0930|101|X|004010',
      'ST|850|0001',
      'BEG|00|SA|PO-1||20240312',
      'PO1|1|2|EA|3||VP|A',
      'SE|4|0001',
      'GE|1|101',
      'IEA|1|000000101',
    ].join('\r\n')}\r\n`;
    const { interchange: parsed, errors } = parseX12(text);
    expect(errors).toEqual([]);
    expect(parsed?.separators).toEqual({
      element: '|',
      repetition: undefined,
      component: '^',
      segment: '\n',
    });
    const [set] = transactionSetsOf(parsed!);
    expect(set?.segments.map((s) => s.id)).toEqual(['ST', 'BEG', 'PO1', 'SE']);
    expect(set?.segments[2]?.elements.at(-1)).toBe('A');
  });
});

describe('tokenizer', () => {
  it('numbers segments from 1 (the ISA) and ignores CR/LF after terminators', () => {
    const { segments, errors } = tokenizeX12(fixture('850-purchase-order.edi'));
    expect(errors).toEqual([]);
    expect(segments.map((s) => s.position)).toEqual(segments.map((_, index) => index + 1));
    expect(segments.at(-1)).toMatchObject({
      id: 'IEA',
      position: 24,
      elements: ['1', '000000101'],
    });
    expect(segments.some((s) => s.elements.some((e) => e.includes('\r')))).toBe(false);
  });

  it('gives the UTF-8 byte offset of each segment', () => {
    const text = interchange([
      'BEG*00*SA*PO-1**20240312',
      'PO1*1*2*EA*3**VP*A',
      'PID*F****CAFÉ CRÈME',
      'CTT*1',
    ]);
    const { segments } = tokenizeX12(text);
    const bytes = Buffer.from(text, 'utf8');
    for (const segment of segments) {
      expect(bytes.subarray(segment.offset, segment.offset + segment.id.length).toString()).toBe(
        segment.id,
      );
    }
  });

  it('reports a segment id that is not 2–3 letters or digits', () => {
    const { errors } = tokenizeX12(interchange(['BEG*00*SA*PO-1**20240312', 'po1*1*2*EA*3**VP*A']));
    expect(errors.map((e) => [e.code, e.segmentPosition])).toEqual([['SEGMENT_ID_INVALID', 5]]);
  });
});

describe('envelopes', () => {
  it('builds interchange → group → set → segments with named header fields', () => {
    const parsed = parseX12OrThrow(fixture('850-purchase-order.edi'));
    expect(parsed.header).toMatchObject({
      senderId: 'RETAILCO',
      receiverId: 'WAYBILLDIST',
      controlNumber: '000000101',
      version: '00401',
      usageIndicator: 'P',
    });
    const [group] = parsed.groups;
    expect(group).toMatchObject({ functionalId: 'PO', controlNumber: '101', version: '004010' });
    const [set] = group!.transactionSets;
    expect(set).toMatchObject({ id: '850', controlNumber: '0001' });
    expect(set?.segments).toHaveLength(20);
    expect(set?.st.position).toBe(3);
    expect(set?.se?.position).toBe(22);
  });

  it.each([
    ['850-purchase-order.edi', '850'],
    ['856-ship-notice.edi', '856'],
    ['810-invoice.edi', '810'],
    ['820-remittance.edi', '820'],
    ['997-acknowledgment.edi', '997'],
    ['999-acknowledgment-errors.edi', '999'],
  ])('%s parses without envelope errors', (name, setId) => {
    const { interchange: parsed, errors } = parseX12(fixture(name));
    expect(errors).toEqual([]);
    expect(transactionSetsOf(parsed!).map((set) => set.id)).toEqual([setId]);
  });

  it.each([
    ['broken-se-count.edi', [['COUNT_MISMATCH', 22, 'SE', 1]]],
    [
      'broken-control-numbers.edi',
      [
        ['CONTROL_NUMBER_MISMATCH', 22, 'SE', 2],
        ['CONTROL_NUMBER_MISMATCH', 23, 'GE', 2],
        ['CONTROL_NUMBER_MISMATCH', 24, 'IEA', 2],
      ],
    ],
    ['broken-missing-iea.edi', [['TRAILER_MISSING', 24, 'IEA', undefined]]],
    ['broken-isa-width.edi', [['ISA_WIDTH', 1, 'ISA', 6]]],
    ['broken-segment-order.edi', [['SEGMENT_OUT_OF_ORDER', 23, 'N1', undefined]]],
  ])('%s reports code and segment position', (name, expected) => {
    const { interchange: parsed, errors } = parseX12(fixture(name));
    expect(parsed).toBeDefined();
    expect(errors.map((e) => [e.code, e.segmentPosition, e.segmentId, e.elementPosition])).toEqual(
      expected,
    );
  });

  it('names the place and both numbers in the message', () => {
    const [error] = parseX12(fixture('broken-se-count.edi')).errors;
    expect(error?.message).toBe('segment 22 (SE): SE01 says 21 segments, the set has 20');
    expect(isX12Error(error)).toBe(true);
  });

  it('names the element, the expected width and what it found for a bad ISA width', () => {
    const [error] = parseX12(fixture('broken-isa-width.edi')).errors;
    expect(error?.message).toBe(
      'segment 1 (ISA): ISA06 must be exactly 15 characters (pad with spaces), found 8: "RETAILCO"',
    );
  });

  it('collects every problem of a file, not only the first', () => {
    const text = interchange(['BEG*00*SA*PO-1**20240312'])
      .replace('SE*3*0001', 'SE*9*0002')
      .replace('GE*1*101', 'GE*2*101')
      .replace('IEA*1*000000101', 'IEA*3*000000101');
    const { errors } = parseX12(text);
    expect(errors.map((e) => [e.code, e.segmentPosition, e.elementPosition])).toEqual([
      ['CONTROL_NUMBER_MISMATCH', 5, 2],
      ['COUNT_MISMATCH', 5, 1],
      ['COUNT_MISMATCH', 6, 1],
      ['COUNT_MISMATCH', 7, 1],
    ]);
  });

  it('reports a set left open where the next envelope segment appears', () => {
    const text = interchange(['BEG*00*SA*PO-1**20240312']).replace('SE*3*0001~', '');
    const { errors } = parseX12(text);
    expect(errors.map((e) => [e.code, e.segmentPosition, e.segmentId])).toEqual([
      ['TRAILER_MISSING', 5, 'GE'],
    ]);
    expect(errors[0]?.message).toContain('expected SE, found GE');
  });

  it('reports missing SE, GE and IEA when the file stops inside a set', () => {
    const text = `${isa00401}GS*PO*A*B*20240312*0930*7*X*004010~ST*850*0001~BEG*00*SA*PO-1**20240312~`;
    const { errors } = parseX12(text);
    expect(errors.map((e) => [e.code, e.segmentPosition])).toEqual([
      ['TRAILER_MISSING', 5],
      ['TRAILER_MISSING', 5],
      ['TRAILER_MISSING', 5],
    ]);
    expect(errors.map((e) => e.message)).toEqual([
      'segment 5 (SE): transaction set 0001 (ST at segment 3) is not closed: expected SE, the file ends',
      'segment 5 (GE): functional group 7 (GS at segment 2) is not closed: expected GE, the file ends',
      'segment 5 (IEA): interchange 000000101 (ISA at segment 1) is not closed: expected IEA, the file ends',
    ]);
  });

  it('reports duplicate set control numbers within a group', () => {
    const text = interchange([
      'BEG*00*SA*PO-1**20240312',
      'SE*3*0001',
      'ST*850*0001',
      'BEG*00*SA*PO-2**20240312',
    ])
      .replace('SE*6*0001', 'SE*3*0001')
      .replace('GE*1*101', 'GE*2*101');
    const { errors } = parseX12(text);
    expect(errors.map((e) => [e.code, e.segmentPosition, e.elementPosition])).toEqual([
      ['CONTROL_NUMBER_DUPLICATE', 6, 2],
    ]);
  });

  it('reports a set in a group of the wrong functional id', () => {
    const text = interchange(['BEG*00*SA*PO-1**20240312']).replace('GS*PO*', 'GS*IN*');
    const { errors } = parseX12(text);
    expect(errors.map((e) => [e.code, e.segmentPosition, e.elementPosition])).toEqual([
      ['ELEMENT_INVALID', 3, 1],
    ]);
  });

  it('reports content after the IEA once', () => {
    const text = `${interchange(['BEG*00*SA*PO-1**20240312'])}${isa00401}GS*PO~`;
    const { errors } = parseX12(text);
    expect(errors.map((e) => [e.code, e.segmentPosition, e.segmentId])).toEqual([
      ['DATA_AFTER_TRAILER', 8, 'ISA'],
    ]);
  });

  it.each([
    ['', 'EMPTY_INPUT', undefined],
    ['   \n', 'EMPTY_INPUT', undefined],
    ['GS*PO*A*B~', 'ISA_INVALID', 1],
    ['ISA*00*  *00~', 'ISA_INVALID', 1],
    ['ISAX00', 'ISA_INVALID', 1],
  ])('stops with a fatal error for %j', (text, code, position) => {
    const { interchange: parsed, errors } = parseX12(text);
    expect(parsed).toBeUndefined();
    expect(errors.map((e) => [e.code, e.segmentPosition, e.fatal])).toEqual([
      [code, position, true],
    ]);
  });

  it('throws every problem at once from parseX12OrThrow', () => {
    expect(() => parseX12OrThrow(fixture('broken-control-numbers.edi'))).toThrow(
      X12ValidationError,
    );
    try {
      parseX12OrThrow(fixture('broken-control-numbers.edi'));
    } catch (error) {
      expect((error as X12ValidationError).errors).toHaveLength(3);
      expect((error as X12ValidationError).message).toContain(
        'segment 23 (GE): GE02 is "102" but GS06 is "101"',
      );
    }
  });

  it('serializes errors to plain JSON', () => {
    const error = new X12Error('COUNT_MISMATCH', 'SE01 says 12 segments, the set has 11', {
      segmentPosition: 14,
      segmentId: 'SE',
      elementPosition: 1,
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'COUNT_MISMATCH',
      message: 'segment 14 (SE): SE01 says 12 segments, the set has 11',
      segmentPosition: 14,
      segmentId: 'SE',
      elementPosition: 1,
    });
  });
});
