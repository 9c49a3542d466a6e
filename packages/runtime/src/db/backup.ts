/**
 * Backup and restore of Waybill's database. The embedded PGlite data directory is archived as
 * one gzipped tarball (PGlite's own `dumpDataDir`, loaded back with `loadDataDir`); a Postgres
 * database is dumped with `pg_dump -Fc` and restored with `pg_restore` into an empty database.
 * The instances go on where they were: timers, pending connector calls (with their idempotency
 * keys) and unprocessed messages are rows like any other.
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';

const run = promisify(execFile);

/** A backup or restore that could not be done; the message names the file or database. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

export function isBackupError(error: unknown): error is BackupError {
  return error instanceof BackupError;
}

/** Where PGlite keeps its files inside a Waybill data directory. */
function pgdataOf(dataDir: string): string {
  return resolve(join(dataDir, 'pgdata'));
}

function isEmptyDir(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/**
 * Archives the embedded database of `dataDir` into `file` (a gzipped tarball); returns its size
 * in bytes. PGlite is single-process: stop the platform first, so the copy is consistent.
 *
 * ```ts
 * await backupDataDir('./.waybill', 'waybill-2026-11-24.tar.gz');
 * ```
 */
export async function backupDataDir(dataDir: string, file: string): Promise<number> {
  const pgdata = pgdataOf(dataDir);
  if (isEmptyDir(pgdata)) throw new BackupError(`No embedded database in ${pgdata}.`);
  const pglite = await PGlite.create(pgdata);
  try {
    const archive = await pglite.dumpDataDir('gzip');
    const bytes = new Uint8Array(await archive.arrayBuffer());
    writeFileSync(file, bytes);
    return bytes.byteLength;
  } finally {
    await pglite.close();
  }
}

/**
 * Loads a backup made by {@link backupDataDir} into `dataDir`, which must not hold a database
 * yet (a restore never overwrites one). Start the platform on `dataDir` afterwards.
 *
 * ```ts
 * await restoreDataDir('waybill-2026-11-24.tar.gz', './.waybill-restored');
 * ```
 */
export async function restoreDataDir(file: string, dataDir: string): Promise<void> {
  if (!existsSync(file) || !statSync(file).isFile())
    throw new BackupError(`Backup file ${file} does not exist.`);
  const pgdata = pgdataOf(dataDir);
  if (!isEmptyDir(pgdata))
    throw new BackupError(`${pgdata} already holds a database; restore into a new data directory.`);
  mkdirSync(pgdata, { recursive: true });
  const pglite = await PGlite.create(pgdata, {
    loadDataDir: new Blob([readFileSync(file)]),
  }).catch((error: unknown) => {
    throw new BackupError(
      `Cannot restore ${file} into ${pgdata}: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  await pglite.close();
}

/** Options for the Postgres client tools. */
export interface PgToolOptions {
  /** Directory of `pg_dump` and `pg_restore` (default: found on PATH). */
  binDir?: string | undefined;
}

function pgTool(name: 'pg_dump' | 'pg_restore', options: PgToolOptions): string {
  return options.binDir ? join(options.binDir, name) : name;
}

/** The `pg_dump` command line that backs up `databaseUrl` into `file` (custom format). */
export function pgDumpArgs(databaseUrl: string, file: string): string[] {
  return ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${databaseUrl}`];
}

/** The `pg_restore` command line that loads `file` into the empty database `databaseUrl`. */
export function pgRestoreArgs(file: string, databaseUrl: string): string[] {
  return ['--no-owner', '--exit-on-error', `--dbname=${databaseUrl}`, file];
}

async function runTool(
  name: 'pg_dump' | 'pg_restore',
  args: string[],
  options: PgToolOptions,
): Promise<void> {
  try {
    await run(pgTool(name, options), args);
  } catch (error) {
    const detail =
      error instanceof Error && 'stderr' in error && typeof error.stderr === 'string'
        ? error.stderr.trim() || error.message
        : String(error);
    throw new BackupError(`${name} failed: ${detail}`);
  }
}

/**
 * Dumps the Postgres database `databaseUrl` into `file` with `pg_dump -Fc`: one consistent
 * snapshot, taken while workers keep running.
 *
 * ```ts
 * await backupPostgres(process.env.DATABASE_URL, 'waybill.dump');
 * ```
 */
export async function backupPostgres(
  databaseUrl: string,
  file: string,
  options: PgToolOptions = {},
): Promise<void> {
  await runTool('pg_dump', pgDumpArgs(databaseUrl, file), options);
}

/**
 * Restores a {@link backupPostgres} dump into `databaseUrl`, an empty database (create it
 * first); start workers on it afterwards.
 *
 * ```ts
 * await restorePostgres('waybill.dump', 'postgres://…/waybill_restored');
 * ```
 */
export async function restorePostgres(
  file: string,
  databaseUrl: string,
  options: PgToolOptions = {},
): Promise<void> {
  if (!existsSync(file)) throw new BackupError(`Backup file ${file} does not exist.`);
  await runTool('pg_restore', pgRestoreArgs(file, databaseUrl), options);
}
