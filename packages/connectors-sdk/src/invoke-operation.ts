/**
 * `invokeOperation`: how the runtime (and tests) call a connector operation. It validates
 * config and input, runs the operation under its timeout, validates the output, and makes sure
 * that whatever goes wrong comes out as a {@link ConnectorError}.
 *
 * @module
 */
import { ConnectorError, isConnectorError } from './connector.error.ts';
import type { FieldIssue } from './connector.error.ts';
import { createRedactingLogger, createRedactor, noopLogger } from './connector-logger.ts';
import type { ConnectorLogger, Redactor } from './connector-logger.ts';
import { secretFieldsOf, secretValuesOf } from './config-secrets.ts';
import type {
  AnyConnector,
  AnyOperation,
  ConnectorContext,
  OperationInput,
  OperationName,
  OperationOutput,
} from './define-connector.ts';
import { createHttpClient } from './http-client.ts';
import { describeIssues, formatIssues } from './zod-issues.ts';
import type { z } from 'zod';

/**
 * What one call needs besides the connector and the operation name.
 *
 * ```ts
 * const options: InvokeOptions<{ baseUrl: string; apiKey: string }, { customerId: string }> = {
 *   config: { baseUrl: erp.url, apiKey },
 *   input: { customerId: 'C-200' },
 *   idempotencyKey: `${instanceId}:${effectKey}`,
 *   correlationId: orderNumber,
 *   timeoutMs: node.timeoutMs,
 * };
 * ```
 */
export interface InvokeOptions<TConfigInput, TInput> {
  /** The deployment's config for this connector (secrets decrypted). */
  config: TConfigInput;
  input: TInput;
  /** Stable across retries of the same call, e.g. `<instanceId>:<effectKey>`. */
  idempotencyKey: string;
  correlationId: string;
  /** Overrides the operation's `defaultTimeoutMs` (a flow node's `timeoutMs`). */
  timeoutMs?: number;
  /** Where the operation's log lines go, after redaction. Defaults to dropping them. */
  logger?: ConnectorLogger;
  /** Cancels the call from outside (e.g. a worker shutting down): fails it as `RETRYABLE`. */
  signal?: AbortSignal;
}

/**
 * Calls one operation and resolves to its validated output, or rejects with a
 * {@link ConnectorError}:
 * `VALIDATION` (config, input or output does not match its schema; `details.issues` names each
 * field), `TIMEOUT` (the operation ran past its timeout; `ctx.signal` is aborted), or whatever
 * the operation threw, with unknown errors wrapped as `RETRYABLE` (original in `cause`).
 *
 * ```ts
 * const result = await invokeOperation(erpSandboxConnector, 'postInvoice', {
 *   config: { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY },
 *   input: { orderNumber: 'SO-1001', customerId: 'C-100', currency: 'USD',
 *            lines: [{ sku: 'PALLET-1', quantity: 2, unitPrice: 50 }] },
 *   idempotencyKey: 'inst-42:postInvoice#1',
 *   correlationId: 'SO-1001',
 * });
 * result.invoiceNumber; // 'INV-000001'
 * ```
 */
export async function invokeOperation<
  TConnector extends AnyConnector,
  TName extends OperationName<TConnector>,
>(
  connector: TConnector,
  operationName: TName,
  options: InvokeOptions<z.input<TConnector['config']>, OperationInput<TConnector, TName>>,
): Promise<OperationOutput<TConnector, TName>> {
  const where = `${connector.id}@${connector.version} ${operationName}`;
  const operation: AnyOperation | undefined = Object.hasOwn(connector.operations, operationName)
    ? connector.operations[operationName]
    : undefined;
  if (!operation) {
    const known = Object.keys(connector.operations).join(', ');
    throw new ConnectorError('PERMANENT', `${where}: no such operation (it has: ${known})`);
  }

  const config = validate(connector.config, options.config, { where, target: 'config' });
  const input = validate(operation.input, options.input, { where, target: 'input' });
  const secrets = {
    secrets: secretValuesOf(connector.config, config),
    secretKeys: secretFieldsOf(connector.config),
  };
  const logger = createRedactingLogger(options.logger ?? noopLogger, {
    ...secrets,
    bindings: {
      connector: connector.id,
      connectorVersion: connector.version,
      operation: operationName,
      correlationId: options.correlationId,
      idempotencyKey: options.idempotencyKey,
    },
  });

  const { signal, clear } = startDeadline({
    where,
    timeoutMs: options.timeoutMs ?? operation.defaultTimeoutMs,
    callerSignal: options.signal,
  });
  const ctx: ConnectorContext<unknown> = {
    config,
    idempotencyKey: options.idempotencyKey,
    correlationId: options.correlationId,
    logger,
    signal,
    http: createHttpClient({ signal, logger }),
  };

  let raw: unknown;
  try {
    raw = await untilAborted(signal, where, async () => operation.run(ctx, input));
  } catch (error) {
    const failure = withoutSecrets(toConnectorError(error, where), createRedactor(secrets));
    logger.warn('operation failed', { code: failure.code, error: failure.message });
    throw failure;
  } finally {
    clear();
  }
  const output = validate(operation.output, raw, { where, target: 'output' });
  // The cast is unavoidable: TypeScript cannot relate `connector.operations[operationName]`
  // back to `TName`, but this is that operation's own output schema, so the type holds.
  return output as OperationOutput<TConnector, TName>;
}

interface Deadline {
  where: string;
  timeoutMs: number;
  callerSignal: AbortSignal | undefined;
}

/** The operation's signal: aborted with a `TIMEOUT` error at the deadline, or by the caller. */
function startDeadline({ where, timeoutMs, callerSignal }: Deadline): {
  signal: AbortSignal;
  clear: () => void;
} {
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort(
      new ConnectorError('TIMEOUT', `${where}: did not finish within ${timeoutMs} ms`, {
        details: { timeoutMs },
      }),
    );
  }, timeoutMs);
  return {
    signal: callerSignal ? AbortSignal.any([deadline.signal, callerSignal]) : deadline.signal,
    clear: () => clearTimeout(timer),
  };
}

interface ValidationTarget {
  where: string;
  target: 'config' | 'input' | 'output';
}

function validate<TSchema extends z.ZodType>(
  schema: TSchema,
  value: unknown,
  { where, target }: ValidationTarget,
): z.output<TSchema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: FieldIssue[] = formatIssues(result.error.issues);
  throw new ConnectorError('VALIDATION', `${where}: invalid ${target}: ${describeIssues(issues)}`, {
    details: { target, issues },
    cause: result.error,
  });
}

/**
 * Runs `work`, but settles as soon as `signal` aborts: an operation that ignores its signal must
 * not hold the worker past its timeout. (Its promise is left to finish on its own.)
 */
async function untilAborted<T>(
  signal: AbortSignal,
  where: string,
  work: () => Promise<T>,
): Promise<T> {
  if (signal.aborted) throw abortError(signal, where); // cancelled before it started: do not start
  let onAbort = (): void => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(abortError(signal, where));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const running = work();
  running.catch(() => {}); // when the abort wins, a later rejection is expected and uninteresting
  try {
    return await Promise.race([running, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function abortError(signal: AbortSignal, where: string): ConnectorError {
  const reason: unknown = signal.reason;
  if (isConnectorError(reason)) return reason;
  return new ConnectorError('RETRYABLE', `${where}: cancelled`, { cause: reason });
}

function toConnectorError(error: unknown, where: string): ConnectorError {
  if (isConnectorError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError('RETRYABLE', `${where} failed: ${message}`, { cause: error });
}

/**
 * Errors end up in the database and on screens: an external system that echoes the API key in
 * its error body must not put it there. Returns the error itself when it holds no secret.
 */
function withoutSecrets(error: ConnectorError, redactor: Redactor): ConnectorError {
  const message = redactor.text(error.message);
  const details = redactor.value(error.details);
  if (message === error.message && JSON.stringify(details) === JSON.stringify(error.details)) {
    return error;
  }
  return new ConnectorError(error.code, message, {
    retryable: error.retryable,
    retryAfterMs: error.retryAfterMs,
    details:
      typeof details === 'object' && details !== null && !Array.isArray(details)
        ? { ...details }
        : {},
    cause: error.cause,
  });
}
