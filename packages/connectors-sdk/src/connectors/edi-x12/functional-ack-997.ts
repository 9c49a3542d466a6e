/**
 * Functional acknowledgments: the 997 and 999 reader, the 997 generator, and
 * `acknowledgeInterchange`, which turns a parse result into the 997 that answers it.
 *
 * @module
 */
import type { X12Error } from './x12.error.ts';
import type { X12ReadResult } from './x12-elements.ts';
import { ElementReader, assignDefined, elementAt } from './x12-elements.ts';
import type { X12FunctionalGroup, X12Interchange, X12TransactionSet } from './x12-parser.ts';
import type { X12EnvelopeOptions, X12SegmentData } from './x12-writer.ts';
import { writeInterchange } from './x12-writer.ts';

/**
 * An element in error (AK4 of a 997, IK4 of a 999).
 *
 * ```ts
 * const bad: X12ElementError = { position: 2, dataElementReference: '382', code: '6', badValue: '1O' };
 * ```
 */
export interface X12ElementError {
  /** AK401-1 / IK401-1: the element's position in its segment. */
  position: number;
  /** AK401-2 / IK401-2: the component's position in a composite. */
  componentPosition?: number;
  /** AK401-3 / IK401-3: the repetition (005010 on). */
  repetitionPosition?: number;
  dataElementReference?: string;
  /** AK403 / IK403, see {@link ELEMENT_ERROR_CODES}. */
  code: string;
  badValue?: string;
}

/**
 * A segment in error (AK3 of a 997, IK3 of a 999), with its element errors.
 *
 * ```ts
 * const bad: X12SegmentError = { segmentId: 'IT1', position: 12, code: '8', contexts: [], elementErrors: [...] };
 * ```
 */
export interface X12SegmentError {
  segmentId: string;
  /** AK302 / IK302: position in the transaction set, ST = 1. */
  position: number;
  loopId?: string;
  /** AK304 / IK304, see {@link SEGMENT_ERROR_CODES}. */
  code?: string;
  /** 999 CTX business-unit or segment contexts, as `name` (CTX01) and the segment they point at. */
  contexts: { name: string; segmentId?: string; position?: number }[];
  elementErrors: X12ElementError[];
}

/**
 * The acknowledgment of one transaction set (AK2…AK5 / AK2…IK5).
 *
 * ```ts
 * const ack: X12SetAcknowledgment = { setId: '810', controlNumber: '0002', status: 'R', errorCodes: ['5'], segmentErrors: [...] };
 * ```
 */
export interface X12SetAcknowledgment {
  setId: string;
  controlNumber: string;
  implementationReference?: string;
  /** AK501 / IK501: `A` accepted, `E` accepted with errors, `R` rejected, `M`, `W`, `X` (security). */
  status: string;
  /** AK502–AK506 / IK502–IK506, see {@link SET_ERROR_CODES}. */
  errorCodes: string[];
  segmentErrors: X12SegmentError[];
}

/**
 * A typed 997 or 999.
 *
 * ```ts
 * const { document: ack } = readFunctionalAcknowledgment(set);
 * ack.groupStatus; // 'P': partially accepted
 * ack.sets.filter((set) => set.status === 'R').map((set) => set.controlNumber); // ['0002']
 * ```
 */
export interface X12FunctionalAcknowledgment {
  transactionSet: '997' | '999';
  controlNumber: string;
  /** AK1: the group being acknowledged. */
  group: { functionalId: string; controlNumber: string; version?: string };
  sets: X12SetAcknowledgment[];
  /** AK901: `A` accepted, `E` accepted with errors, `P` partially accepted, `R` rejected, … */
  groupStatus: string;
  setsIncluded: number;
  setsReceived: number;
  setsAccepted: number;
  /** AK905–AK909, see {@link GROUP_ERROR_CODES}. */
  groupErrorCodes: string[];
}

/**
 * AK304 / IK304 codes: why a segment is in error.
 *
 * ```ts
 * SEGMENT_ERROR_CODES['8']; // 'Segment has data element errors'
 * ```
 */
export const SEGMENT_ERROR_CODES: Readonly<Record<string, string>> = {
  '1': 'Unrecognized segment ID',
  '2': 'Unexpected segment',
  '3': 'Required segment missing',
  '4': 'Loop occurs over maximum times',
  '5': 'Segment exceeds maximum use',
  '6': 'Segment not in defined transaction set',
  '7': 'Segment not in proper sequence',
  '8': 'Segment has data element errors',
  I4: 'Implementation "not used" segment present',
  I6: 'Implementation dependent segment missing',
  I7: 'Implementation loop occurs under minimum times',
  I8: 'Implementation segment below minimum use',
  I9: 'Implementation dependent "not used" segment present',
};

/**
 * AK403 / IK403 codes: why an element is in error.
 *
 * ```ts
 * ELEMENT_ERROR_CODES['6']; // 'Invalid character in data element'
 * ```
 */
export const ELEMENT_ERROR_CODES: Readonly<Record<string, string>> = {
  '1': 'Required data element missing',
  '2': 'Conditional required data element missing',
  '3': 'Too many data elements',
  '4': 'Data element too short',
  '5': 'Data element too long',
  '6': 'Invalid character in data element',
  '7': 'Invalid code value',
  '8': 'Invalid date',
  '9': 'Invalid time',
  '10': 'Exclusion condition violated',
  '12': 'Too many repetitions',
  '13': 'Too many components',
};

/**
 * AK502–AK506 / IK502–IK506 codes: why a transaction set is in error.
 *
 * ```ts
 * SET_ERROR_CODES['4']; // 'Number of included segments does not match actual count'
 * ```
 */
export const SET_ERROR_CODES: Readonly<Record<string, string>> = {
  '1': 'Transaction set not supported',
  '2': 'Transaction set trailer missing',
  '3': 'Transaction set control number in header and trailer do not match',
  '4': 'Number of included segments does not match actual count',
  '5': 'One or more segments in error',
  '6': 'Missing or invalid transaction set identifier',
  '7': 'Missing or invalid transaction set control number',
  '23': 'Transaction set control number not unique within the functional group',
};

/**
 * AK905–AK909 codes: why a functional group is in error.
 *
 * ```ts
 * GROUP_ERROR_CODES['5']; // 'Number of included transaction sets does not match actual count'
 * ```
 */
export const GROUP_ERROR_CODES: Readonly<Record<string, string>> = {
  '1': 'Functional group not supported',
  '2': 'Functional group version not supported',
  '3': 'Functional group trailer missing',
  '4': 'Group control number in the functional group header and trailer do not agree',
  '5': 'Number of included transaction sets does not match actual count',
  '6': 'Group control number violates syntax',
  '19': 'Functional group control number not unique within interchange',
};

/**
 * Reads a 997 or a 999 (AK1, AK2, AK3/IK3, CTX, AK4/IK4, AK5/IK5, AK9).
 *
 * ```ts
 * const { document, errors } = readFunctionalAcknowledgment(set);
 * ```
 */
export function readFunctionalAcknowledgment(
  set: X12TransactionSet,
): X12ReadResult<X12FunctionalAcknowledgment> {
  const read = new ElementReader(set);
  read.expectSet(['997', '999']);
  read.checkOrder('AK1', ['AK2', 'AK3', 'IK3', 'AK4', 'IK4', 'AK5', 'IK5'], ['AK9']);
  const ack: X12FunctionalAcknowledgment = {
    transactionSet: set.id === '999' ? '999' : '997',
    controlNumber: set.controlNumber,
    group: { functionalId: '', controlNumber: '' },
    sets: [],
    groupStatus: '',
    setsIncluded: 0,
    setsReceived: 0,
    setsAccepted: 0,
    groupErrorCodes: [],
  };
  let setAck: X12SetAcknowledgment | undefined;
  let segmentError: X12SegmentError | undefined;
  const seen = new Set<string>();
  for (const segment of read.body()) {
    seen.add(segment.id);
    switch (segment.id) {
      case 'AK1':
        ack.group = {
          functionalId: read.requiredText(segment, 1),
          controlNumber: read.requiredText(segment, 2),
        };
        assignDefined(ack.group, 'version', read.text(segment, 3));
        break;
      case 'AK2':
        setAck = {
          setId: read.requiredText(segment, 1),
          controlNumber: read.requiredText(segment, 2),
          status: '',
          errorCodes: [],
          segmentErrors: [],
        };
        assignDefined(setAck, 'implementationReference', read.text(segment, 3));
        ack.sets.push(setAck);
        segmentError = undefined;
        break;
      case 'AK3':
      case 'IK3':
        if (setAck === undefined) {
          read.fail(segment, undefined, `${segment.id} must follow an AK2`, 'SEGMENT_OUT_OF_ORDER');
          break;
        }
        segmentError = {
          segmentId: read.requiredText(segment, 1),
          position: read.decimal(segment, 2, { required: true }) ?? 0,
          contexts: [],
          elementErrors: [],
        };
        assignDefined(segmentError, 'loopId', read.text(segment, 3));
        assignDefined(segmentError, 'code', read.text(segment, 4));
        setAck.segmentErrors.push(segmentError);
        break;
      case 'CTX':
        if (segmentError !== undefined) {
          const context: X12SegmentError['contexts'][number] = {
            name: read.components(segment, 1)[0] ?? '',
          };
          assignDefined(context, 'segmentId', read.text(segment, 2));
          assignDefined(context, 'position', read.decimal(segment, 3));
          segmentError.contexts.push(context);
        }
        break;
      case 'AK4':
      case 'IK4': {
        if (segmentError === undefined) {
          read.fail(
            segment,
            undefined,
            `${segment.id} must follow an ${segment.id === 'AK4' ? 'AK3' : 'IK3'}`,
            'SEGMENT_OUT_OF_ORDER',
          );
          break;
        }
        const [position = '', component, repetition] = read.components(segment, 1);
        const elementError: X12ElementError = {
          position: Number(position),
          code: read.requiredText(segment, 3),
        };
        if (!/^\d+$/.test(position))
          read.fail(
            segment,
            1,
            `${segment.id}01 must start with an element position, found "${position}"`,
          );
        if (component !== undefined && component !== '')
          elementError.componentPosition = Number(component);
        if (repetition !== undefined && repetition !== '')
          elementError.repetitionPosition = Number(repetition);
        assignDefined(elementError, 'dataElementReference', read.text(segment, 2));
        assignDefined(elementError, 'badValue', read.text(segment, 4));
        segmentError.elementErrors.push(elementError);
        break;
      }
      case 'AK5':
      case 'IK5':
        if (setAck === undefined) {
          read.fail(segment, undefined, `${segment.id} must follow an AK2`, 'SEGMENT_OUT_OF_ORDER');
          break;
        }
        setAck.status = read.requiredText(segment, 1);
        setAck.errorCodes = codesFrom(segment.elements.slice(1, 6));
        segmentError = undefined;
        break;
      case 'AK9':
        ack.groupStatus = read.requiredText(segment, 1);
        ack.setsIncluded = read.decimal(segment, 2, { required: true }) ?? 0;
        ack.setsReceived = read.decimal(segment, 3, { required: true }) ?? 0;
        ack.setsAccepted = read.decimal(segment, 4, { required: true }) ?? 0;
        ack.groupErrorCodes = codesFrom(segment.elements.slice(4, 9));
        break;
      default:
        break;
    }
  }
  if (!seen.has('AK1')) read.missing('AK1', 'the group being acknowledged');
  if (!seen.has('AK9')) read.missing('AK9', 'the group response');
  return { document: ack, errors: read.errors };
}

/**
 * The body of a 997 (AK1 … AK9) for an acknowledgment.
 *
 * ```ts
 * const segments = acknowledgmentSegments(ack); // [['AK1', 'IN', '303'], ['AK2', '810', '0001'], ['AK5', 'A'], ['AK9', 'A', '1', '1', '1']]
 * ```
 */
export function acknowledgmentSegments(
  ack: Omit<X12FunctionalAcknowledgment, 'transactionSet' | 'controlNumber'>,
): X12SegmentData[] {
  const segments: X12SegmentData[] = [
    ['AK1', ack.group.functionalId, ack.group.controlNumber, ack.group.version ?? ''],
  ];
  for (const set of ack.sets) {
    segments.push(['AK2', set.setId, set.controlNumber, set.implementationReference ?? '']);
    for (const error of set.segmentErrors) {
      segments.push([
        'AK3',
        error.segmentId,
        String(error.position),
        error.loopId ?? '',
        error.code ?? '',
      ]);
      for (const element of error.elementErrors) {
        const position = [
          String(element.position),
          optional(element.componentPosition),
          optional(element.repetitionPosition),
        ];
        segments.push([
          'AK4',
          position,
          element.dataElementReference ?? '',
          element.code,
          element.badValue ?? '',
        ]);
      }
    }
    segments.push(['AK5', set.status, ...set.errorCodes.slice(0, 5)]);
  }
  segments.push([
    'AK9',
    ack.groupStatus,
    String(ack.setsIncluded),
    String(ack.setsReceived),
    String(ack.setsAccepted),
    ...ack.groupErrorCodes.slice(0, 5),
  ]);
  return segments;
}

/**
 * Writes a complete 997 interchange for an acknowledgment.
 *
 * ```ts
 * const text = generateAcknowledgment997(ack, { senderId: 'WAYBILLDIST', receiverId: 'RETAILCO', interchangeControlNumber: 404 });
 * ```
 */
export function generateAcknowledgment997(
  ack: Omit<X12FunctionalAcknowledgment, 'transactionSet' | 'controlNumber'>,
  envelope: X12EnvelopeOptions & { setControlNumber?: string },
): string {
  const controlNumber = envelope.setControlNumber ?? '0001';
  return writeInterchange(envelope, 'FA', [
    { id: '997', controlNumber, segments: acknowledgmentSegments(ack) },
  ]);
}

/**
 * The acknowledgments that answer an interchange: one per functional group, accepting or
 * rejecting each set from the problems `parseX12` (and the typed readers) found in it.
 *
 * ```ts
 * const { interchange, errors } = parseX12(text);
 * const [ack] = acknowledgeInterchange(interchange!, errors);
 * ack?.groupStatus; // 'A' when nothing was wrong
 * ```
 */
export function acknowledgeInterchange(
  interchange: X12Interchange,
  errors: readonly X12Error[],
): Omit<X12FunctionalAcknowledgment, 'transactionSet' | 'controlNumber'>[] {
  return interchange.groups.map((group) => acknowledgeGroup(group, errors));
}

function acknowledgeGroup(
  group: X12FunctionalGroup,
  errors: readonly X12Error[],
): Omit<X12FunctionalAcknowledgment, 'transactionSet' | 'controlNumber'> {
  const sets = group.transactionSets.map((set) => acknowledgeSet(set, errors));
  const accepted = sets.filter((set) => set.status !== 'R').length;
  const groupErrorCodes = groupErrors(group, errors);
  let groupStatus: string;
  if (groupErrorCodes.length > 0 || accepted === 0) groupStatus = 'R';
  else if (accepted < sets.length) groupStatus = 'P';
  else groupStatus = sets.some((set) => set.status === 'E') ? 'E' : 'A';
  const ack: Omit<X12FunctionalAcknowledgment, 'transactionSet' | 'controlNumber'> = {
    group: { functionalId: group.functionalId, controlNumber: group.controlNumber },
    sets,
    groupStatus,
    setsIncluded: sets.length,
    setsReceived: sets.length,
    setsAccepted: groupStatus === 'R' ? 0 : accepted,
    groupErrorCodes,
  };
  // AK103 (the group's version) exists from 005010 on.
  if (group.version.startsWith('005')) ack.group.version = group.version;
  return ack;
}

function acknowledgeSet(set: X12TransactionSet, errors: readonly X12Error[]): X12SetAcknowledgment {
  const first = set.st.position;
  const last = set.se?.position ?? set.segments.at(-1)?.position ?? first;
  const inSet = errors.filter(
    (error) =>
      error.segmentPosition !== undefined &&
      error.segmentPosition >= first &&
      error.segmentPosition <= last,
  );
  const errorCodes = new Set<string>();
  if (set.se === undefined) errorCodes.add('2');
  const segmentErrors = new Map<number, X12SegmentError>();
  for (const error of inSet) {
    const position = error.segmentPosition ?? first;
    if (
      error.segmentId === 'SE' ||
      (error.segmentId === 'ST' && error.code !== 'SEGMENT_MISSING')
    ) {
      errorCodes.add(setErrorCode(error));
      continue;
    }
    errorCodes.add('5');
    const segment = set.segments.find((candidate) => candidate.position === position);
    let entry = segmentErrors.get(position);
    if (entry === undefined) {
      entry = {
        segmentId: error.segmentId ?? segment?.id ?? '',
        position: position - first + 1,
        contexts: [],
        elementErrors: [],
        code: error.code === 'SEGMENT_MISSING' ? '3' : '8',
      };
      segmentErrors.set(position, entry);
    }
    if (error.elementPosition !== undefined && segment !== undefined) {
      const value = elementAt(segment, error.elementPosition);
      const elementError: X12ElementError = {
        position: error.elementPosition,
        code: elementCode(error, value),
      };
      if (value !== '') elementError.badValue = value;
      entry.elementErrors.push(elementError);
    } else if (error.code !== 'SEGMENT_MISSING') {
      entry.code =
        error.code === 'SEGMENT_OUT_OF_ORDER' || error.code === 'HL_STRUCTURE' ? '7' : '8';
    }
  }
  const codes = [...errorCodes];
  const ack: X12SetAcknowledgment = {
    setId: set.id,
    controlNumber: set.controlNumber,
    status: codes.length === 0 ? 'A' : 'R',
    errorCodes: codes,
    segmentErrors: [...segmentErrors.values()],
  };
  assignDefined(ack, 'implementationReference', set.implementationReference);
  return ack;
}

function setErrorCode(error: X12Error): string {
  if (error.code === 'COUNT_MISMATCH') return '4';
  if (error.code === 'CONTROL_NUMBER_MISMATCH') return '3';
  if (error.code === 'CONTROL_NUMBER_DUPLICATE') return '23';
  if (error.code === 'TRAILER_MISSING') return '2';
  if (error.segmentId === 'ST' && error.elementPosition === 1) return '6';
  if (error.segmentId === 'ST' && error.elementPosition === 2) return '7';
  return '5';
}

function groupErrors(group: X12FunctionalGroup, errors: readonly X12Error[]): string[] {
  const codes = new Set<string>();
  for (const error of errors) {
    if (error.segmentPosition === group.ge?.position && error.segmentId === 'GE') {
      if (error.code === 'COUNT_MISMATCH') codes.add('5');
      if (error.code === 'CONTROL_NUMBER_MISMATCH') codes.add('4');
    }
    if (error.segmentPosition === group.gs.position && error.segmentId === 'GS') {
      if (error.code === 'CONTROL_NUMBER_DUPLICATE') codes.add('19');
      else if (error.elementPosition === 6) codes.add('6');
    }
  }
  if (group.ge === undefined) codes.add('3');
  return [...codes];
}

/** The AK403 code for an element error, from the kind of problem the reader reported. */
function elementCode(error: X12Error, value: string): string {
  if (value.trim() === '') return '1';
  if (/must be a date/.test(error.detail)) return '8';
  if (/must be a time/.test(error.detail)) return '9';
  if (/must be (a number|digits|a count)/.test(error.detail)) return '6';
  return '7';
}

function codesFrom(values: readonly string[]): string[] {
  return values.map((value) => value.trim()).filter((value) => value !== '');
}

function optional(value: number | undefined): string {
  return value === undefined ? '' : String(value);
}
