/**
 * Builds the envelope structure of an interchange (ISA/IEA → GS/GE → ST/SE → segments) and
 * checks it: control numbers of headers against trailers, the counts in IEA01, GE01 and SE01, the
 * order of envelope segments. Every problem is collected; only an unreadable ISA stops the parse.
 *
 * @module
 */
import { X12Error, X12ValidationError, elementRef } from './x12.error.ts';
import type { X12Segment, X12Separators } from './x12-tokenizer.ts';
import { tokenizeX12 } from './x12-tokenizer.ts';

/**
 * The ISA fields a program needs, trimmed (the raw segment is on {@link X12Interchange.isa}).
 *
 * ```ts
 * interchange.header.controlNumber; // '000000905'
 * ```
 */
export interface X12InterchangeHeader {
  senderQualifier: string;
  senderId: string;
  receiverQualifier: string;
  receiverId: string;
  /** ISA09, YYMMDD. */
  date: string;
  /** ISA10, HHMM. */
  time: string;
  /** ISA12, e.g. `00401` or `00501`. */
  version: string;
  /** ISA13, nine digits. */
  controlNumber: string;
  /** ISA14 = `1`: the sender asks for a TA1. */
  acknowledgmentRequested: boolean;
  /** ISA15: `P` production, `T` test. */
  usageIndicator: string;
}

/**
 * One transaction set (ST … SE). `segments` includes the ST and SE segments themselves.
 *
 * ```ts
 * const set = interchange.groups[0]!.transactionSets[0]!;
 * set.id; // '850'
 * ```
 */
export interface X12TransactionSet {
  /** ST01, the set's type: `850`, `856`, `810`, `997`, `999`, `820`, … */
  id: string;
  /** ST02. */
  controlNumber: string;
  /** ST03 (version 005010 on), e.g. `005010X231A1` for a 999. */
  implementationReference: string | undefined;
  segments: X12Segment[];
  /** The interchange's separators, for reading composite elements. */
  separators: X12Separators;
  st: X12Segment;
  se: X12Segment | undefined;
}

/**
 * One functional group (GS … GE).
 *
 * ```ts
 * interchange.groups[0]?.functionalId; // 'PO' for purchase orders
 * ```
 */
export interface X12FunctionalGroup {
  /** GS01: `PO` (850), `SH` (856), `IN` (810), `FA` (997/999), `RA` (820), … */
  functionalId: string;
  senderCode: string;
  receiverCode: string;
  /** GS04, CCYYMMDD. */
  date: string;
  /** GS05, HHMM[SS]. */
  time: string;
  /** GS06. */
  controlNumber: string;
  /** GS07, `X` for ASC X12. */
  agency: string;
  /** GS08, e.g. `004010` or `005010X231A1`. */
  version: string;
  transactionSets: X12TransactionSet[];
  gs: X12Segment;
  ge: X12Segment | undefined;
}

/**
 * A parsed interchange.
 *
 * ```ts
 * const { interchange } = parseX12(text);
 * interchange?.groups.flatMap((group) => group.transactionSets).map((set) => set.id); // ['850']
 * ```
 */
export interface X12Interchange {
  separators: X12Separators;
  header: X12InterchangeHeader;
  groups: X12FunctionalGroup[];
  isa: X12Segment;
  iea: X12Segment | undefined;
  /** Every segment of the interchange in order, envelopes included. */
  segments: X12Segment[];
}

/**
 * What {@link parseX12} returns: the interchange (undefined only after a fatal error) and every
 * problem found. An interchange with errors is still returned, so a 997 can say what was wrong.
 *
 * ```ts
 * const { interchange, errors } = parseX12(text);
 * if (errors.length > 0) console.log(errors.map((e) => e.message).join('\n'));
 * ```
 */
export interface X12ParseResult {
  interchange: X12Interchange | undefined;
  errors: X12Error[];
}

/**
 * The GS01 functional identifier each known transaction set belongs in.
 *
 * ```ts
 * FUNCTIONAL_ID_BY_SET['810']; // 'IN'
 * ```
 */
export const FUNCTIONAL_ID_BY_SET: Readonly<Record<string, string>> = {
  '810': 'IN',
  '820': 'RA',
  '850': 'PO',
  '855': 'PR',
  '856': 'SH',
  '997': 'FA',
  '999': 'FA',
};

/**
 * Parses an interchange and checks its envelopes. Never throws for bad input: problems come back in
 * `errors`, each with a code and the segment position.
 *
 * ```ts
 * const { interchange, errors } = parseX12(readFileSync('po.edi', 'utf8'));
 * errors[0]?.message; // 'segment 14 (SE): SE01 says 12 segments, the set has 11'
 * ```
 */
export function parseX12(text: string): X12ParseResult {
  const tokens = tokenizeX12(text);
  const [isa] = tokens.segments;
  if (tokens.separators === undefined || isa === undefined) {
    return { interchange: undefined, errors: tokens.errors };
  }
  const builder = new EnvelopeBuilder(tokens.separators, isa, tokens.segments);
  for (const segment of tokens.segments.slice(1)) builder.accept(segment);
  builder.finish();
  return { interchange: builder.interchange, errors: [...tokens.errors, ...builder.errors] };
}

/**
 * Parses an interchange and throws an {@link X12ValidationError} listing every problem if it has any.
 *
 * ```ts
 * const interchange = parseX12OrThrow(text);
 * ```
 */
export function parseX12OrThrow(text: string): X12Interchange {
  const { interchange, errors } = parseX12(text);
  if (interchange === undefined || errors.length > 0) throw new X12ValidationError(errors);
  return interchange;
}

/**
 * Every transaction set of an interchange, across its groups.
 *
 * ```ts
 * for (const set of transactionSetsOf(interchange)) console.log(set.id, set.controlNumber);
 * ```
 */
export function transactionSetsOf(interchange: X12Interchange): X12TransactionSet[] {
  return interchange.groups.flatMap((group) => group.transactionSets);
}

type State = 'interchange' | 'group' | 'set' | 'closed';

/** Consumes segments one at a time, following the envelope nesting. */
class EnvelopeBuilder {
  readonly interchange: X12Interchange;
  readonly errors: X12Error[] = [];
  #state: State = 'interchange';
  #group: X12FunctionalGroup | undefined;
  #set: X12TransactionSet | undefined;
  // Control numbers seen so far, to report duplicates without rescanning (interchanges can hold
  // thousands of sets).
  readonly #groupsByNumber = new Map<string, X12FunctionalGroup>();
  #setsByNumber = new Map<string, X12TransactionSet>();
  #afterTrailerReported = false;

  constructor(separators: X12Separators, isa: X12Segment, segments: X12Segment[]) {
    const value = (position: number): string => (isa.elements[position - 1] ?? '').trim();
    this.interchange = {
      separators,
      header: {
        senderQualifier: value(5),
        senderId: value(6),
        receiverQualifier: value(7),
        receiverId: value(8),
        date: value(9),
        time: value(10),
        version: value(12),
        controlNumber: value(13),
        acknowledgmentRequested: value(14) === '1',
        usageIndicator: value(15),
      },
      groups: [],
      isa,
      iea: undefined,
      segments,
    };
    if (!/^\d{9}$/.test(value(13))) {
      this.#error('ELEMENT_INVALID', isa, 13, `ISA13 must be 9 digits, found "${value(13)}"`);
    }
  }

  accept(segment: X12Segment): void {
    switch (this.#state) {
      case 'interchange':
        return this.#inInterchange(segment);
      case 'group':
        return this.#inGroup(segment);
      case 'set':
        return this.#inSet(segment);
      case 'closed':
        return this.#afterTrailer(segment);
    }
  }

  finish(): void {
    if (this.#state === 'closed') return;
    const last = this.interchange.segments.at(-1) ?? this.interchange.isa;
    const end: MissingAt = { position: last.position + 1, found: undefined };
    const where = { segmentPosition: end.position, segmentId: 'IEA' };
    if (this.#state === 'set') this.#closeSet(undefined, end);
    if (this.#state === 'group') this.#closeGroup(undefined, end);
    const number = this.interchange.header.controlNumber;
    this.errors.push(
      new X12Error(
        'TRAILER_MISSING',
        `interchange ${number} (ISA at segment 1) is not closed: expected IEA, the file ends`,
        where,
      ),
    );
    this.#state = 'closed';
  }

  #inInterchange(segment: X12Segment): void {
    if (segment.id === 'GS') return this.#openGroup(segment);
    if (segment.id === 'IEA') return this.#closeInterchange(segment);
    this.#outOfOrder(segment, 'outside a functional group (expected GS or IEA)');
  }

  #inGroup(segment: X12Segment): void {
    switch (segment.id) {
      case 'ST':
        return this.#openSet(segment);
      case 'GE':
        return this.#closeGroup(segment, undefined);
      case 'GS':
        this.#closeGroup(undefined, at(segment));
        return this.#openGroup(segment);
      case 'IEA':
        this.#closeGroup(undefined, at(segment));
        return this.#closeInterchange(segment);
      default:
        return this.#outOfOrder(segment, 'outside a transaction set (expected ST or GE)');
    }
  }

  #inSet(segment: X12Segment): void {
    const set = this.#set;
    switch (segment.id) {
      case 'SE':
        set?.segments.push(segment);
        return this.#closeSet(segment, undefined);
      case 'ST':
        this.#closeSet(undefined, at(segment));
        return this.#openSet(segment);
      case 'GE':
        this.#closeSet(undefined, at(segment));
        return this.#closeGroup(segment, undefined);
      case 'GS':
        this.#closeSet(undefined, at(segment));
        this.#closeGroup(undefined, at(segment));
        return this.#openGroup(segment);
      case 'IEA':
        this.#closeSet(undefined, at(segment));
        this.#closeGroup(undefined, at(segment));
        return this.#closeInterchange(segment);
      case 'ISA':
        return this.#outOfOrder(segment, 'inside a transaction set (an ISA only opens a file)');
      default:
        set?.segments.push(segment);
    }
  }

  #afterTrailer(segment: X12Segment): void {
    if (this.#afterTrailerReported) return;
    this.#afterTrailerReported = true;
    const what =
      segment.id === 'ISA'
        ? 'a second interchange starts after IEA; send one interchange per file'
        : 'content after the IEA trailer';
    this.errors.push(
      new X12Error('DATA_AFTER_TRAILER', what, {
        segmentPosition: segment.position,
        segmentId: segment.id,
      }),
    );
  }

  #openGroup(gs: X12Segment): void {
    const value = (position: number): string => gs.elements[position - 1] ?? '';
    const group: X12FunctionalGroup = {
      functionalId: value(1),
      senderCode: value(2),
      receiverCode: value(3),
      date: value(4),
      time: value(5),
      controlNumber: value(6),
      agency: value(7),
      version: value(8),
      transactionSets: [],
      gs,
      ge: undefined,
    };
    if (!/^\d{1,9}$/.test(group.controlNumber)) {
      this.#error(
        'ELEMENT_INVALID',
        gs,
        6,
        `GS06 must be 1–9 digits, found "${group.controlNumber}"`,
      );
    }
    const duplicate = this.#groupsByNumber.get(group.controlNumber);
    if (duplicate === undefined) this.#groupsByNumber.set(group.controlNumber, group);
    else {
      this.#error(
        'CONTROL_NUMBER_DUPLICATE',
        gs,
        6,
        `group control number ${group.controlNumber} is already used by the group at segment ${duplicate.gs.position}`,
      );
    }
    this.interchange.groups.push(group);
    this.#setsByNumber = new Map();
    this.#group = group;
    this.#state = 'group';
  }

  #openSet(st: X12Segment): void {
    const group = this.#group;
    const value = (position: number): string => st.elements[position - 1] ?? '';
    const set: X12TransactionSet = {
      id: value(1),
      controlNumber: value(2),
      implementationReference:
        st.elements[2] === undefined || st.elements[2] === '' ? undefined : st.elements[2],
      segments: [st],
      separators: this.interchange.separators,
      st,
      se: undefined,
    };
    if (!/^\d{3}$/.test(set.id)) {
      this.#error('ELEMENT_INVALID', st, 1, `ST01 must be a 3-digit set id, found "${set.id}"`);
    }
    if (!/^[A-Za-z0-9]{4,9}$/.test(set.controlNumber)) {
      this.#error(
        'ELEMENT_INVALID',
        st,
        2,
        `ST02 must be 4–9 characters, found "${set.controlNumber}"`,
      );
    }
    if (group !== undefined) {
      const expected = FUNCTIONAL_ID_BY_SET[set.id];
      if (expected !== undefined && expected !== group.functionalId) {
        this.#error(
          'ELEMENT_INVALID',
          st,
          1,
          `a ${set.id} belongs in a group with GS01 ${expected}, this group (segment ${group.gs.position}) is ${group.functionalId}`,
        );
      }
      const duplicate = this.#setsByNumber.get(set.controlNumber);
      if (duplicate === undefined) this.#setsByNumber.set(set.controlNumber, set);
      else {
        this.#error(
          'CONTROL_NUMBER_DUPLICATE',
          st,
          2,
          `set control number ${set.controlNumber} is already used by the set at segment ${duplicate.st.position}`,
        );
      }
      group.transactionSets.push(set);
    }
    this.#set = set;
    this.#state = 'set';
  }

  /** Closes the open set with `se`, or reports its SE missing where `interruptedBy` appeared. */
  #closeSet(se: X12Segment | undefined, interruptedBy: MissingAt | undefined): void {
    const set = this.#set;
    this.#state = 'group';
    this.#set = undefined;
    if (set === undefined) return;
    if (se === undefined) {
      this.#missing(
        'SE',
        `transaction set ${set.controlNumber} (ST at segment ${set.st.position})`,
        interruptedBy,
      );
      return;
    }
    set.se = se;
    this.#compareControlNumbers(se, 2, set.controlNumber, 'ST02');
    this.#compareCount(se, 1, set.segments.length, 'segments', 'the set has');
  }

  #closeGroup(ge: X12Segment | undefined, interruptedBy: MissingAt | undefined): void {
    const group = this.#group;
    this.#state = 'interchange';
    this.#group = undefined;
    if (group === undefined) return;
    if (ge === undefined) {
      this.#missing(
        'GE',
        `functional group ${group.controlNumber} (GS at segment ${group.gs.position})`,
        interruptedBy,
      );
      return;
    }
    group.ge = ge;
    this.#compareControlNumbers(ge, 2, group.controlNumber, 'GS06');
    this.#compareCount(ge, 1, group.transactionSets.length, 'transaction sets', 'the group has');
  }

  #closeInterchange(iea: X12Segment): void {
    this.#state = 'closed';
    this.interchange.iea = iea;
    this.#compareControlNumbers(iea, 2, this.interchange.header.controlNumber, 'ISA13');
    this.#compareCount(
      iea,
      1,
      this.interchange.groups.length,
      'functional groups',
      'the interchange has',
    );
  }

  #compareControlNumbers(
    trailer: X12Segment,
    position: number,
    expected: string,
    header: string,
  ): void {
    const actual = trailer.elements[position - 1] ?? '';
    if (actual !== expected) {
      const ref = elementRef(trailer.id, position);
      this.#error(
        'CONTROL_NUMBER_MISMATCH',
        trailer,
        position,
        `${ref} is "${actual}" but ${header} is "${expected}"`,
      );
    }
  }

  #compareCount(
    trailer: X12Segment,
    position: number,
    actual: number,
    noun: string,
    has: string,
  ): void {
    const raw = trailer.elements[position - 1] ?? '';
    const ref = elementRef(trailer.id, position);
    if (!/^\d+$/.test(raw)) {
      this.#error('ELEMENT_INVALID', trailer, position, `${ref} must be a count, found "${raw}"`);
    } else if (Number(raw) !== actual) {
      this.#error(
        'COUNT_MISMATCH',
        trailer,
        position,
        `${ref} says ${Number(raw)} ${noun}, ${has} ${actual}`,
      );
    }
  }

  #missing(trailerId: string, what: string, at: MissingAt | undefined): void {
    const found = at?.found === undefined ? 'the file ends' : `found ${at.found}`;
    const where =
      at === undefined ? {} : { segmentPosition: at.position, segmentId: at.found ?? trailerId };
    this.errors.push(
      new X12Error(
        'TRAILER_MISSING',
        `${what} is not closed: expected ${trailerId}, ${found}`,
        where,
      ),
    );
  }

  #outOfOrder(segment: X12Segment, where: string): void {
    this.errors.push(
      new X12Error('SEGMENT_OUT_OF_ORDER', `${segment.id} is not allowed ${where}`, {
        segmentPosition: segment.position,
        segmentId: segment.id,
      }),
    );
  }

  #error(code: X12Error['code'], segment: X12Segment, element: number, detail: string): void {
    this.errors.push(
      new X12Error(code, detail, {
        segmentPosition: segment.position,
        segmentId: segment.id,
        elementPosition: element,
      }),
    );
  }
}

/**
 * Where a missing trailer was expected: the position of the segment found instead (`found`), or
 * one past the last segment when the file ends (`found` undefined).
 */
interface MissingAt {
  position: number;
  found: string | undefined;
}

function at(segment: X12Segment): MissingAt {
  return { position: segment.position, found: segment.id };
}
