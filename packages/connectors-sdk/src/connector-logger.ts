/**
 * Structured logging for connectors. Whatever an operation logs passes through a redactor that
 * removes the connector's secret config values wherever they appear, and masks fields whose name
 * says they hold a credential, before it reaches the runtime's log sink.
 *
 * @module
 */

/**
 * Structured fields attached to a log line.
 *
 * ```ts
 * const fields: LogFields = { orderNumber: 'SO-1001', attempt: 2 };
 * ```
 */
export type LogFields = Record<string, unknown>;

/**
 * Log levels, least to most severe.
 *
 * ```ts
 * const level: LogLevel = 'warn';
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * A structured logger: `ctx.logger` in an operation, and the sink the runtime passes to
 * `invokeOperation`.
 *
 * ```ts
 * ctx.logger.info('invoice posted', { invoiceNumber: result.invoiceNumber });
 * ```
 */
export interface ConnectorLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/**
 * A logger that drops everything; the default sink of `invokeOperation`.
 *
 * ```ts
 * await invokeOperation(connector, 'postInvoice', { ...options, logger: noopLogger });
 * ```
 */
export const noopLogger: ConnectorLogger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
});

/**
 * What replaces a secret in log output.
 *
 * ```ts
 * logger.info(`key ${apiKey}`); // the sink receives 'key [REDACTED]'
 * ```
 */
export const REDACTED = '[REDACTED]';

// Field names that hold credentials whatever the connector calls its config fields.
const sensitiveKey = /authorization|cookie|password|passwd|secret|token|api[-_]?key/i;
const maxDepth = 8;

/**
 * Options of {@link createRedactingLogger}.
 *
 * ```ts
 * const options: RedactingLoggerOptions = { secrets: [apiKey], secretKeys: ['apiKey'], bindings: { operation: 'postInvoice' } };
 * ```
 */
export interface RedactingLoggerOptions {
  /** Secret values (API keys, passwords) to cut out of messages and fields. */
  secrets: readonly string[];
  /** Extra field names to mask, e.g. the connector's secret config field names. */
  secretKeys?: readonly string[];
  /** Fields added to every line (connector, operation, correlation id). */
  bindings?: LogFields;
}

/**
 * Wraps `sink` so that secret values never reach it, and adds `bindings` to every line.
 *
 * ```ts
 * const logger = createRedactingLogger(sink, { secrets: [config.apiKey], bindings: { correlationId } });
 * logger.info('calling ERP', { headers: { authorization: `Bearer ${config.apiKey}` } });
 * // sink receives { headers: { authorization: '[REDACTED]' }, correlationId }
 * ```
 */
export function createRedactingLogger(
  sink: ConnectorLogger,
  options: RedactingLoggerOptions,
): ConnectorLogger {
  const redactor = createRedactor(options);
  const bindings = options.bindings ?? {};
  const emit = (level: LogLevel) => (message: string, fields?: LogFields) => {
    const clean = redactor.value({ ...bindings, ...fields });
    sink[level](redactor.text(message), isRecord(clean) ? clean : {});
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** Removes secrets from text and from structured values (used for log lines and error details). */
export interface Redactor {
  text(text: string): string;
  value(value: unknown): unknown;
}

/**
 * The redaction behind {@link createRedactingLogger}, on its own.
 *
 * ```ts
 * const redactor = createRedactor({ secrets: [apiKey] });
 * redactor.text(`key=${apiKey}`); // 'key=[REDACTED]'
 * ```
 */
export function createRedactor(options: Omit<RedactingLoggerOptions, 'bindings'>): Redactor {
  // Longest first, so a secret that contains another is removed whole.
  const secrets = options.secrets.filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  const redaction: Redaction = { secrets, secretKeys: new Set(options.secretKeys ?? []) };
  return {
    text: (text) => redactString(text, secrets),
    value: (value) => redactValue(value, redaction, 0),
  };
}

interface Redaction {
  secrets: readonly string[];
  secretKeys: ReadonlySet<string>;
}

function redactValue(value: unknown, redaction: Redaction, depth: number): unknown {
  if (typeof value === 'string') return redactString(value, redaction.secrets);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= maxDepth) return '[…]';
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message, redaction.secrets) };
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redaction, depth + 1));
  if (value instanceof URL) return redactString(value.href, redaction.secrets);
  if (value instanceof Date) return value.toISOString();
  const out: LogFields = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] =
      redaction.secretKeys.has(key) || sensitiveKey.test(key)
        ? REDACTED
        : redactValue(item, redaction, depth + 1);
  }
  return out;
}

function redactString(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.replaceAll(secret, REDACTED);
  return out;
}

function isRecord(value: unknown): value is LogFields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
