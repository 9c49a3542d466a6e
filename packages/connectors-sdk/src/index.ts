/**
 * `@waybill/connectors-sdk`: how Waybill talks to ERP, WMS, TMS and EDI systems.
 *
 * A connector is one folder with one `*.connector.ts` file: `defineConnector` with zod schemas
 * for its config and for each operation's input and output, and a `run(ctx, input)` per
 * operation. The runtime calls operations through `invokeOperation`, which validates, enforces
 * the timeout and turns every failure into a typed {@link ConnectorError}; the designer renders
 * forms from `describeConnector`; the flow validator checks connector nodes against
 * `toCatalogueEntry`. Local simulators live under `@waybill/connectors-sdk/simulators`.
 *
 * ```ts
 * import { ConnectorRegistry, erpSandboxConnector, invokeOperation } from '@waybill/connectors-sdk';
 *
 * const registry = new ConnectorRegistry([erpSandboxConnector]);
 * const output = await invokeOperation(registry.getOrThrow('waybill.erp-sandbox', 1), 'postInvoice', {
 *   config: { baseUrl: 'http://127.0.0.1:4010', apiKey: 'erp-sandbox-key' },
 *   input: { orderNumber: 'SO-1001', customerId: 'C-100', currency: 'USD',
 *            lines: [{ sku: 'PALLET-1', quantity: 2, unitPrice: 50 }] },
 *   idempotencyKey: 'inst-42:post#1',
 *   correlationId: 'SO-1001',
 * });
 * ```
 * @module
 */
export { defineConnector } from './define-connector.ts';
export type {
  AnyConnector,
  AnyOperation,
  ConnectorConfig,
  ConnectorContext,
  ConnectorDefinition,
  ConnectorKind,
  ConnectorSpec,
  OperationDefinition,
  OperationHelpers,
  OperationInput,
  OperationName,
  OperationOutput,
  RetryPolicy,
  TriggerHelpers,
} from './define-connector.ts';
export type {
  AnyTrigger,
  EventSink,
  PublishEvent,
  PublishResult,
  TriggerContext,
  TriggerDefinition,
  TriggerInstance,
  TriggerKind,
  TriggerState,
  WebhookHost,
  WebhookRequest,
  WebhookResponse,
} from './define-trigger.ts';
export { activateTrigger, createMemoryTriggerState } from './activate-trigger.ts';
export type { ActivateTriggerOptions } from './activate-trigger.ts';
export { PollingTrigger, definePollingTrigger } from './polling-trigger.ts';
export type { PollPage, PollRound, PollingTriggerSpec } from './polling-trigger.ts';
export { FileDropWatcher } from './file-drop-watcher.ts';
export type { DroppedFile, FileDropWatcherOptions, ScanResult } from './file-drop-watcher.ts';
export { defineFileDropTrigger } from './file-drop-trigger.ts';
export type { FileDropTriggerSpec } from './file-drop-trigger.ts';
export { startWebhookServer } from './webhook-server.ts';
export type { WebhookServer } from './webhook-server.ts';
export { httpEventSink } from './event-sinks.ts';
export { ConnectorError, ConnectorErrorCodes, isConnectorError } from './connector.error.ts';
export type {
  ConnectorErrorCode,
  ConnectorErrorOptions,
  FieldIssue,
  SerializedConnectorError,
} from './connector.error.ts';
export { invokeOperation } from './invoke-operation.ts';
export type { InvokeOptions } from './invoke-operation.ts';
export { describeConnector, toCatalogueEntry } from './describe-connector.ts';
export type {
  ConnectorCatalogueEntry,
  ConnectorDescription,
  JsonSchema,
  OperationDescription,
  TriggerDescription,
} from './describe-connector.ts';
export { ConnectorRegistry } from './connector-registry.ts';
export { REDACTED, createRedactingLogger, createRedactor, noopLogger } from './connector-logger.ts';
export { secretFieldsOf, secretValuesOf } from './config-secrets.ts';
export type {
  ConnectorLogger,
  LogFields,
  LogLevel,
  RedactingLoggerOptions,
  Redactor,
} from './connector-logger.ts';
export { codeForStatus, createHttpClient, parseRetryAfter } from './http-client.ts';
export type {
  HttpClient,
  HttpClientOptions,
  HttpMethod,
  HttpRequest,
  HttpResponse,
} from './http-client.ts';
export { erpSandboxConnector } from './connectors/erp-sandbox/erp-sandbox.connector.ts';
export { wmsSandboxConnector } from './connectors/wms-sandbox/wms-sandbox.connector.ts';
export { tmsSandboxConnector } from './connectors/tms-sandbox/tms-sandbox.connector.ts';
export { ediX12Connector } from './connectors/edi-x12/index.ts';
