/**
 * Reads the separators from the ISA segment and cuts an interchange into segments, each with its
 * 1-based position in the interchange and its byte offset in the file.
 *
 * @module
 */
import { X12Error } from './x12.error.ts';

/**
 * The four delimiters of an interchange, all read from its ISA segment.
 *
 * ```ts
 * const separators: X12Separators = { element: '*', repetition: '^', component: ':', segment: '~' };
 * ```
 */
export interface X12Separators {
  /** Between elements: the 4th character of the ISA. */
  element: string;
  /** Between repeats of an element: ISA11 from version 00402 on; undefined before (ISA11 = `U`). */
  repetition: string | undefined;
  /** Between components of a composite element: ISA16. */
  component: string;
  /** After each segment: the character after ISA16. */
  segment: string;
}

/**
 * One segment: its id, its elements (`elements[0]` is element 01), where it is.
 *
 * ```ts
 * const se: X12Segment = { id: 'SE', elements: ['11', '0001'], position: 14, offset: 512 };
 * se.elements[0]; // SE01, '11'
 * ```
 */
export interface X12Segment {
  id: string;
  /** Raw element values, untrimmed; composites keep their component separators. */
  elements: string[];
  /** 1-based position in the interchange; the ISA is 1. */
  position: number;
  /** Byte offset (UTF-8) of the segment's first character in the text. */
  offset: number;
}

/**
 * The fixed widths of ISA01 to ISA16 (the ISA is 106 characters with its terminator).
 *
 * ```ts
 * ISA_ELEMENT_WIDTHS[12]; // 9, the width of ISA13
 * ```
 */
export const ISA_ELEMENT_WIDTHS: readonly number[] = [
  2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1,
];

/**
 * What {@link tokenizeX12} returns: the separators, the segments in order, and the problems met
 * on the way (a fatal one leaves `segments` empty).
 *
 * ```ts
 * const { separators, segments, errors } = tokenizeX12(text);
 * ```
 */
export interface X12Tokens {
  separators: X12Separators | undefined;
  segments: X12Segment[];
  errors: X12Error[];
}

const segmentIdPattern = /^[A-Z0-9]{2,3}$/;
const lineBreaks = new Set(['\r', '\n']);

/**
 * Reads the separators from the ISA header at the start of `text` (after any byte-order mark or
 * leading whitespace). Throws a fatal {@link X12Error} when there is no readable ISA.
 *
 * ```ts
 * readSeparators('ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P*:~');
 * // { element: '*', repetition: '^', component: ':', segment: '~' }
 * ```
 */
export function readSeparators(text: string): X12Separators {
  return locateIsa(text).separators;
}

interface IsaLocation {
  start: number;
  separators: X12Separators;
  /** The raw ISA01–ISA16 values, found by walking the element separators. */
  values: string[];
}

function locateIsa(text: string): IsaLocation {
  const start = skipLeading(text);
  if (start >= text.length) throw new X12Error('EMPTY_INPUT', 'the file is empty');
  const where = { segmentPosition: 1, segmentId: 'ISA' };
  if (text.slice(start, start + 3) !== 'ISA') {
    const found = JSON.stringify(text.slice(start, start + 10));
    throw new X12Error('ISA_INVALID', `an interchange starts with ISA, found ${found}`, where);
  }
  const element = text.charAt(start + 3);
  if (element === '' || /[A-Za-z0-9\s]/.test(element)) {
    throw new X12Error(
      'ISA_INVALID',
      `the character after ISA must be the element separator, found ${JSON.stringify(element)}`,
      where,
    );
  }
  // Walk the 16 elements instead of trusting fixed offsets, so that a padding mistake in one
  // element is reported as such (ISA_WIDTH) rather than making every separator wrong.
  const values: string[] = [];
  let cursor = start + 4;
  for (let index = 0; index < 15; index++) {
    const next = text.indexOf(element, cursor);
    if (next === -1 || next - cursor > 80) {
      throw new X12Error(
        'ISA_INVALID',
        `ISA has fewer than 16 elements: separator ${JSON.stringify(element)} after ISA${pad(index + 1)} not found`,
        { ...where, elementPosition: index + 1 },
      );
    }
    values.push(text.slice(cursor, next));
    cursor = next + 1;
  }
  const component = text.charAt(cursor);
  const segment = text.charAt(cursor + 1);
  if (component === '' || segment === '') {
    throw new X12Error('ISA_INVALID', 'the file ends inside the ISA segment', {
      ...where,
      elementPosition: 16,
    });
  }
  values.push(component);
  const delimiters = [element, component, segment];
  if (new Set(delimiters).size !== delimiters.length || /[A-Za-z0-9 ]/.test(component + segment)) {
    throw new X12Error(
      'ISA_INVALID',
      `separators must be distinct non-alphanumeric characters: element ${JSON.stringify(element)}, component (ISA16) ${JSON.stringify(component)}, segment ${JSON.stringify(segment)}`,
      { ...where, elementPosition: 16 },
    );
  }
  const isa11 = values[10] ?? '';
  // Before version 00402 ISA11 is the standards identifier (`U`), not a separator.
  const repetition =
    isa11.length === 1 && !/[A-Za-z0-9 ]/.test(isa11) && !delimiters.includes(isa11)
      ? isa11
      : undefined;
  return { start, separators: { element, repetition, component, segment }, values };
}

/**
 * Cuts an interchange into segments. Line breaks after segment terminators are ignored; the ISA's
 * fixed element widths are checked (`ISA_WIDTH`, one error per element, not fatal); malformed
 * segment ids are reported (`SEGMENT_ID_INVALID`) and kept.
 *
 * ```ts
 * const { segments } = tokenizeX12(text);
 * segments[0]?.id; // 'ISA'
 * ```
 */
export function tokenizeX12(text: string): X12Tokens {
  let isa: IsaLocation;
  try {
    isa = locateIsa(text);
  } catch (error) {
    if (error instanceof X12Error) return { separators: undefined, segments: [], errors: [error] };
    throw error;
  }
  const errors = checkIsaWidths(isa.values);
  const { separators } = isa;
  const segments: X12Segment[] = [];
  const ascii = isAscii(text);
  let byteOffset = ascii ? isa.start : utf8Length(text.slice(0, isa.start));
  let cursor = isa.start;
  while (cursor < text.length) {
    const end = text.indexOf(separators.segment, cursor);
    const stop = end === -1 ? text.length : end;
    let raw = text.slice(cursor, stop);
    // A newline used as terminator leaves the CR of a CRLF file on the segment.
    if (separators.segment === '\n' && raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (end === -1 && raw.trim() === '') break;
    const position = segments.length + 1;
    const [id = '', ...elements] = raw.split(separators.element);
    const segment: X12Segment = { id, elements, position, offset: byteOffset };
    segments.push(segment);
    if (!segmentIdPattern.test(id)) {
      errors.push(
        new X12Error(
          'SEGMENT_ID_INVALID',
          `segment id ${JSON.stringify(id)} is not 2–3 upper-case letters or digits`,
          { segmentPosition: position, segmentId: id },
        ),
      );
    }
    if (end === -1) {
      errors.push(
        new X12Error(
          'SEGMENT_ID_INVALID',
          `the last segment has no terminator ${JSON.stringify(separators.segment)}`,
          { segmentPosition: position, segmentId: id },
        ),
      );
      break;
    }
    let next = end + 1;
    while (
      next < text.length &&
      lineBreaks.has(text.charAt(next)) &&
      !isSeparator(text.charAt(next), separators)
    ) {
      next++;
    }
    byteOffset += ascii ? next - cursor : utf8Length(text.slice(cursor, next));
    cursor = next;
  }
  return { separators, segments, errors };
}

function checkIsaWidths(values: readonly string[]): X12Error[] {
  const errors: X12Error[] = [];
  ISA_ELEMENT_WIDTHS.forEach((width, index) => {
    const value = values[index] ?? '';
    if (value.length !== width) {
      errors.push(
        new X12Error(
          'ISA_WIDTH',
          `ISA${pad(index + 1)} must be exactly ${width} characters (pad with spaces), found ${value.length}: ${JSON.stringify(value)}`,
          { segmentPosition: 1, segmentId: 'ISA', elementPosition: index + 1 },
        ),
      );
    }
  });
  return errors;
}

function isSeparator(char: string, separators: X12Separators): boolean {
  return (
    char === separators.element ||
    char === separators.component ||
    char === separators.segment ||
    char === separators.repetition
  );
}

function skipLeading(text: string): number {
  let index = 0;
  if (text.charCodeAt(0) === 0xfeff) index = 1;
  while (index < text.length && /\s/.test(text.charAt(index))) index++;
  return index;
}

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) > 0x7f) return false;
  }
  return true;
}

const encoder = new TextEncoder();
function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

function pad(position: number): string {
  return String(position).padStart(2, '0');
}
