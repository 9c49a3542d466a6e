/**
 * Writes interchanges: ISA with its fixed widths, GS/GE and ST/SE with control numbers and counts,
 * with the separators you choose. Values that contain a separator are refused, not escaped: X12
 * has no escape character.
 *
 * @module
 */
import { X12Error, elementRef } from './x12.error.ts';
import type { X12Separators } from './x12-tokenizer.ts';

/**
 * One segment to write: its id, then its elements; an array element is a composite (its
 * components are joined with the component separator). Trailing empty elements are dropped.
 *
 * ```ts
 * const big: X12SegmentData = ['BIG', '20240316', 'INV-88001', '20240312', 'PO-45001'];
 * const composite: X12SegmentData = ['IK4', ['2', '1'], '382', '6'];
 * ```
 */
export type X12SegmentData = readonly [string, ...(string | readonly string[])[]];

/**
 * One transaction set to write: ST01, the body (without ST/SE), and its ST02.
 *
 * ```ts
 * const set: X12SetData = { id: '997', controlNumber: '0001', segments: [['AK1', 'IN', '303'], ['AK9', 'A', '1', '1', '1']] };
 * ```
 */
export interface X12SetData {
  id: string;
  controlNumber: string;
  /** ST03, from version 005010 on (e.g. `005010X231A1`). */
  implementationReference?: string;
  segments: readonly X12SegmentData[];
}

/**
 * Sender, receiver, control numbers, version and separators of an interchange to write.
 *
 * ```ts
 * const envelope: X12EnvelopeOptions = {
 *   senderId: 'WAYBILLDIST', receiverId: 'RETAILCO', interchangeControlNumber: 303,
 *   date: new Date('2024-03-16T08:00:00Z'),
 * };
 * ```
 */
export interface X12EnvelopeOptions {
  senderId: string;
  /** ISA05, default `ZZ` (mutually defined). */
  senderQualifier?: string;
  receiverId: string;
  receiverQualifier?: string;
  /** ISA13 / IEA02, 1 to 999999999 (written with 9 digits). */
  interchangeControlNumber: number;
  /** GS06 / GE02; defaults to the interchange control number. */
  groupControlNumber?: number;
  /** GS02 / GS03; default to the sender and receiver ids. */
  applicationSenderCode?: string;
  applicationReceiverCode?: string;
  /** ISA09/ISA10 and GS04/GS05, in UTC; defaults to now. */
  date?: Date;
  /** ISA12: `00401` (ISA11 = `U`, no repetition separator) or `00501` (default `00401`). */
  version?: '00401' | '00501';
  /** GS08; defaults to `004010` or `005010` after `version`. */
  groupVersion?: string;
  /** Default `*`, `>`, `~` and, for 00501, `^`. */
  separators?: Partial<X12Separators>;
  /** ISA15: `P` production (default) or `T` test. */
  usageIndicator?: 'P' | 'T';
  /** ISA14: ask the receiver for a TA1 (default false). */
  acknowledgmentRequested?: boolean;
  /** Write a line break after each segment terminator (default true; readers ignore it). */
  lineBreaks?: boolean;
}

/**
 * Writes a one-group interchange holding `sets`, with GS01 `functionalId`.
 *
 * ```ts
 * const text = writeInterchange(envelope, 'FA', [{ id: '997', controlNumber: '0001', segments }]);
 * ```
 */
export function writeInterchange(
  envelope: X12EnvelopeOptions,
  functionalId: string,
  sets: readonly X12SetData[],
): string {
  const version = envelope.version ?? '00401';
  const separators = resolveSeparators(envelope);
  const date = envelope.date ?? new Date();
  const interchangeNumber = controlNumber(
    envelope.interchangeControlNumber,
    'interchangeControlNumber',
  );
  const groupNumber = String(
    controlNumber(
      envelope.groupControlNumber ?? envelope.interchangeControlNumber,
      'groupControlNumber',
    ),
  );
  const stamp = date.toISOString(); // 2024-03-16T08:00:00.000Z
  const ccyymmdd = stamp.slice(0, 10).replaceAll('-', '');
  const hhmm = stamp.slice(11, 16).replace(':', '');
  const isa: X12SegmentData = [
    'ISA',
    '00',
    fixed('', 10),
    '00',
    fixed('', 10),
    fixed(envelope.senderQualifier ?? 'ZZ', 2),
    fixed(envelope.senderId, 15),
    fixed(envelope.receiverQualifier ?? 'ZZ', 2),
    fixed(envelope.receiverId, 15),
    ccyymmdd.slice(2),
    hhmm,
    version === '00401' ? 'U' : (separators.repetition ?? '^'),
    version,
    String(interchangeNumber).padStart(9, '0'),
    envelope.acknowledgmentRequested === true ? '1' : '0',
    envelope.usageIndicator ?? 'P',
    separators.component,
  ];
  const segments: X12SegmentData[] = [
    isa,
    [
      'GS',
      functionalId,
      envelope.applicationSenderCode ?? envelope.senderId.trim(),
      envelope.applicationReceiverCode ?? envelope.receiverId.trim(),
      ccyymmdd,
      hhmm,
      groupNumber,
      'X',
      envelope.groupVersion ?? (version === '00401' ? '004010' : '005010'),
    ],
  ];
  for (const set of sets) {
    const header: X12SegmentData =
      set.implementationReference === undefined
        ? ['ST', set.id, set.controlNumber]
        : ['ST', set.id, set.controlNumber, set.implementationReference];
    segments.push(header, ...set.segments, [
      'SE',
      String(set.segments.length + 2),
      set.controlNumber,
    ]);
  }
  segments.push(
    ['GE', String(sets.length), groupNumber],
    ['IEA', '1', String(interchangeNumber).padStart(9, '0')],
  );
  const newline = envelope.lineBreaks === false ? '' : '\n';
  return segments
    .map(
      (segment, index) =>
        serializeSegment(segment, index + 1, separators) + separators.segment + newline,
    )
    .join('');
}

/**
 * One segment as text (without terminator), refusing values that contain a separator.
 *
 * ```ts
 * serializeSegment(['REF', 'BM', 'BOL-1'], 5, separators); // 'REF*BM*BOL-1'
 * ```
 */
export function serializeSegment(
  segment: X12SegmentData,
  position: number,
  separators: X12Separators,
): string {
  const [id, ...elements] = segment;
  const forbidden = [
    separators.element,
    separators.component,
    separators.segment,
    separators.repetition,
  ].filter((value): value is string => value !== undefined);
  const written = elements.map((element, index) => {
    const components = typeof element === 'string' ? [element] : element;
    for (const component of components) {
      const bad = forbidden.find((separator) => component.includes(separator));
      // ISA11 (repetition) and ISA16 (component) hold separators by definition.
      if (bad !== undefined && !(id === 'ISA' && (index === 10 || index === 15))) {
        throw new X12Error(
          'VALUE_NOT_WRITABLE',
          `${elementRef(id, index + 1)} value ${JSON.stringify(component)} contains the separator ${JSON.stringify(bad)}`,
          { segmentPosition: position, segmentId: id, elementPosition: index + 1 },
        );
      }
    }
    return trimTrailingEmpty(components).join(separators.component);
  });
  return [id, ...trimTrailingEmpty(written)].join(separators.element);
}

/**
 * An explicit decimal (X12 type `R`): no exponent, no trailing zeros, at most `places` decimals.
 *
 * ```ts
 * formatDecimal(24.5); // '24.5'
 * formatDecimal(-56.5); // '-56.5'
 * ```
 */
export function formatDecimal(value: number, places = 4): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} as an X12 number`);
  const fixedText = value.toFixed(places);
  const trimmed = fixedText.includes('.') ? fixedText.replace(/\.?0+$/, '') : fixedText;
  return trimmed === '-0' ? '0' : trimmed;
}

/**
 * An implied-decimal amount (X12 type `N2`): 989.28 → `98928`.
 *
 * ```ts
 * formatImpliedDecimal(989.28); // '98928'
 * ```
 */
export function formatImpliedDecimal(value: number, places = 2): string {
  if (!Number.isFinite(value)) throw new RangeError(`cannot write ${value} as an X12 number`);
  const scaled = Math.round(Math.abs(value) * 10 ** places);
  return `${value < 0 && scaled !== 0 ? '-' : ''}${scaled}`;
}

/**
 * An ISO date `YYYY-MM-DD` as CCYYMMDD.
 *
 * ```ts
 * formatX12Date('2024-03-16'); // '20240316'
 * ```
 */
export function formatX12Date(isoDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate))
    throw new RangeError(`expected a date YYYY-MM-DD, got "${isoDate}"`);
  return isoDate.replaceAll('-', '');
}

function resolveSeparators(envelope: X12EnvelopeOptions): X12Separators {
  const chosen = envelope.separators ?? {};
  const separators: X12Separators = {
    element: chosen.element ?? '*',
    component: chosen.component ?? '>',
    segment: chosen.segment ?? '~',
    repetition: (envelope.version ?? '00401') === '00401' ? undefined : (chosen.repetition ?? '^'),
  };
  const all = [
    separators.element,
    separators.component,
    separators.segment,
    separators.repetition,
  ].filter((value): value is string => value !== undefined);
  for (const separator of all) {
    if (separator.length !== 1 || /[A-Za-z0-9 ]/.test(separator)) {
      throw new RangeError(
        `a separator must be one non-alphanumeric character, got ${JSON.stringify(separator)}`,
      );
    }
  }
  if (new Set(all).size !== all.length)
    throw new RangeError(`separators must differ: ${JSON.stringify(all)}`);
  return separators;
}

function controlNumber(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 999_999_999) {
    throw new RangeError(`${name} must be an integer from 1 to 999999999, got ${value}`);
  }
  return value;
}

function fixed(value: string, width: number): string {
  if (value.length > width)
    throw new RangeError(`"${value}" is longer than its ISA field (${width} characters)`);
  return value.padEnd(width, ' ');
}

function trimTrailingEmpty(values: readonly string[]): string[] {
  let end = values.length;
  while (end > 0 && values[end - 1] === '') end--;
  return values.slice(0, end);
}
