/**
 * Plain-JSON descriptions of connectors: what the designer renders forms from, and the catalogue
 * the flow validator checks connector nodes against.
 *
 * @module
 */
import { z } from 'zod';
import { secretFieldsOf } from './config-secrets.ts';
import type { AnyConnector, AnyOperation, ConnectorKind, RetryPolicy } from './define-connector.ts';
import type { TriggerKind } from './define-trigger.ts';

/**
 * A JSON Schema (draft 2020-12) as produced by `z.toJSONSchema`.
 *
 * ```ts
 * const schema: JsonSchema = describeConnector(erpSandboxConnector).config;
 * ```
 */
export type JsonSchema = z.core.JSONSchema.BaseSchema;

/**
 * One operation, described for the designer.
 *
 * ```ts
 * const [postInvoice] = describeConnector(erpSandboxConnector).operations;
 * postInvoice.requiredInputs; // ['orderNumber', 'customerId', 'currency', 'lines']
 * ```
 */
export interface OperationDescription {
  name: string;
  displayName: string;
  description: string;
  idempotent: boolean;
  defaultTimeoutMs: number;
  defaultRetry: RetryPolicy | null;
  /** JSON Schema of what a flow passes in (fields with defaults are optional). */
  input: JsonSchema;
  /** JSON Schema of what the operation returns. */
  output: JsonSchema;
  /** Top-level input field names, in declaration order. */
  inputFields: string[];
  /** The input fields a flow must map. */
  requiredInputs: string[];
}

/**
 * One connector version, described for the designer. Serialisable as is.
 *
 * ```ts
 * const body = JSON.stringify(registry.list() satisfies ConnectorDescription[]);
 * ```
 */
export interface ConnectorDescription {
  id: string;
  version: number;
  kind: ConnectorKind;
  displayName: string;
  description: string;
  /** JSON Schema of the config; secret fields carry `secret: true` and `writeOnly: true`. */
  config: JsonSchema;
  /** Names of the config fields that hold secrets (never shown back, never logged). */
  secretFields: string[];
  operations: OperationDescription[];
  /** Inbound triggers and the canonical events each publishes. */
  triggers: TriggerDescription[];
}

/**
 * One inbound trigger, described for the designer.
 *
 * ```ts
 * const [webhook] = describeConnector(wmsConnector).triggers;
 * webhook.events; // ['shipment.confirmed']
 * ```
 */
export interface TriggerDescription {
  name: string;
  kind: TriggerKind;
  displayName: string;
  description: string;
  events: string[];
}

/**
 * What the flow validator needs to check a connector node: does the operation exist, are the
 * mapped fields known, are the required ones mapped.
 *
 * ```ts
 * const entries: ConnectorCatalogueEntry[] = registry.catalogue();
 * ```
 */
export interface ConnectorCatalogueEntry {
  id: string;
  version: number;
  operations: { name: string; inputFields: string[]; requiredInputs: string[] }[];
}

/**
 * Describes a connector as plain JSON (JSON Schemas generated from its zod schemas).
 *
 * ```ts
 * const description = describeConnector(erpSandboxConnector);
 * description.secretFields; // ['apiKey']
 * description.operations.find((o) => o.name === 'postInvoice')?.requiredInputs;
 * // ['orderNumber', 'customerId', 'currency', 'lines']
 * ```
 */
export function describeConnector(connector: AnyConnector): ConnectorDescription {
  return {
    id: connector.id,
    version: connector.version,
    kind: connector.kind,
    displayName: connector.displayName,
    description: connector.description,
    config: toJsonSchema(connector.config, 'input'),
    secretFields: [...secretFieldsOf(connector.config)],
    operations: Object.entries(connector.operations).map(([name, operation]) =>
      describeOperation(name, operation),
    ),
    triggers: Object.entries(connector.triggers).map(([name, trigger]) => ({
      name,
      kind: trigger.kind,
      displayName: trigger.displayName,
      description: trigger.description,
      events: [...trigger.events],
    })),
  };
}

/**
 * The flow validator's view of a connector.
 *
 * ```ts
 * const entry = toCatalogueEntry(erpSandboxConnector);
 * // { id: 'waybill.erp-sandbox', version: 1, operations: [{ name: 'postInvoice', inputFields: [...], requiredInputs: [...] }, ...] }
 * ```
 */
export function toCatalogueEntry(connector: AnyConnector): ConnectorCatalogueEntry {
  return {
    id: connector.id,
    version: connector.version,
    operations: describeConnector(connector).operations.map(
      ({ name, inputFields, requiredInputs }) => ({
        name,
        inputFields,
        requiredInputs,
      }),
    ),
  };
}

function describeOperation(name: string, operation: AnyOperation): OperationDescription {
  const input = toJsonSchema(operation.input, 'input');
  return {
    name,
    displayName: operation.displayName,
    description: operation.description,
    idempotent: operation.idempotent,
    defaultTimeoutMs: operation.defaultTimeoutMs,
    defaultRetry: operation.defaultRetry ?? null,
    input,
    output: toJsonSchema(operation.output, 'output'),
    inputFields: Object.keys(input.properties ?? {}),
    requiredInputs: [...(input.required ?? [])],
  };
}

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, {
    io,
    // A transform or a date in a schema must not stop the designer from rendering the rest.
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      // `writeOnly` is the standard JSON Schema word for "accepted, never shown back".
      if (jsonSchema.secret === true) jsonSchema.writeOnly = true;
    },
  });
}
