/**
 * Test helpers for packages that need a real runtime database (`@waybill/runtime/testing`).
 *
 * ```ts
 * import { createTestDatabase } from '@waybill/runtime/testing';
 * const testDb = await createTestDatabase();
 * afterAll(() => testDb.drop());
 * ```
 * @module
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect, type Connection } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import type { Database } from './db/schema.ts';
import type { Kysely } from 'kysely';

/** A migrated database of its own for one test file or suite. */
export interface TestDatabase {
  db: Kysely<Database>;
  connection: Connection;
  /** The Postgres URL of the fresh database, or `memory://` for PGlite. */
  url: string;
  /** Closes the connection and drops the database. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, migrated database: on the server of `DATABASE_URL` when set (a new database
 * `waybill_t_<random>`, dropped by `drop()`), otherwise an in-memory PGlite.
 *
 * ```ts
 * const { db, connection, drop } = await createTestDatabase();
 * ```
 */
export async function createTestDatabase(
  options: { databaseUrl?: string } = {},
): Promise<TestDatabase> {
  const serverUrl = options.databaseUrl ?? process.env.DATABASE_URL;
  if (!serverUrl) {
    const connection = await connect({ dataDir: 'memory://' });
    await migrateToLatest(connection.db);
    return { db: connection.db, connection, url: 'memory://', drop: () => connection.close() };
  }
  const name = `waybill_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const connection = await connect({ databaseUrl: url.toString(), poolSize: 5 });
  await migrateToLatest(connection.db);
  return {
    db: connection.db,
    connection,
    url: url.toString(),
    async drop() {
      await connection.close();
      await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
