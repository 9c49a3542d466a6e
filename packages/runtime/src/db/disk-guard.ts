/**
 * Full-disk protection for the embedded database. When PGlite's disk fills up, the write that
 * hits "No space left on device" fails, and the next statement blocks the whole process (the
 * database runs in this process, so the HTTP server and the worker stop answering). So Waybill
 * stops writing before that: while the data directory's file system has less than a reserve
 * free (`WAYBILL_MIN_FREE_DISK_MB`, default 64 MB — room for a few new WAL segments of 16 MB),
 * every write (and every transaction) fails at once with a {@link StorageFullError} (the API
 * answers 507), plain reads go on, and writes resume by themselves once space is freed or the
 * volume grown. Should the disk fill regardless (another process writing to it), the database
 * is not touched again after its first "no space" error: every statement fails with a
 * {@link StorageFullError} until a restart.
 * @module
 */
import { statfsSync } from 'node:fs';
import type { PGlite, Transaction } from '@electric-sql/pglite';

/** The default free-space reserve in MB (`WAYBILL_MIN_FREE_DISK_MB`). */
export const DEFAULT_MIN_FREE_DISK_MB = 64;

/** Nothing can be stored: the embedded database's disk is (nearly) full. */
export class StorageFullError extends Error {
  readonly code = 'STORAGE_FULL';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageFullError';
  }
}

export function isStorageFullError(error: unknown): error is StorageFullError {
  return error instanceof StorageFullError;
}

/** PostgreSQL's `disk_full` condition: the server could not extend a file for want of space. */
const PG_DISK_FULL = '53100';

/**
 * Whether a write failed for want of disk space: the embedded database's guard refused it, or
 * PostgreSQL answered `disk_full` (SQLSTATE 53100). Nothing of the failed statement was stored.
 */
export function isOutOfSpace(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 4; depth++) {
    if (e instanceof StorageFullError) return true;
    if (typeof e !== 'object' || e === null) return false;
    if ('code' in e && e.code === PG_DISK_FULL) return true;
    e = 'cause' in e ? e.cause : undefined;
  }
  return false;
}

/** What to tell a client whose write {@link isOutOfSpace} refused. */
export function outOfSpaceMessage(error: unknown): string {
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 4; depth++) {
    if (e instanceof StorageFullError) return e.message;
    if (typeof e !== 'object' || e === null) break;
    e = 'cause' in e ? e.cause : undefined;
  }
  return 'The database has no disk space left for this write (PostgreSQL: disk full); nothing was stored.';
}

/** The reserve from `WAYBILL_MIN_FREE_DISK_MB` (a whole number of MB, 0 turns the check off). */
export function minFreeDiskBytes(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.WAYBILL_MIN_FREE_DISK_MB;
  if (text === undefined || text.trim() === '') return DEFAULT_MIN_FREE_DISK_MB * 1024 * 1024;
  const mb = Number(text);
  if (!Number.isInteger(mb) || mb < 0)
    throw new Error(
      `WAYBILL_MIN_FREE_DISK_MB must be a whole number of MB (0 or more), not ${text}.`,
    );
  return mb * 1024 * 1024;
}

/** A statement that only reads (and so may run while the disk is nearly full). */
function isRead(query: string): boolean {
  return /^\s*(select|show)\b/i.test(query);
}

function isNoSpace(error: unknown): boolean {
  return error instanceof Error && /no space left on device/i.test(error.message);
}

/** A method read through a proxy, bound to the object it belongs to (private fields need it). */
function bound(target: object, value: unknown): unknown {
  return typeof value === 'function'
    ? (value as (...args: unknown[]) => unknown).bind(target)
    : value;
}

/** A transaction that refuses every statement with `error` (and never reaches the database). */
function refusingTransaction(error: StorageFullError): Transaction {
  const refuse = () => Promise.reject(error);
  return {
    query: refuse,
    sql: refuse,
    exec: refuse,
    rollback: async () => {},
    listen: refuse,
    closed: false,
  };
}

/**
 * Wraps a PGlite database so that writes stop while its disk has less than `minFreeBytes` free
 * (see the module's description). The returned object is used in place of `pglite`.
 *
 * ```ts
 * const pglite = guardDiskSpace(await PGlite.create(dir), { dir, minFreeBytes: minFreeDiskBytes() });
 * ```
 */
export function guardDiskSpace(
  pglite: PGlite,
  options: { dir: string; minFreeBytes: number; freeBytes?: (dir: string) => number },
): PGlite {
  const freeBytes =
    options.freeBytes ??
    ((dir: string) => {
      const stats = statfsSync(dir);
      return stats.bavail * stats.bsize;
    });
  let stopped: StorageFullError | null = null;
  const mb = (bytes: number) => Math.floor(bytes / (1024 * 1024));

  /** Why nothing may be written now, or null. */
  const noRoom = (): StorageFullError | null => {
    if (stopped) return stopped;
    if (options.minFreeBytes === 0) return null;
    const free = freeBytes(options.dir);
    if (free >= options.minFreeBytes) return null;
    return new StorageFullError(
      `Disk nearly full: ${mb(free)} MB free where the embedded database keeps its data (${options.dir}); ` +
        `Waybill stores nothing while less than ${mb(options.minFreeBytes)} MB are free ` +
        '(WAYBILL_MIN_FREE_DISK_MB). Free space or grow the volume, then send again.',
    );
  };
  const noteFailure = (error: unknown): unknown => {
    if (!isNoSpace(error)) return error;
    stopped ??= new StorageFullError(
      `The embedded database ran out of disk space (${options.dir}): ${error instanceof Error ? error.message : String(error)}. ` +
        'Nothing more is stored; free space and restart Waybill.',
      { cause: error },
    );
    return stopped;
  };
  const run = async <T>(statement: () => Promise<T>): Promise<T> => {
    try {
      return await statement();
    } catch (error) {
      throw noteFailure(error);
    }
  };

  const query: PGlite['query'] = (text, params, queryOptions) => {
    const refused = isRead(text) ? stopped : noRoom();
    if (refused) return Promise.reject(refused);
    return run(() => pglite.query(text, params, queryOptions));
  };
  const exec: PGlite['exec'] = (text, execOptions) => {
    const refused = noRoom();
    if (refused) return Promise.reject(refused);
    return run(() => pglite.exec(text, execOptions));
  };
  const transaction: PGlite['transaction'] = async (callback) => {
    const refused = noRoom();
    // The caller's callback still runs (Kysely's driver waits for it to begin), but with a
    // transaction whose every statement fails: the database is not touched.
    if (refused) {
      await callback(refusingTransaction(refused));
      throw refused;
    }
    return run(() =>
      pglite.transaction((tx) =>
        callback(
          new Proxy(tx, {
            get(target, property, receiver) {
              if (property === 'query') {
                const guarded: Transaction['query'] = (text, params, queryOptions) =>
                  stopped
                    ? Promise.reject(stopped)
                    : run(() => target.query(text, params, queryOptions));
                return guarded;
              }
              return bound(target, Reflect.get(target, property, receiver));
            },
          }),
        ),
      ),
    );
  };
  return new Proxy(pglite, {
    get(target, property) {
      if (property === 'query') return query;
      if (property === 'exec') return exec;
      if (property === 'transaction') return transaction;
      return bound(target, Reflect.get(target, property, target));
    },
  });
}
