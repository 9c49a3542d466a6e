/**
 * Reading element values: text, numbers (explicit `R` and implied-decimal `N2`), dates and
 * times, composite components, with every malformed value collected as an {@link X12Error}
 * that names the segment position and element.
 *
 * @module
 */
import { X12Error, elementRef } from './x12.error.ts';
import type { X12Segment } from './x12-tokenizer.ts';
import type { X12TransactionSet } from './x12-parser.ts';

/**
 * The raw value of element `position` (1-based) of a segment, `''` when absent.
 *
 * ```ts
 * elementAt(se, 1); // SE01
 * ```
 */
export function elementAt(segment: X12Segment, position: number): string {
  return segment.elements[position - 1] ?? '';
}

/**
 * What a typed reader returns: the document and the problems met reading it (each naming the
 * segment position and element). A document with errors is still returned, best effort.
 *
 * ```ts
 * const { document, errors } = readPurchaseOrder(set);
 * ```
 */
export interface X12ReadResult<TDocument> {
  document: TDocument;
  errors: X12Error[];
}

/**
 * A qualifier and the value it qualifies: `REF*DP*042`, `PO1…*VP*SKU-1001`, `N1…*92*DC7`.
 *
 * ```ts
 * const ref: X12Reference = { qualifier: 'BM', value: 'BOL-998877' };
 * ```
 */
export interface X12Reference {
  qualifier: string;
  value: string;
}

/**
 * A party from an N1 loop (N1, N2, N3, N4, REF, PER).
 *
 * ```ts
 * const shipTo: X12Party = { code: 'ST', name: 'RETAILCO DC 7', idQualifier: '92', id: 'DC7', address: { lines: ['1200 LOGISTICS WAY'], city: 'COLUMBUS', state: 'OH', postalCode: '43215', country: 'US' } };
 * ```
 */
export interface X12Party {
  /** N101 entity code: `BY` buyer, `ST` ship to, `SF` ship from, `BT` bill to, `RE` remit to, `PR` payer, `PE` payee, … */
  code: string;
  name: string;
  idQualifier: string | undefined;
  id: string | undefined;
  address: X12Address | undefined;
}

/**
 * N3/N4 address of a party.
 *
 * ```ts
 * const address: X12Address = { lines: ['1 MAIN ST'], city: 'AKRON', state: 'OH', postalCode: '44308', country: 'US' };
 * ```
 */
export interface X12Address {
  lines: string[];
  city: string | undefined;
  state: string | undefined;
  postalCode: string | undefined;
  country: string | undefined;
}

/**
 * Terms of sale from an ITD segment (850, 810).
 *
 * ```ts
 * const terms: X12Terms = { typeCode: '01', basisDateCode: '3', discountPercent: 2, discountDays: 10, netDays: 30 };
 * ```
 */
export interface X12Terms {
  /** ITD01, e.g. `01` basic, `05` discount not applicable, `08` basic discount offered. */
  typeCode: string | undefined;
  /** ITD02, e.g. `3` invoice date. */
  basisDateCode: string | undefined;
  discountPercent?: number;
  discountDueDate?: string;
  discountDays?: number;
  netDueDate?: string;
  netDays?: number;
  description?: string;
}

/**
 * A qualified date from a DTM segment: `011` shipped, `002` delivery requested, `003` invoice, `097` transaction creation, …
 *
 * ```ts
 * const shipped: X12DateReference = { qualifier: '011', date: '2024-03-15' };
 * ```
 */
export interface X12DateReference {
  qualifier: string;
  date: string;
  time?: string;
}

/**
 * Reads elements of one transaction set and collects what is wrong with them instead of
 * throwing, so a reader reports every bad element of a document at once.
 *
 * ```ts
 * const read = new ElementReader(set);
 * const quantity = read.decimal(po1, 2, { required: true }); // pushes ELEMENT_INVALID if not a number
 * ```
 */
export class ElementReader {
  readonly errors: X12Error[] = [];
  readonly set: X12TransactionSet;

  constructor(set: X12TransactionSet) {
    this.set = set;
  }

  /** The trimmed text of an element; `undefined` when empty (reported when `required`). */
  text(
    segment: X12Segment,
    position: number,
    options: { required?: boolean } = {},
  ): string | undefined {
    const value = elementAt(segment, position).trim();
    if (value !== '') return value;
    if (options.required === true)
      this.fail(segment, position, `${elementRef(segment.id, position)} is required`);
    return undefined;
  }

  /** Like {@link text} with `required`, but `''` instead of undefined so callers stay simple. */
  requiredText(segment: X12Segment, position: number): string {
    return this.text(segment, position, { required: true }) ?? '';
  }

  /** An explicit decimal (X12 type `R`/`N0`): `12`, `-56.5`, `.75`. */
  decimal(
    segment: X12Segment,
    position: number,
    options: { required?: boolean } = {},
  ): number | undefined {
    const raw = this.text(segment, position, options);
    if (raw === undefined) return undefined;
    if (!/^-?(\d+\.?\d*|\.\d+)$/.test(raw)) {
      this.fail(
        segment,
        position,
        `${elementRef(segment.id, position)} must be a number, found "${raw}"`,
      );
      return undefined;
    }
    return Number(raw);
  }

  /** An implied-decimal amount (X12 type `N2`): `98928` is 989.28. */
  impliedDecimal(
    segment: X12Segment,
    position: number,
    options: { required?: boolean; places?: number } = {},
  ): number | undefined {
    const raw = this.text(segment, position, options);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) {
      const places = options.places ?? 2;
      this.fail(
        segment,
        position,
        `${elementRef(segment.id, position)} must be digits with ${places} implied decimals, found "${raw}"`,
      );
      return undefined;
    }
    return roundTo(Number(raw) / 10 ** (options.places ?? 2), options.places ?? 2);
  }

  /** A date, CCYYMMDD (or YYMMDD), as ISO `YYYY-MM-DD`. */
  date(
    segment: X12Segment,
    position: number,
    options: { required?: boolean } = {},
  ): string | undefined {
    const raw = this.text(segment, position, options);
    if (raw === undefined) return undefined;
    const iso = x12DateToIso(raw);
    if (iso === undefined) {
      this.fail(
        segment,
        position,
        `${elementRef(segment.id, position)} must be a date CCYYMMDD, found "${raw}"`,
      );
    }
    return iso;
  }

  /** A time, HHMM[SS[D…]], as `HH:MM` or `HH:MM:SS`. */
  time(segment: X12Segment, position: number): string | undefined {
    const raw = this.text(segment, position);
    if (raw === undefined) return undefined;
    const match = /^([01]\d|2[0-3])([0-5]\d)([0-5]\d)?\d*$/.exec(raw);
    if (match === null) {
      this.fail(
        segment,
        position,
        `${elementRef(segment.id, position)} must be a time HHMM, found "${raw}"`,
      );
      return undefined;
    }
    const [, hours, minutes, seconds] = match;
    return seconds === undefined ? `${hours}:${minutes}` : `${hours}:${minutes}:${seconds}`;
  }

  /** The components of a composite element (one value when it has no component separator). */
  components(segment: X12Segment, position: number): string[] {
    return elementAt(segment, position).split(this.set.separators.component);
  }

  /** Qualifier/value pairs from consecutive elements, e.g. PO106/PO107, PO108/PO109, … */
  pairs(segment: X12Segment, from: number): X12Reference[] {
    const pairs: X12Reference[] = [];
    for (let position = from; position < segment.elements.length; position += 2) {
      const qualifier = elementAt(segment, position).trim();
      const value = elementAt(segment, position + 1).trim();
      if (qualifier !== '' && value !== '') pairs.push({ qualifier, value });
    }
    return pairs;
  }

  /** Reports a problem with element `position` of `segment`. */
  fail(
    segment: X12Segment,
    position: number | undefined,
    detail: string,
    code: X12Error['code'] = 'ELEMENT_INVALID',
  ): void {
    this.errors.push(
      new X12Error(code, detail, {
        segmentPosition: segment.position,
        segmentId: segment.id,
        elementPosition: position,
      }),
    );
  }

  /** Reports a required segment missing from the set (at the set's ST). */
  missing(segmentId: string, why: string): void {
    this.errors.push(
      new X12Error(
        'SEGMENT_MISSING',
        `transaction set ${this.set.id} ${this.set.controlNumber} has no ${segmentId} segment (${why})`,
        {
          segmentPosition: this.set.st.position,
          segmentId: 'ST',
        },
      ),
    );
  }

  /** The set's body: its segments without ST and SE. */
  body(): X12Segment[] {
    return this.set.segments.filter((segment) => segment.id !== 'ST' && segment.id !== 'SE');
  }

  /** Reads an N1 loop starting at `segments[index]` (an N1); returns the party and the next index. */
  party(segments: readonly X12Segment[], index: number): { party: X12Party; next: number } {
    const n1 = segments[index];
    if (n1 === undefined) throw new RangeError(`no segment at ${index}`);
    const party: X12Party = {
      code: this.requiredText(n1, 1),
      name: this.text(n1, 2) ?? '',
      idQualifier: this.text(n1, 3),
      id: this.text(n1, 4),
      address: undefined,
    };
    let next = index + 1;
    for (let segment = segments[next]; segment !== undefined; segment = segments[++next]) {
      if (segment.id === 'N2') {
        party.name = [party.name, this.text(segment, 1), this.text(segment, 2)]
          .filter(Boolean)
          .join(' ');
      } else if (segment.id === 'N3') {
        party.address ??= emptyAddress();
        for (const position of [1, 2]) {
          const line = this.text(segment, position);
          if (line !== undefined) party.address.lines.push(line);
        }
      } else if (segment.id === 'N4') {
        party.address ??= emptyAddress();
        party.address.city = this.text(segment, 1);
        party.address.state = this.text(segment, 2);
        party.address.postalCode = this.text(segment, 3);
        party.address.country = this.text(segment, 4);
      } else if (segment.id !== 'REF' && segment.id !== 'PER') {
        break;
      }
    }
    return { party, next };
  }

  /** ITD terms of sale. */
  terms(itd: X12Segment): X12Terms {
    const terms: X12Terms = { typeCode: this.text(itd, 1), basisDateCode: this.text(itd, 2) };
    assignDefined(terms, 'discountPercent', this.decimal(itd, 3));
    assignDefined(terms, 'discountDueDate', this.date(itd, 4));
    assignDefined(terms, 'discountDays', this.decimal(itd, 5));
    assignDefined(terms, 'netDueDate', this.date(itd, 6));
    assignDefined(terms, 'netDays', this.decimal(itd, 7));
    assignDefined(terms, 'description', this.text(itd, 12));
    return terms;
  }

  /** A DTM date reference (undefined, and reported, when its date is missing or malformed). */
  dateReference(dtm: X12Segment): X12DateReference | undefined {
    const qualifier = this.requiredText(dtm, 1);
    const date = this.date(dtm, 2, { required: true });
    if (date === undefined) return undefined;
    const reference: X12DateReference = { qualifier, date };
    assignDefined(reference, 'time', this.time(dtm, 3));
    return reference;
  }

  /** A REF reference (REF01 qualifier, REF02 value, or REF03 description when REF02 is empty). */
  reference(ref: X12Segment): X12Reference {
    return {
      qualifier: this.requiredText(ref, 1),
      value: this.text(ref, 2) ?? this.text(ref, 3) ?? '',
    };
  }

  /**
   * Checks the order a set's segments must keep: `begin` right after ST, and no `detail` segment
   * after the first `summary` segment (a PO1 after CTT, an IT1 after TDS). Reports
   * `SEGMENT_OUT_OF_ORDER` at the misplaced segment; a missing `begin` is left to the reader.
   */
  checkOrder(begin: string, detail: readonly string[], summary: readonly string[]): void {
    const body = this.body();
    const first = body[0];
    const beginning = body.find((segment) => segment.id === begin);
    if (first !== undefined && beginning !== undefined && first !== beginning) {
      this.fail(
        beginning,
        undefined,
        `${begin} must be the first segment after ST, found after ${first.id} (segment ${first.position})`,
        'SEGMENT_OUT_OF_ORDER',
      );
    }
    const summaryStart = body.find((segment) => summary.includes(segment.id));
    if (summaryStart === undefined) return;
    for (const segment of body) {
      if (segment.position > summaryStart.position && detail.includes(segment.id)) {
        this.fail(
          segment,
          undefined,
          `${segment.id} is not allowed after the summary segment ${summaryStart.id} (segment ${summaryStart.position})`,
          'SEGMENT_OUT_OF_ORDER',
        );
      }
    }
  }

  /** Fails unless the set is of type `expected`; returns whether it is. */
  expectSet(expected: readonly string[]): boolean {
    if (expected.includes(this.set.id)) return true;
    this.fail(
      this.set.st,
      1,
      `expected a ${expected.join(' or ')} transaction set, found ${this.set.id}`,
      'WRONG_TRANSACTION_SET',
    );
    return false;
  }
}

/**
 * CCYYMMDD or YYMMDD as ISO `YYYY-MM-DD`; undefined when not a real date.
 *
 * ```ts
 * x12DateToIso('20240312'); // '2024-03-12'
 * x12DateToIso('240312');   // '2024-03-12'
 * ```
 */
export function x12DateToIso(value: string): string | undefined {
  const match = /^(\d{2})?(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (match === null) return undefined;
  const [, century = '20', year = '', month = '', day = ''] = match;
  const iso = `${century}${year}-${month}-${day}`;
  const parsed = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso
    ? undefined
    : iso;
}

/**
 * The first segment with id `id` in `segments`, from `from` on.
 *
 * ```ts
 * const beg = findSegment(set.segments, 'BEG');
 * ```
 */
export function findSegment(
  segments: readonly X12Segment[],
  id: string,
  from = 0,
): X12Segment | undefined {
  for (let index = from; index < segments.length; index++) {
    const segment = segments[index];
    if (segment?.id === id) return segment;
  }
  return undefined;
}

function emptyAddress(): X12Address {
  return {
    lines: [],
    city: undefined,
    state: undefined,
    postalCode: undefined,
    country: undefined,
  };
}

/**
 * Rounds to `places` decimals, avoiding binary noise such as 0.1 + 0.2.
 *
 * ```ts
 * roundTo(882.5 * 0.07, 2); // 61.78
 * ```
 */
export function roundTo(value: number, places: number): number {
  const factor = 10 ** places;
  return Math.round((value + Number.EPSILON) * factor) / factor;
}

/**
 * Sets `target[key]` only when `value` is defined, so optional fields stay absent rather than
 * `undefined` (documents compare equal after a JSON round trip).
 *
 * ```ts
 * assignDefined(line, 'description', read.text(pid, 5));
 * ```
 */
export function assignDefined<TTarget extends object, TKey extends keyof TTarget>(
  target: TTarget,
  key: TKey,
  value: TTarget[TKey] | undefined,
): void {
  if (value !== undefined) target[key] = value;
}
