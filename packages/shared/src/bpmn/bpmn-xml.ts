/**
 * Reading BPMN XML into plain objects: every element becomes an object of its attributes (with
 * namespace prefixes removed) and arrays of its child elements by local name.
 * @module
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { BpmnImportError } from './bpmn.error.ts';

/** One XML element: attributes as strings, children as arrays, text under `#text`. */
export type XmlElement = { [name: string]: unknown };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: true,
  // Every child element is a list, so one child and many read the same way.
  isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
});

function isElement(value: unknown): value is XmlElement {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a BPMN document; throws `BPMN_XML_INVALID` with the line of the first syntax error. */
export function parseXml(xml: string): XmlElement {
  const check = XMLValidator.validate(xml);
  if (check !== true) {
    throw new BpmnImportError(
      'BPMN_XML_INVALID',
      `not well-formed XML at line ${check.err.line}, column ${check.err.col}: ${check.err.msg}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch (error) {
    // The validator lets a few malformed constructs through (e.g. an unclosed `<?…?>`).
    const reason = error instanceof Error ? error.message : String(error);
    throw new BpmnImportError('BPMN_XML_INVALID', `not well-formed XML: ${reason}`, null, {
      cause: error,
    });
  }
  if (!isElement(parsed)) throw new BpmnImportError('BPMN_XML_INVALID', 'empty document');
  return parsed;
}

/** The child elements named `name` (local name, no prefix). */
export function children(element: XmlElement, name: string): XmlElement[] {
  const value = element[name];
  if (!Array.isArray(value)) return [];
  return value.map((child) => (isElement(child) ? child : { '#text': String(child) }));
}

/** The first child element named `name`. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return children(element, name)[0];
}

/** An attribute value, or `undefined`. */
export function attr(element: XmlElement, name: string): string | undefined {
  const value = element[name];
  return typeof value === 'string' ? value : undefined;
}

/** The text content of an element (trimmed), or `undefined` when empty. */
export function text(element: XmlElement | undefined): string | undefined {
  if (!element) return undefined;
  const value = element['#text'];
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return undefined;
}

/** The text of the first child named `name`. */
export function childText(element: XmlElement, name: string): string | undefined {
  return text(child(element, name));
}

/** Escapes a value for an XML attribute or text node. */
export function escapeXml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}
