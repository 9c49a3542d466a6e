/**
 * `FileDropWatcher`: watches a folder the way partners drop EDI files (SFTP landing folders, a
 * mounted share). Polling rather than `fs.watch`, because network shares and SFTP servers do not
 * deliver change notifications reliably.
 *
 * Folder layout (created on start):
 *
 * ```text
 * <folder>/             files land here (names starting with "." or ending in .tmp/.part are ignored)
 * <folder>/processing/  a file is moved here (atomic rename) before it is handled: only one watcher gets it
 * <folder>/processed/   handled successfully
 * <folder>/failed/      the handler refused it; <name>.error.json next to it says why
 * ```
 *
 * No file is lost: a file is always in exactly one of these folders. None is processed twice by
 * concurrent watchers: the rename into `processing/` claims it, and the claim is a lease
 * (`claimTimeoutMs`, 5 minutes by default). A file whose lease ran out (its watcher crashed
 * mid-way) is put back and handled again, so the handler must be idempotent (publish with
 * content-derived keys). A retryable failure (the event sink is down) also puts the file back, to
 * be tried on the next scan.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { isConnectorError } from './connector.error.ts';
import type { ConnectorLogger } from './connector-logger.ts';
import { noopLogger } from './connector-logger.ts';

/**
 * A file being handled.
 *
 * ```ts
 * const idempotencyKey = `edi:${file.sha256}`;
 * ```
 */
export interface DroppedFile {
  name: string;
  /** Where it is while being handled (under `processing/`). */
  path: string;
  bytes: Buffer;
  /** The content decoded as UTF-8. */
  text: string;
  /** Hex SHA-256 of the content: a stable idempotency key for whatever the file produces. */
  sha256: string;
}

/**
 * Options of {@link FileDropWatcher}.
 *
 * ```ts
 * const options: FileDropWatcherOptions = { folder: '/data/edi/inbound', intervalMs: 2_000, handle: async (file) => parse(file.text) };
 * ```
 */
export interface FileDropWatcherOptions {
  folder: string;
  handle(file: DroppedFile): Promise<void> | void;
  /** Between scans when running with `start()`; default 2000. */
  intervalMs?: number;
  /** Only names matching this are picked up (e.g. `/\.(x12|edi|txt)$/i`). */
  pattern?: RegExp;
  /** Skip files modified less than this long ago, for writers that do not write-then-rename. */
  minAgeMs?: number;
  /** A file claimed longer ago than this is taken to be abandoned by a crashed watcher; default 5 min. */
  claimTimeoutMs?: number;
  logger?: ConnectorLogger;
}

/**
 * What one scan did (file names).
 *
 * ```ts
 * const { processed, failed, retried } = await watcher.scanOnce();
 * ```
 */
export interface ScanResult {
  processed: string[];
  failed: string[];
  /** Put back after a retryable failure. */
  retried: string[];
}

/**
 * Polls a folder and hands each new file to `handle`, then files it under `processed/` or
 * `failed/` (with an error file).
 *
 * ```ts
 * const watcher = new FileDropWatcher({ folder: inbox, handle: async (file) => publish(file) });
 * await watcher.scanOnce();          // one pass (tests)
 * watcher.start(); await watcher.stop(); // or keep watching
 * ```
 */
export class FileDropWatcher {
  readonly #options: FileDropWatcherOptions;
  readonly #logger: ConnectorLogger;
  #scanning: Promise<ScanResult> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = true;

  constructor(options: FileDropWatcherOptions) {
    this.#options = options;
    this.#logger = options.logger ?? noopLogger;
  }

  get folder(): string {
    return this.#options.folder;
  }

  /** Scans once: abandoned claims are put back first, then new files are handled in name order. */
  scanOnce(): Promise<ScanResult> {
    // Scans never overlap: a second caller waits for the running one.
    this.#scanning ??= this.#scan().finally(() => {
      this.#scanning = undefined;
    });
    return this.#scanning;
  }

  /** Scans every `intervalMs` until `stop()`. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const loop = (): void => {
      if (this.#stopped) return;
      this.scanOnce()
        .catch((error: unknown) => {
          this.#logger.error('file drop scan failed', { folder: this.folder, error });
        })
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#options.intervalMs ?? 2_000);
        });
    };
    loop();
  }

  /** Stops scanning; resolves once a scan in progress has finished (so no file is left mid-way). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#scanning?.catch(() => undefined);
  }

  async #scan(): Promise<ScanResult> {
    const { folder } = this.#options;
    const dirs = {
      processing: join(folder, 'processing'),
      processed: join(folder, 'processed'),
      failed: join(folder, 'failed'),
    };
    await Promise.all(Object.values(dirs).map((dir) => mkdir(dir, { recursive: true })));
    const result: ScanResult = { processed: [], failed: [], retried: [] };

    await this.#releaseAbandonedClaims(dirs.processing);
    for (const name of await this.#candidates(folder, true)) {
      const claimed = join(dirs.processing, name);
      try {
        await rename(join(folder, name), claimed);
      } catch (error) {
        if (codeOf(error) === 'ENOENT') continue; // another watcher claimed it first
        throw error;
      }
      const now = new Date();
      await utimes(claimed, now, now); // the lease starts now, not when the file was written
      await this.#handleClaimed(name, dirs, result);
    }
    return result;
  }

  async #releaseAbandonedClaims(processing: string): Promise<void> {
    const timeout = this.#options.claimTimeoutMs ?? 5 * 60_000;
    const now = Date.now();
    for (const name of await this.#candidates(processing, false)) {
      const path = join(processing, name);
      const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: now }));
      if (now - mtimeMs < timeout) continue;
      try {
        await rename(path, join(this.#options.folder, name));
        this.#logger.warn('file abandoned mid-way is handled again', { file: name });
      } catch (error) {
        if (codeOf(error) !== 'ENOENT') throw error; // finished or released by another watcher
      }
    }
  }

  async #candidates(dir: string, checkAge: boolean): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    const names: string[] = [];
    const now = Date.now();
    for (const entry of entries) {
      if (!entry.isFile() || !this.#wanted(entry.name)) continue;
      if (checkAge && (this.#options.minAgeMs ?? 0) > 0) {
        const { mtimeMs } = await stat(join(dir, entry.name));
        if (now - mtimeMs < (this.#options.minAgeMs ?? 0)) continue;
      }
      names.push(entry.name);
    }
    return names.sort();
  }

  #wanted(name: string): boolean {
    if (name.startsWith('.') || /\.(tmp|part)$/i.test(name) || name.endsWith('.error.json')) {
      return false;
    }
    return this.#options.pattern ? this.#options.pattern.test(name) : true;
  }

  async #handleClaimed(
    name: string,
    dirs: { processing: string; processed: string; failed: string },
    result: ScanResult,
  ): Promise<void> {
    const path = join(dirs.processing, name);
    try {
      const bytes = await readFile(path);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await this.#options.handle({ name, path, bytes, text: bytes.toString('utf8'), sha256 });
    } catch (error) {
      if (isConnectorError(error) && error.retryable) {
        // Not the file's fault (the sink is down, rate limited): try it again next scan.
        await rename(path, join(this.#options.folder, name));
        this.#logger.warn('file put back after a retryable failure', {
          file: name,
          error: error.message,
        });
        result.retried.push(name);
        return;
      }
      const target = await freeName(dirs.failed, name);
      await rename(path, join(dirs.failed, target));
      // Written aside and renamed, so a reader never sees a half-written report.
      const report = join(dirs.failed, `${target}.error.json`);
      await writeFile(`${report}.tmp`, errorReport(name, error));
      await rename(`${report}.tmp`, report);
      this.#logger.error('file failed', { file: name, movedTo: `failed/${target}`, error });
      result.failed.push(name);
      return;
    }
    const target = await freeName(dirs.processed, name);
    await rename(path, join(dirs.processed, target));
    this.#logger.info('file processed', { file: name });
    result.processed.push(name);
  }
}

/** `name`, or `name.1`, `name.2`, … before the extension when a file of that name is already there. */
async function freeName(dir: string, name: string): Promise<string> {
  const taken = new Set(await readdir(dir));
  if (!taken.has(name)) return name;
  const ext = extname(name);
  const stem = basename(name, ext);
  for (let i = 1; ; i += 1) {
    const candidate = `${stem}.${i}${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}

function errorReport(name: string, error: unknown): string {
  return `${JSON.stringify(
    {
      file: name,
      failedAt: new Date().toISOString(),
      error: isConnectorError(error)
        ? error.toJSON()
        : { message: error instanceof Error ? error.message : String(error) },
    },
    null,
    2,
  )}\n`;
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? Reflect.get(error, 'code') : undefined;
}
