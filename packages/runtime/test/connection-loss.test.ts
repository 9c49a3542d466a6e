/**
 * A database connection that dies while the engine holds it (between two statements of a
 * transaction, say) must fail that work, not the process: the pool lends the client out without
 * an error listener of its own, and an unhandled `error` event would end the worker.
 */
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!process.env.DATABASE_URL)(
  'losing a Postgres connection (needs DATABASE_URL)',
  () => {
    let testDb: TestDatabase;
    beforeAll(async () => {
      testDb = await createTestDatabase();
    });
    afterAll(() => testDb.drop());

    it('fails the work in hand and keeps the process and the pool usable', async () => {
      const unhandled: unknown[] = [];
      const onUncaught = (error: unknown) => unhandled.push(error);
      process.on('uncaughtException', onUncaught);
      try {
        const work = testDb.db.transaction().execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
          const admin = new pg.Client({ connectionString: testDb.url });
          await admin.connect();
          await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
          await admin.end();
          await sleep(200); // the server's goodbye arrives while no query is running
          await sql`select 1`.execute(trx);
        });
        await expect(work).rejects.toThrow();
        expect(unhandled).toEqual([]);
        const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(testDb.db);
        expect(rows).toEqual([{ ok: 1 }]);
      } finally {
        process.off('uncaughtException', onUncaught);
      }
    });
  },
);
