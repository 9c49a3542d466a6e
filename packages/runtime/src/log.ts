/**
 * A small structured logger: one JSON object per line (pino-compatible field names), so logs
 * can be searched by `correlationKey`, `instanceId` or `eventId`.
 * @module
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const levelValues: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel | 'silent';
  /** Where lines go (default stdout). */
  write?: (line: string) => void;
  base?: Record<string, unknown>;
}

/**
 * Creates a JSON-lines logger. `WAYBILL_LOG_LEVEL` sets the default level.
 *
 * ```ts
 * const log = createLogger({ level: 'info' });
 * log.info('event routed', { correlationKey: 'SO-1001', eventId });
 * ```
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? parseLevel(process.env.WAYBILL_LOG_LEVEL) ?? 'info';
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const base = options.base ?? {};
  const min = level === 'silent' ? Infinity : levelValues[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (levelValues[lvl] < min) return;
    const line = JSON.stringify(
      { level: lvl, time: new Date().toISOString(), msg, ...base, ...fields },
      errorReplacer,
    );
    write(redactedSecrets.size === 0 ? line : redactLine(line));
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger({ level, write, base: { ...base, ...fields } }),
  };
}

/** What replaces a registered secret in log lines. */
export const LOG_REDACTED = '[REDACTED]';

// Secret values (decrypted connector credentials) that no log line may contain, longest first so
// that a secret containing another is replaced whole. Matched as they appear inside JSON text.
const redactedSecrets = new Set<string>();
let redactionOrder: string[] = [];

/**
 * Makes every logger replace these values with `[REDACTED]` from now on (the platform registers
 * each connector secret it decrypts). Values shorter than 4 characters are ignored: replacing
 * them would garble ordinary text without protecting anything.
 *
 * ```ts
 * redactInLogs([config.apiKey]);
 * logger.info('calling ERP', { url }); // a URL carrying the key is logged with [REDACTED]
 * ```
 */
export function redactInLogs(secrets: Iterable<string>): void {
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    redactedSecrets.add(JSON.stringify(secret).slice(1, -1));
  }
  redactionOrder = [...redactedSecrets].sort((a, b) => b.length - a.length);
}

function redactLine(line: string): string {
  let out = line;
  for (const secret of redactionOrder) out = out.replaceAll(secret, LOG_REDACTED);
  return out;
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = createLogger({ level: 'silent' });

function parseLevel(value: string | undefined): LogLevel | 'silent' | undefined {
  return value === 'debug' ||
    value === 'info' ||
    value === 'warn' ||
    value === 'error' ||
    value === 'silent'
    ? value
    : undefined;
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error)
    return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
