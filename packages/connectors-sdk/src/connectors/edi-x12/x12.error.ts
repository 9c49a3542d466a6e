/**
 * Typed X12 errors. Every problem found in an interchange is an {@link X12Error} with a string
 * code and the place it was found: the segment's 1-based position in the interchange, its id and,
 * when known, the element position (`SE01` is segment id `SE`, element 1).
 *
 * @module
 */

/**
 * Every X12 error code and what it means. `fatal` codes stop parsing: nothing after them can be
 * trusted (separators unknown, envelope unreadable); the others are collected and parsing goes on.
 *
 * ```ts
 * X12ErrorCodes.COUNT_MISMATCH.fatal; // false
 * ```
 */
export const X12ErrorCodes = {
  /** The input is empty or only whitespace. */
  EMPTY_INPUT: { fatal: true, description: 'Nothing to parse.' },
  /** The text does not start with an ISA segment, or the ISA is too short to read separators. */
  ISA_INVALID: { fatal: true, description: 'No readable ISA interchange header.' },
  /** An ISA element does not have its fixed width (ISA is 106 characters in all). */
  ISA_WIDTH: { fatal: false, description: 'ISA element has the wrong width.' },
  /** A segment id is not 2–3 upper-case letters or digits. */
  SEGMENT_ID_INVALID: { fatal: false, description: 'Malformed segment id.' },
  /** A segment where the envelope does not allow it (e.g. a segment between GE and GS). */
  SEGMENT_OUT_OF_ORDER: { fatal: false, description: 'Segment not allowed here.' },
  /** The interchange, a group or a set is never closed (IEA, GE or SE missing). */
  TRAILER_MISSING: { fatal: false, description: 'Envelope trailer missing.' },
  /** A trailer's control number differs from its header's (ISA13/IEA02, GS06/GE02, ST02/SE02). */
  CONTROL_NUMBER_MISMATCH: {
    fatal: false,
    description: 'Header and trailer control numbers differ.',
  },
  /** A trailer's count is wrong (IEA01 groups, GE01 sets, SE01 segments). */
  COUNT_MISMATCH: { fatal: false, description: 'Trailer count does not match the content.' },
  /** Two sets of a group, or two groups of an interchange, share a control number. */
  CONTROL_NUMBER_DUPLICATE: { fatal: false, description: 'Control number used twice.' },
  /** Text after the IEA trailer. */
  DATA_AFTER_TRAILER: { fatal: false, description: 'Content after the interchange trailer.' },
  /** A required segment of a transaction set is missing (e.g. an 850 without BEG). */
  SEGMENT_MISSING: { fatal: false, description: 'Required segment missing.' },
  /** A required element is empty, or its value has the wrong form (a quantity that is no number). */
  ELEMENT_INVALID: { fatal: false, description: 'Element missing or malformed.' },
  /** HL loops do not form a tree (unknown parent, duplicate id, an item above an order). */
  HL_STRUCTURE: { fatal: false, description: 'Hierarchical levels do not form a valid tree.' },
  /** A reader was given a transaction set of another type (an 810 to the 850 reader). */
  WRONG_TRANSACTION_SET: { fatal: false, description: 'Transaction set of another type.' },
  /** A document does not map to a valid canonical record (a price missing, an unknown currency). */
  CANONICAL_INVALID: {
    fatal: false,
    description: 'Document does not map to the canonical model.',
  },
  /** A value to write contains one of the interchange's separators, or exceeds its field. */
  VALUE_NOT_WRITABLE: {
    fatal: false,
    description: 'Value cannot be written with these separators.',
  },
} as const;

/**
 * One of the keys of {@link X12ErrorCodes}.
 *
 * ```ts
 * if (error.code === 'COUNT_MISMATCH') console.log(error.segmentPosition);
 * ```
 */
export type X12ErrorCode = keyof typeof X12ErrorCodes;

/**
 * Where an {@link X12Error} was found. Positions are 1-based; the ISA segment is position 1.
 *
 * ```ts
 * const where: X12Location = { segmentPosition: 14, segmentId: 'SE', elementPosition: 1 };
 * ```
 */
export interface X12Location {
  segmentPosition?: number;
  segmentId?: string;
  elementPosition?: number;
}

/**
 * Plain JSON form of an {@link X12Error}, as printed by `edi parse` and returned by operations.
 *
 * ```ts
 * const json: SerializedX12Error = error.toJSON();
 * ```
 */
export interface SerializedX12Error extends X12Location {
  code: X12ErrorCode;
  message: string;
}

const brand = Symbol.for('waybill.X12Error');

/**
 * A problem in an interchange. The message starts with where it is, e.g.
 * `segment 14 (SE): SE01 says 12 segments, the set has 11`.
 *
 * ```ts
 * const error = new X12Error('COUNT_MISMATCH', 'SE01 says 12 segments, the set has 11', {
 *   segmentPosition: 14, segmentId: 'SE', elementPosition: 1,
 * });
 * error.message; // 'segment 14 (SE): SE01 says 12 segments, the set has 11'
 * ```
 */
export class X12Error extends Error {
  readonly code: X12ErrorCode;
  readonly segmentPosition: number | undefined;
  readonly segmentId: string | undefined;
  readonly elementPosition: number | undefined;
  /** The message without the location prefix. */
  readonly detail: string;
  readonly [brand] = true;

  constructor(code: X12ErrorCode, detail: string, where: X12Location = {}) {
    super(`${describeLocation(where)}${detail}`);
    this.name = 'X12Error';
    this.code = code;
    this.detail = detail;
    this.segmentPosition = where.segmentPosition;
    this.segmentId = where.segmentId;
    this.elementPosition = where.elementPosition;
  }

  /** True when parsing cannot go on after this error. */
  get fatal(): boolean {
    return X12ErrorCodes[this.code].fatal;
  }

  toJSON(): SerializedX12Error {
    const json: SerializedX12Error = { code: this.code, message: this.message };
    if (this.segmentPosition !== undefined) json.segmentPosition = this.segmentPosition;
    if (this.segmentId !== undefined) json.segmentId = this.segmentId;
    if (this.elementPosition !== undefined) json.elementPosition = this.elementPosition;
    return json;
  }
}

/**
 * True for an {@link X12Error}, even one from another copy of this package.
 *
 * ```ts
 * try { readInterchange(text); } catch (error) { if (isX12Error(error)) console.log(error.code); }
 * ```
 */
export function isX12Error(value: unknown): value is X12Error {
  return typeof value === 'object' && value !== null && brand in value;
}

/**
 * Several problems at once: thrown by the `…OrThrow` helpers, which refuse an interchange with
 * any error. `errors` holds each one; the message lists them, one per line.
 *
 * ```ts
 * try { readInterchange(text); } catch (error) {
 *   if (error instanceof X12ValidationError) for (const e of error.errors) console.log(e.code, e.segmentPosition);
 * }
 * ```
 */
export class X12ValidationError extends Error {
  readonly errors: readonly X12Error[];
  constructor(errors: readonly X12Error[]) {
    const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
    super(`X12 interchange has ${count}:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
    this.name = 'X12ValidationError';
    this.errors = errors;
  }
}

function describeLocation(where: X12Location): string {
  if (where.segmentPosition === undefined) return '';
  const id = where.segmentId === undefined ? '' : ` (${where.segmentId})`;
  return `segment ${where.segmentPosition}${id}: `;
}

/**
 * An element reference like `SE01` or `ISA13`, as used in messages.
 *
 * ```ts
 * elementRef('SE', 1); // 'SE01'
 * ```
 */
export function elementRef(segmentId: string, position: number): string {
  return `${segmentId}${String(position).padStart(2, '0')}`;
}
