/**
 * The contract every connector must pass, whatever system it talks to:
 *
 * 1. its definition is well formed and every schema converts to JSON Schema (the designer's forms);
 * 2. config fields that look like credentials are marked secret;
 * 3. every operation has a sample, the sample input validates, the call succeeds against the
 *    real (or simulated) system and its output validates;
 * 4. an idempotent operation called twice with one idempotency key gives the same result;
 * 5. failures are typed: invalid input is `VALIDATION` before any request; with the system
 *    failing (5xx, 429, hanging) every operation rejects with a retryable `ConnectorError` of the
 *    right code, and a hanging call ends at its timeout as `TIMEOUT`;
 * 6. no secret config value ever reaches a log line or an error.
 *
 * Checks 5's fault scenarios need a simulator with `POST /_faults` (every Waybill simulator, and
 * `startTestServer` from this module, have one).
 *
 * @module
 */
import { z } from 'zod';
import { secretFieldsOf, secretValuesOf } from '../config-secrets.ts';
import { isConnectorError } from '../connector.error.ts';
import type { ConnectorErrorCode } from '../connector.error.ts';
import type { ConnectorLogger, LogFields } from '../connector-logger.ts';
import type { AnyConnector, OperationInput, OperationName } from '../define-connector.ts';
import { describeConnector } from '../describe-connector.ts';
import { invokeOperation } from '../invoke-operation.ts';
import { publishableEvents } from '@waybill/shared';

/**
 * A sample call of one operation. `ignoreFields` lists top-level output fields allowed to differ
 * between two calls with the same idempotency key (e.g. a `duplicate` flag).
 *
 * ```ts
 * const sample: OperationSample<typeof erpSandboxConnector, 'postInvoice'> = { input: invoice, ignoreFields: ['duplicate'] };
 * ```
 */
export interface OperationSample<
  TConnector extends AnyConnector,
  TName extends OperationName<TConnector>,
> {
  input: OperationInput<TConnector, TName>;
  ignoreFields?: string[];
}

/**
 * What the contract needs: a working config (a function, because a simulator's URL is known only
 * once it started), a sample per operation (or a reason to skip it), and the base URL of a
 * simulator with `POST /_faults` for the failure checks.
 *
 * ```ts
 * const options: ContractOptions<typeof erpSandboxConnector> = {
 *   config: () => ({ baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY }),
 *   samples: { getBillingProfile: { input: { customerId: 'C-100' } } },
 *   skip: { postInvoice: 'covered by its own test' },
 *   faultsUrl: () => erp.url,
 * };
 * ```
 */
export interface ContractOptions<TConnector extends AnyConnector> {
  config: () => z.input<TConnector['config']>;
  samples: { [TName in OperationName<TConnector>]?: OperationSample<TConnector, TName> };
  /** Operations left out of the calls, with the reason (shown in the test name). */
  skip?: { [TName in OperationName<TConnector>]?: string };
  /** Base URL of the simulator whose `POST /_faults` the failure checks drive. */
  faultsUrl?: () => string;
}

/**
 * One contract check.
 *
 * ```ts
 * for (const check of connectorContractChecks(connector, options)) await check.run();
 * ```
 */
export interface ContractCheck {
  name: string;
  run(): Promise<void>;
}

/**
 * A failed check: which, and why.
 *
 * ```ts
 * const report = await runConnectorContract(connector, options);
 * report.failed.map((f) => `${f.name}: ${f.message}`);
 * ```
 */
export interface ContractReport {
  passed: string[];
  failed: { name: string; message: string }[];
}

const credentialLike =
  /password|passwd|secret|token|api[-_]?key|private[-_]?key|client[-_]?secret/i;

/**
 * The contract's checks, for a test runner to register (see `describeConnectorContract`).
 *
 * ```ts
 * const checks = connectorContractChecks(wmsSandboxConnector, options);
 * ```
 */
export function connectorContractChecks<TConnector extends AnyConnector>(
  connector: TConnector,
  options: ContractOptions<TConnector>,
): ContractCheck[] {
  const names = Object.keys(connector.operations);
  const skip: Record<string, string | undefined> = { ...options.skip };
  const samples: Record<string, { input: unknown; ignoreFields?: string[] } | undefined> = {
    ...options.samples,
  };
  const called = names.filter((name) => skip[name] === undefined);
  const logs: { message: string; fields: LogFields | undefined }[] = [];
  const errors: unknown[] = [];
  const record = (message: string, fields?: LogFields): void => void logs.push({ message, fields });
  const logger: ConnectorLogger = { debug: record, info: record, warn: record, error: record };

  // Calls go through this, so that logs and errors are collected for the secrets check.
  const call = async (
    name: string,
    input: unknown,
    extra: { idempotencyKey?: string; timeoutMs?: number } = {},
  ) => {
    try {
      // The contract works on any connector, so names and inputs are only known at run time.
      return await invokeOperation(connector, name as OperationName<TConnector>, {
        config: options.config(),
        input: input as OperationInput<TConnector, OperationName<TConnector>>,
        idempotencyKey:
          extra.idempotencyKey ?? `contract:${name}:${Math.random().toString(36).slice(2)}`,
        correlationId: 'contract-check',
        timeoutMs: extra.timeoutMs,
        logger,
      });
    } catch (error) {
      errors.push(error);
      throw error;
    }
  };

  const checks: ContractCheck[] = [
    {
      name: 'definition is well formed and every schema converts to JSON Schema',
      run: async () => {
        const description = describeConnector(connector);
        for (const operation of description.operations) {
          expectThat(
            operation.input.type === 'object',
            `${operation.name}: input must be an object schema`,
          );
          expectThat(
            operation.displayName.trim() !== '',
            `${operation.name}: displayName is empty`,
          );
          expectThat(
            operation.description.trim() !== '',
            `${operation.name}: description is empty`,
          );
          z.toJSONSchema(connector.operations[operation.name]?.input ?? z.object({}), {
            io: 'input',
          });
          z.toJSONSchema(connector.operations[operation.name]?.output ?? z.unknown(), {
            io: 'output',
          });
        }
        z.toJSONSchema(connector.config, { io: 'input' });
        for (const trigger of description.triggers) {
          for (const event of trigger.events) {
            expectThat(
              Object.hasOwn(publishableEvents, event),
              `trigger ${trigger.name}: ${event} is not a publishable event`,
            );
          }
        }
        await Promise.resolve();
      },
    },
    {
      name: 'config fields that hold credentials are marked secret',
      run: async () => {
        const secret = new Set(secretFieldsOf(connector.config));
        const unmarked = Object.keys(connector.config.shape).filter(
          (f) => credentialLike.test(f) && !secret.has(f),
        );
        expectThat(
          unmarked.length === 0,
          `mark these config fields .meta({ secret: true }): ${unmarked.join(', ')}`,
        );
        await Promise.resolve();
      },
    },
    {
      name: 'every operation has a sample (or a reason to skip it)',
      run: async () => {
        const missing = called.filter((name) => samples[name] === undefined);
        expectThat(missing.length === 0, `no sample for: ${missing.join(', ')}`);
        await Promise.resolve();
      },
    },
  ];

  for (const name of called) {
    const operation = connector.operations[name];
    const sample = samples[name];
    if (!operation || !sample) continue;
    checks.push({
      name: `${name}: sample input validates, the call succeeds and its output validates`,
      run: async () => {
        const parsed = operation.input.safeParse(sample.input);
        expectThat(
          parsed.success,
          `${name}: sample input is invalid: ${parsed.error?.message ?? ''}`,
        );
        const output = await call(name, sample.input);
        expectThat(
          operation.output.safeParse(output).success,
          `${name}: output does not match its schema`,
        );
      },
    });
    if (operation.idempotent) {
      checks.push({
        name: `${name}: idempotent — the same key gives the same result`,
        run: async () => {
          const key = `contract:${name}:same-key`;
          const first = await call(name, sample.input, { idempotencyKey: key });
          const second = await call(name, sample.input, { idempotencyKey: key });
          const strip = (value: unknown) => omit(value, sample.ignoreFields ?? []);
          expectThat(
            JSON.stringify(strip(first)) === JSON.stringify(strip(second)),
            `${name}: two calls with one idempotency key differ:\n${JSON.stringify(first)}\n${JSON.stringify(second)}`,
          );
        },
      });
    }
    checks.push({
      name: `${name}: invalid input fails as VALIDATION before any request`,
      run: async () => {
        const error = await failureOf(call(name, 42));
        expectCode(error, 'VALIDATION', name);
      },
    });
  }

  const faultsUrl = options.faultsUrl;
  if (faultsUrl) {
    const scenarios: {
      name: string;
      faults: Record<string, unknown>;
      code: ConnectorErrorCode;
      timeoutMs?: number;
    }[] = [
      {
        name: 'the system answers 5xx → RETRYABLE',
        faults: { serverErrorRate: 1 },
        code: 'RETRYABLE',
      },
      {
        name: 'the system rate-limits → RATE_LIMITED with retryAfterMs',
        faults: { rateLimitRate: 1, retryAfterSeconds: 2 },
        code: 'RATE_LIMITED',
      },
      {
        name: 'the system hangs → TIMEOUT at the timeout',
        faults: { hangRate: 1 },
        code: 'TIMEOUT',
        timeoutMs: 150,
      },
    ];
    for (const scenario of scenarios) {
      checks.push({
        name: `errors are typed: ${scenario.name}`,
        run: async () => {
          await setFaults(faultsUrl(), scenario.faults);
          try {
            for (const name of called) {
              const sample = samples[name];
              if (!sample) continue;
              const error = await failureOf(
                call(name, sample.input, { timeoutMs: scenario.timeoutMs }),
              );
              expectCode(error, scenario.code, name);
              expectThat(error.retryable, `${name}: ${scenario.code} must be retryable`);
              if (scenario.code === 'RATE_LIMITED') {
                expectThat(
                  error.retryAfterMs === 2_000,
                  `${name}: retryAfterMs should be 2000, got ${String(error.retryAfterMs)}`,
                );
              }
            }
          } finally {
            await setFaults(faultsUrl(), {});
          }
        },
      });
    }
  }

  checks.push({
    name: 'no secret config value appears in logs or errors',
    run: async () => {
      // Runs last: it inspects everything the checks above logged and threw.
      const secrets = secretValuesOf(connector.config, connector.config.parse(options.config()));
      const seen = JSON.stringify(logs) + JSON.stringify(errors.map(errorView));
      const leaked = secrets.filter((secret) => secret.length > 0 && seen.includes(secret));
      expectThat(
        leaked.length === 0,
        `${leaked.length} secret value(s) appeared in logs or errors`,
      );
      await Promise.resolve();
    },
  });
  return checks;
}

/**
 * Runs the whole contract and reports what passed and failed (outside a test runner).
 *
 * ```ts
 * const report = await runConnectorContract(erpSandboxConnector, options);
 * if (report.failed.length > 0) process.exitCode = 1;
 * ```
 */
export async function runConnectorContract<TConnector extends AnyConnector>(
  connector: TConnector,
  options: ContractOptions<TConnector>,
): Promise<ContractReport> {
  const report: ContractReport = { passed: [], failed: [] };
  for (const check of connectorContractChecks(connector, options)) {
    try {
      await check.run();
      report.passed.push(check.name);
    } catch (error) {
      report.failed.push({
        name: check.name,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return report;
}

/** The failure of a connector operation: what the contract asserts on. */
interface TypedFailure {
  code: ConnectorErrorCode;
  retryable: boolean;
  retryAfterMs: number | undefined;
  message: string;
}

async function failureOf(promise: Promise<unknown>): Promise<TypedFailure> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error('expected the call to fail, it succeeded');
  if (!isConnectorError(error)) {
    const got = error instanceof Error ? `${error.name}: ${error.message}` : JSON.stringify(error);
    throw new Error(`expected a ConnectorError, got ${got}`);
  }
  return error;
}

function expectCode(error: TypedFailure, code: ConnectorErrorCode, name: string): void {
  expectThat(
    error.code === code,
    `${name}: expected ${code}, got ${error.code} (${error.message})`,
  );
}

function expectThat(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function omit(value: unknown, fields: readonly string[]): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !fields.includes(key)));
}

function errorView(error: unknown): unknown {
  if (isConnectorError(error)) return { ...error.toJSON(), cause: errorView(error.cause) };
  if (error instanceof Error) return { name: error.name, message: error.message };
  return String(error);
}

async function setFaults(baseUrl: string, faults: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/_faults`, {
    method: 'POST',
    body: JSON.stringify(faults),
  });
  if (!response.ok) throw new Error(`POST ${baseUrl}/_faults answered ${response.status}`);
  await response.body?.cancel();
}
