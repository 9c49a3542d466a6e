/**
 * Opens the runtime's database: real Postgres when a URL is given (`DATABASE_URL`), otherwise
 * the embedded PGlite with its data under `<dataDir>/pgdata` (or in memory for `memory://`).
 * @module
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { guardDiskSpace, minFreeDiskBytes } from './disk-guard.ts';
import type { Database } from './schema.ts';

/** Which engine a connection talks to. */
export type DatabaseKind = 'pglite' | 'postgres';

export interface ConnectOptions {
  /** `postgres://…`; selects real Postgres. */
  databaseUrl?: string | undefined;
  /** Waybill's data directory (PGlite keeps its files in `pgdata/` inside); `memory://` keeps nothing. */
  dataDir?: string | undefined;
  /** Pool size for Postgres (default 10). */
  poolSize?: number | undefined;
}

/** An open database plus the notification channel workers wake up on. */
export interface Connection {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Where PGlite keeps its files (`memory://` when in memory); null for Postgres. */
  dataDir: string | null;
  /** Calls `callback` on every NOTIFY on `channel`; resolves to an unsubscribe function. */
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
  /** Sends a NOTIFY outside any transaction (inside one, use `notify(trx, channel)`). */
  notify(channel: string, payload?: string): Promise<void>;
  close(): Promise<void>;
}

/** The default Waybill data directory: `WAYBILL_DATA_DIR` or `./.waybill`. */
export function defaultDataDir(): string {
  return process.env.WAYBILL_DATA_DIR ?? './.waybill';
}

/**
 * Connects to Postgres or PGlite. bigint columns (ids, counts) are read as JS numbers.
 *
 * ```ts
 * const connection = await connect({ databaseUrl: process.env.DATABASE_URL });
 * await migrateToLatest(connection.db);
 * await connection.close();
 * ```
 */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  if (options.databaseUrl) return connectPostgres(options.databaseUrl, options.poolSize ?? 10);
  return connectPGlite(options.dataDir ?? defaultDataDir());
}

/**
 * Sends a NOTIFY from inside a transaction (delivered only if it commits).
 *
 * ```ts
 * await db.transaction().execute(async (trx) => { …; await notify(trx, WORK_CHANNEL); });
 * ```
 */
export async function notify(db: Kysely<Database>, channel: string, payload = ''): Promise<void> {
  await sql`select pg_notify(${channel}, ${payload})`.execute(db);
}

const INT8_OID = 20;

async function connectPGlite(dataDir: string): Promise<Connection> {
  let location = 'memory://';
  if (!dataDir.startsWith('memory://')) {
    location = resolve(join(dataDir, 'pgdata'));
    mkdirSync(location, { recursive: true });
  }
  const opened = await PGlite.create(location, {
    parsers: { [INT8_OID]: (value: string) => Number(value) },
  });
  // On disk: writes stop (with a clear error) before the disk is full, see disk-guard.ts.
  const pglite =
    location === 'memory://'
      ? opened
      : guardDiskSpace(opened, { dir: location, minFreeBytes: minFreeDiskBytes() });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    dataDir: location,
    async listen(channel, callback) {
      const unsubscribe = await pglite.listen(channel, callback);
      return async () => {
        if (!pglite.closed) await unsubscribe();
      };
    },
    notify: (channel, payload) => notify(db, channel, payload),
    async close() {
      await db.destroy();
    },
  };
}

async function connectPostgres(databaseUrl: string, poolSize: number): Promise<Connection> {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, types });
  // A client that loses its server must not crash the process: an idle one is replaced by the
  // pool; a checked-out one (the pool drops its own listener while it is lent out) fails its next
  // query, the caller's transaction rolls back, and the pool discards it on release.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await sql`select 1`.execute(db);
  const listeners: pg.Client[] = [];
  return {
    db,
    kind: 'postgres',
    dataDir: null,
    async listen(channel, callback) {
      // LISTEN needs a session of its own: pooled clients are handed to other queries.
      const client = new pg.Client({ connectionString: databaseUrl });
      client.on('error', () => undefined);
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === channel) callback(message.payload ?? '');
      });
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      listeners.push(client);
      return async () => {
        const index = listeners.indexOf(client);
        if (index >= 0) listeners.splice(index, 1);
        await client.end().catch(() => undefined);
      };
    },
    notify: (channel, payload) => notify(db, channel, payload),
    async close() {
      await Promise.all(listeners.splice(0).map((client) => client.end().catch(() => undefined)));
      await db.destroy();
    },
  };
}
