/**
 * The ★ `pnpm waybill edi parse <file>` command as a function: the interchange as JSON
 * (envelopes, transaction sets, segments with their positions and elements, typed documents),
 * or every error naming its segment position. The CLI prints `json`, or the errors and exits 1.
 *
 * @module
 */
import { readTransactionSet } from './transaction-set-reader.ts';
import type { X12Document } from './transaction-set-reader.ts';
import type { SerializedX12Error, X12Error } from './x12.error.ts';
import type { X12FunctionalGroup, X12Interchange, X12TransactionSet } from './x12-parser.ts';
import { parseX12 } from './x12-parser.ts';
import type { X12Segment, X12Separators } from './x12-tokenizer.ts';

/**
 * A segment as printed: where it is and its elements (`elements[0]` is element 01).
 *
 * ```ts
 * const se: EdiSegmentJson = { position: 22, offset: 871, id: 'SE', elements: ['20', '0001'] };
 * ```
 */
export interface EdiSegmentJson {
  position: number;
  offset: number;
  id: string;
  elements: string[];
}

/**
 * A transaction set as printed: envelope values, positions, segments and the typed document.
 *
 * ```ts
 * json.interchange.groups[0]?.transactionSets[0]?.document; // the typed 850, 856, 810, …
 * ```
 */
export interface EdiTransactionSetJson {
  id: string;
  controlNumber: string;
  implementationReference?: string;
  /** Positions of ST and SE (SE's undefined when missing). */
  startPosition: number;
  endPosition: number | undefined;
  segmentCount: number;
  segments: EdiSegmentJson[];
  /** The typed reading, for the sets that have a reader. */
  document?: X12Document;
}

/**
 * A functional group as printed.
 *
 * ```ts
 * json.interchange.groups[0]?.functionalId; // 'PO'
 * ```
 */
export interface EdiGroupJson {
  functionalId: string;
  senderCode: string;
  receiverCode: string;
  date: string;
  time: string;
  controlNumber: string;
  version: string;
  startPosition: number;
  endPosition: number | undefined;
  transactionSets: EdiTransactionSetJson[];
}

/**
 * What `edi parse` prints.
 *
 * ```ts
 * const { interchange } = (ediParseCommand(text) as { ok: true; json: EdiParseJson }).json;
 * interchange.controlNumber; // '000000101'
 * ```
 */
export interface EdiParseJson {
  interchange: {
    controlNumber: string;
    sender: { qualifier: string; id: string };
    receiver: { qualifier: string; id: string };
    date: string;
    time: string;
    version: string;
    usageIndicator: string;
    acknowledgmentRequested: boolean;
    separators: X12Separators;
    segmentCount: number;
    /** The ISA and IEA segments (IEA undefined when missing). */
    isa: EdiSegmentJson;
    iea: EdiSegmentJson | undefined;
    groups: EdiGroupJson[];
  };
}

/**
 * The outcome of `edi parse`: JSON to print, or the errors (with the JSON of what could be read,
 * when the envelope was readable at all).
 *
 * ```ts
 * const result = ediParseCommand(text);
 * if (!result.ok) for (const error of result.errors) console.error(error.message); // 'segment 22 (SE): SE01 says 21 segments, the set has 20'
 * ```
 */
export type EdiParseCommandResult =
  | { ok: true; json: EdiParseJson }
  | { ok: false; errors: SerializedX12Error[]; json?: EdiParseJson };

/**
 * Parses an interchange, reads every supported transaction set, and returns the JSON the CLI
 * prints, or every envelope and reader error.
 *
 * ```ts
 * const result = ediParseCommand(readFileSync(file, 'utf8'));
 * if (result.ok) process.stdout.write(`${JSON.stringify(result.json, null, 2)}\n`);
 * else { for (const e of result.errors) process.stderr.write(`${e.message}\n`); process.exitCode = 1; }
 * ```
 */
export function ediParseCommand(text: string): EdiParseCommandResult {
  const { interchange, errors } = parseX12(text);
  if (interchange === undefined)
    return { ok: false, errors: errors.map((error) => error.toJSON()) };
  const all: X12Error[] = [...errors];
  const json = interchangeJson(interchange, all);
  // Reader errors are appended while building; show everything in file order.
  const sorted = all.sort((a, b) => (a.segmentPosition ?? 0) - (b.segmentPosition ?? 0));
  if (sorted.length > 0) return { ok: false, errors: sorted.map((error) => error.toJSON()), json };
  return { ok: true, json };
}

function interchangeJson(interchange: X12Interchange, errors: X12Error[]): EdiParseJson {
  const { header } = interchange;
  return {
    interchange: {
      controlNumber: header.controlNumber,
      sender: { qualifier: header.senderQualifier, id: header.senderId },
      receiver: { qualifier: header.receiverQualifier, id: header.receiverId },
      date: header.date,
      time: header.time,
      version: header.version,
      usageIndicator: header.usageIndicator,
      acknowledgmentRequested: header.acknowledgmentRequested,
      separators: interchange.separators,
      segmentCount: interchange.segments.length,
      isa: segmentJson(interchange.isa),
      iea: interchange.iea === undefined ? undefined : segmentJson(interchange.iea),
      groups: interchange.groups.map((group) => groupJson(group, errors)),
    },
  };
}

function groupJson(group: X12FunctionalGroup, errors: X12Error[]): EdiGroupJson {
  return {
    functionalId: group.functionalId,
    senderCode: group.senderCode,
    receiverCode: group.receiverCode,
    date: group.date,
    time: group.time,
    controlNumber: group.controlNumber,
    version: group.version,
    startPosition: group.gs.position,
    endPosition: group.ge?.position,
    transactionSets: group.transactionSets.map((set) => setJson(set, errors)),
  };
}

function setJson(set: X12TransactionSet, errors: X12Error[]): EdiTransactionSetJson {
  const json: EdiTransactionSetJson = {
    id: set.id,
    controlNumber: set.controlNumber,
    startPosition: set.st.position,
    endPosition: set.se?.position,
    segmentCount: set.segments.length,
    segments: set.segments.map(segmentJson),
  };
  if (set.implementationReference !== undefined)
    json.implementationReference = set.implementationReference;
  const read = readTransactionSet(set);
  errors.push(...read.errors);
  if (read.document !== undefined) json.document = read.document;
  return json;
}

function segmentJson(segment: X12Segment): EdiSegmentJson {
  return {
    position: segment.position,
    offset: segment.offset,
    id: segment.id,
    elements: segment.elements,
  };
}
