/**
 * `defineConnector` and `defineOperation`: a connector is data (id, version, schemas) plus
 * functions (`run`). The zod schemas drive validation, the designer's forms and the flow
 * validator's catalogue; the types of `ctx.config`, `input` and the result are inferred from them.
 *
 * @module
 */
import type { z } from 'zod';
import type { ConnectorLogger } from './connector-logger.ts';
import type { HttpClient } from './http-client.ts';
import type { AnyTrigger, TriggerDefinition } from './define-trigger.ts';
import { definePollingTrigger } from './polling-trigger.ts';
import type { PollingTriggerSpec } from './polling-trigger.ts';
import { defineFileDropTrigger } from './file-drop-trigger.ts';
import type { FileDropTriggerSpec } from './file-drop-trigger.ts';

/**
 * The kind of system a connector talks to (the designer groups connectors by it).
 *
 * ```ts
 * const kind: ConnectorKind = 'erp';
 * ```
 */
export type ConnectorKind = 'erp' | 'wms' | 'tms' | 'edi';

/**
 * How the runtime retries a failed call: the delay starts at `initialIntervalMs` and grows by
 * `backoffCoefficient` up to `maxIntervalMs`. Same shape as a flow node's `retry`, which wins.
 *
 * ```ts
 * defaultRetry: { maxAttempts: 8, initialIntervalMs: 1_000, backoffCoefficient: 2, maxIntervalMs: 60_000 },
 * ```
 */
export interface RetryPolicy {
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
}

/**
 * What an operation's `run` receives besides its input.
 *
 * ```ts
 * run: async (ctx, input) => {
 *   ctx.logger.info('posting invoice', { orderNumber: input.orderNumber });
 *   const { body } = await ctx.http.request({ method: 'POST', url: `${ctx.config.baseUrl}/invoices`,
 *     headers: { 'idempotency-key': ctx.idempotencyKey }, json: input, schema: output });
 *   return body;
 * }
 * ```
 */
export interface ConnectorContext<TConfig> {
  /** The connector's config, validated (defaults applied). */
  readonly config: TConfig;
  /** Stable across retries of the same call: send it so the external system applies the call once. */
  readonly idempotencyKey: string;
  /** Traces one order across systems; send it along where the external API accepts one. */
  readonly correlationId: string;
  /** Structured logger; secret config values are redacted from everything logged. */
  readonly logger: ConnectorLogger;
  /** Aborted when the operation times out (or the runtime cancels it); `ctx.http` honours it. */
  readonly signal: AbortSignal;
  /** JSON HTTP client bound to `signal`; maps HTTP failures to typed `ConnectorError`s. */
  readonly http: HttpClient;
}

/**
 * One operation of a connector. The input is an object schema, so that a flow's connector
 * node can map each field. Written with `defineOperation` (see {@link OperationHelpers}).
 *
 * ```ts
 * const getProfile: OperationDefinition<ErpConfig, typeof input, typeof output> = { ...fields, run };
 * ```
 */
export interface OperationDefinition<
  TConfig,
  TInput extends z.ZodObject,
  TOutput extends z.ZodType,
> {
  displayName: string;
  description: string;
  input: TInput;
  output: TOutput;
  /** True when repeating a call with the same idempotency key has no further effect. */
  idempotent: boolean;
  defaultTimeoutMs: number;
  defaultRetry?: RetryPolicy;
  // Method syntax on purpose: it keeps `run` assignable to the wider operation types that
  // registries and the runtime hold (parameter bivariance), while callers still see exact types.
  run(ctx: ConnectorContext<TConfig>, input: z.output<TInput>): Promise<z.input<TOutput>>;
}

/**
 * Any operation, whatever its config, input and output.
 *
 * ```ts
 * const operation: AnyOperation | undefined = connector.operations[name];
 * ```
 */
export type AnyOperation = OperationDefinition<unknown, z.ZodObject, z.ZodType>;

/**
 * A connector: what `defineConnector` returns and what the runtime registers.
 *
 * ```ts
 * type Erp = typeof erpSandboxConnector; // ConnectorDefinition<config schema, { postInvoice, getBillingProfile }>
 * ```
 */
export interface ConnectorDefinition<
  TConfig extends z.ZodObject,
  TOperations extends Record<
    string,
    OperationDefinition<z.output<TConfig>, z.ZodObject, z.ZodType>
  >,
  TTriggers extends Record<string, TriggerDefinition<z.output<TConfig>>> = Record<
    string,
    TriggerDefinition<z.output<TConfig>>
  >,
> {
  /** Dotted, lower-case and stable forever, e.g. `waybill.erp-sandbox`. Flows pin it. */
  id: string;
  /** Flows pin this too; a released version's schemas never change (add version 2 instead). */
  version: number;
  kind: ConnectorKind;
  displayName: string;
  description: string;
  /** Config set once per deployment (URLs, credentials). Mark secrets with `.meta({ secret: true })`. */
  config: TConfig;
  operations: TOperations;
  /** Inbound triggers (webhook, polling, file drop) that publish canonical events; `{}` when none. */
  triggers: TTriggers;
}

/**
 * Any connector, as held by a registry or the runtime.
 *
 * ```ts
 * const connectors: AnyConnector[] = [erpSandboxConnector];
 * ```
 */
export type AnyConnector = ConnectorDefinition<
  z.ZodObject,
  Record<string, AnyOperation>,
  Record<string, AnyTrigger>
>;

/**
 * The config an operation sees (`ctx.config`): defaults applied.
 *
 * ```ts
 * type ErpConfig = ConnectorConfig<typeof erpSandboxConnector>; // { baseUrl: string; apiKey: string }
 * ```
 */
export type ConnectorConfig<TConnector extends AnyConnector> = z.output<TConnector['config']>;
/**
 * The names of a connector's operations.
 *
 * ```ts
 * type Names = OperationName<typeof erpSandboxConnector>; // 'postInvoice' | 'getBillingProfile'
 * ```
 */
export type OperationName<TConnector extends AnyConnector> = keyof TConnector['operations'] &
  string;
/**
 * What a caller passes as an operation's input (optional where the schema has defaults).
 *
 * ```ts
 * const input: OperationInput<typeof erpSandboxConnector, 'getBillingProfile'> = { customerId: 'C-200' };
 * ```
 */
export type OperationInput<
  TConnector extends AnyConnector,
  TName extends OperationName<TConnector>,
> = z.input<TConnector['operations'][TName]['input']>;
/**
 * What an operation resolves to, after output validation.
 *
 * ```ts
 * type Posted = OperationOutput<typeof erpSandboxConnector, 'postInvoice'>; // { invoiceNumber, total, postedAt, duplicate }
 * ```
 */
export type OperationOutput<
  TConnector extends AnyConnector,
  TName extends OperationName<TConnector>,
> = z.output<TConnector['operations'][TName]['output']>;

const connectorIdPattern = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const operationNamePattern = /^[a-z][A-Za-z0-9]*$/;

/**
 * What `defineConnector` hands to its `operations` callback: `defineOperation`, bound to the
 * connector's config type so that `ctx.config` is typed inside `run`.
 */
export interface OperationHelpers<TConfig> {
  /**
   * Declares one operation.
   *
   * ```ts
   * operations: ({ defineOperation }) => ({
   *   getBillingProfile: defineOperation({
   *     displayName: 'Get billing profile',
   *     description: 'Reads how a customer wants to be invoiced.',
   *     input: z.object({ customerId: z.string() }),
   *     output: billingProfileSchema,
   *     idempotent: true,
   *     defaultTimeoutMs: 5_000,
   *     run: async (ctx, input) => {
   *       const url = `${ctx.config.baseUrl}/customers/${input.customerId}/billing-profile`;
   *       return (await ctx.http.request({ method: 'GET', url, schema: billingProfileSchema })).body;
   *     },
   *   }),
   * }),
   * ```
   */
  defineOperation: <TInput extends z.ZodObject, TOutput extends z.ZodType>(
    definition: OperationDefinition<TConfig, TInput, TOutput>,
  ) => OperationDefinition<TConfig, TInput, TOutput>;
}

/**
 * What `defineConnector` hands to its `triggers` callback, bound to the connector's config type.
 *
 * ```ts
 * triggers: ({ defineTrigger, definePollingTrigger, defineFileDropTrigger }) => ({
 *   shipmentWebhook: defineTrigger({ kind: 'webhook', displayName: 'Shipments', description: '…',
 *     events: ['shipment.confirmed'], activate: (ctx) => ({ deactivate: () => {} }) }),
 * }),
 * ```
 */
export interface TriggerHelpers<TConfig> {
  /** Declares a trigger from scratch: `activate(ctx) → { deactivate() }`. */
  defineTrigger: (definition: TriggerDefinition<TConfig>) => TriggerDefinition<TConfig>;
  /** A polling trigger with a durable cursor (see `PollingTriggerSpec`). */
  definePollingTrigger: (spec: PollingTriggerSpec<TConfig>) => TriggerDefinition<TConfig>;
  /** A trigger fed by files dropped in a folder (see `FileDropTriggerSpec`). */
  defineFileDropTrigger: (spec: FileDropTriggerSpec<TConfig>) => TriggerDefinition<TConfig>;
}

/**
 * The argument of {@link defineConnector}. `operations` is a callback rather than a plain object
 * because TypeScript cannot type `ctx.config` inside a nested generic call from a sibling
 * property; a callback is inferred after `config`, so everything is typed without annotations.
 */
export interface ConnectorSpec<
  TConfig extends z.ZodObject,
  TOperations extends Record<
    string,
    OperationDefinition<z.output<TConfig>, z.ZodObject, z.ZodType>
  >,
  TTriggers extends Record<string, TriggerDefinition<z.output<TConfig>>> = Record<never, never>,
> extends Omit<ConnectorDefinition<TConfig, TOperations, TTriggers>, 'operations' | 'triggers'> {
  operations: (helpers: OperationHelpers<z.output<TConfig>>) => TOperations;
  triggers?: (helpers: TriggerHelpers<z.output<TConfig>>) => TTriggers;
}

/**
 * Declares a connector. The result is frozen plain data plus `run` functions: register it with a
 * `ConnectorRegistry`, call it through `invokeOperation`, describe it with `describeConnector`.
 *
 * ```ts
 * export const erpSandboxConnector = defineConnector({
 *   id: 'waybill.erp-sandbox',
 *   version: 1,
 *   kind: 'erp',
 *   displayName: 'ERP sandbox',
 *   description: 'Posts invoices to the local ERP simulator.',
 *   config: z.object({
 *     baseUrl: z.url().meta({ label: 'Base URL' }),
 *     apiKey: z.string().min(1).meta({ label: 'API key', secret: true }),
 *   }),
 *   operations: ({ defineOperation }) => ({
 *     postInvoice: defineOperation({ ... }),
 *   }),
 * });
 * ```
 */
export function defineConnector<
  TConfig extends z.ZodObject,
  TOperations extends Record<
    string,
    OperationDefinition<z.output<TConfig>, z.ZodObject, z.ZodType>
  >,
  TTriggers extends Record<string, TriggerDefinition<z.output<TConfig>>> = Record<never, never>,
>(
  spec: ConnectorSpec<TConfig, TOperations, TTriggers>,
): Readonly<ConnectorDefinition<TConfig, TOperations, TTriggers>> {
  const where = `Connector "${spec.id}"`;
  if (!connectorIdPattern.test(spec.id)) {
    throw new Error(`${where}: id must be dotted lower-case words like "acme.sap-s4"`);
  }
  if (!(Number.isInteger(spec.version) && spec.version >= 1)) {
    throw new Error(`${where}: version must be an integer >= 1, got ${spec.version}`);
  }
  const operations = spec.operations({ defineOperation });
  const names = Object.keys(operations);
  if (names.length === 0) throw new Error(`${where}: declares no operations`);
  for (const name of names) {
    if (!operationNamePattern.test(name)) {
      throw new Error(`${where}: operation name "${name}" must be camelCase letters and digits`);
    }
    const timeout = operations[name]?.defaultTimeoutMs;
    if (!(Number.isInteger(timeout) && timeout !== undefined && timeout > 0)) {
      throw new Error(`${where}, operation "${name}": defaultTimeoutMs must be a positive integer`);
    }
  }
  const triggers = spec.triggers?.({
    defineTrigger: (definition) => Object.freeze({ ...definition }),
    definePollingTrigger,
    defineFileDropTrigger,
  });
  for (const [name, trigger] of Object.entries(triggers ?? {})) {
    if (!operationNamePattern.test(name)) {
      throw new Error(`${where}: trigger name "${name}" must be camelCase letters and digits`);
    }
    if (trigger.events.length === 0) {
      throw new Error(`${where}, trigger "${name}": declares no events`);
    }
  }
  return Object.freeze({
    ...spec,
    operations: Object.freeze({ ...operations }),
    // Without a `triggers` callback there are none; `{}` has the type `Record<never, never>`.
    triggers: Object.freeze({ ...(triggers ?? ({} as TTriggers)) }),
  });
}

function defineOperation<TConfig, TInput extends z.ZodObject, TOutput extends z.ZodType>(
  definition: OperationDefinition<TConfig, TInput, TOutput>,
): OperationDefinition<TConfig, TInput, TOutput> {
  return Object.freeze({ ...definition });
}
