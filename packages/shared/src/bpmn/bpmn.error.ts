/**
 * The error `importBpmn()` throws for a document it cannot read at all. Elements it can read but
 * not map are not errors: they are listed in the import report.
 * @module
 */

/** Why a BPMN document could not be imported. */
export type BpmnImportErrorCode = 'BPMN_XML_INVALID' | 'BPMN_NO_PROCESS' | 'BPMN_NO_START';

const brand = Symbol.for('waybill.BpmnImportError');

/**
 * A BPMN document that cannot be imported; `elementId` names the element when one is at fault.
 *
 * ```ts
 * try {
 *   importBpmn(xml);
 * } catch (error) {
 *   if (isBpmnImportError(error)) console.error(error.code, error.elementId, error.message);
 * }
 * ```
 */
export class BpmnImportError extends Error {
  override readonly name = 'BpmnImportError';
  readonly code: BpmnImportErrorCode;
  readonly elementId: string | null;
  readonly [brand] = true;

  constructor(
    code: BpmnImportErrorCode,
    message: string,
    elementId: string | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.elementId = elementId;
  }
}

/**
 * True for a {@link BpmnImportError}, even one created by another copy of this package.
 *
 * ```ts
 * if (isBpmnImportError(error)) process.exitCode = 1;
 * ```
 */
export function isBpmnImportError(error: unknown): error is BpmnImportError {
  return typeof error === 'object' && error !== null && brand in error;
}
