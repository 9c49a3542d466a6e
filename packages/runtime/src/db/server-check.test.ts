import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import { serverWarnings, serverWarningsOf } from './server-check.ts';

describe('server settings', () => {
  it('warns, saying what to do, when autovacuum is off, and says nothing when it is on', () => {
    const [warning, ...rest] = serverWarningsOf({ autovacuum: 'off' });
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ setting: 'autovacuum', value: 'off' });
    expect(warning?.message).toMatch(/autovacuum is off.*Turn it back on/s);
    expect(serverWarningsOf({ autovacuum: 'on' })).toEqual([]);
  });

  describe('read from the server', () => {
    let testDb: TestDatabase;
    beforeAll(async () => {
      testDb = await createTestDatabase();
    });
    afterAll(async () => {
      await testDb.drop();
    });

    it("reports the server's own autovacuum setting", async () => {
      const warnings = await serverWarnings(testDb.db);
      const { rows } = await sql<{ autovacuum: string }>`
        select current_setting('autovacuum') as autovacuum`.execute(testDb.db);
      expect(warnings.map((w) => w.setting)).toEqual(
        rows[0]?.autovacuum === 'on' ? [] : ['autovacuum'],
      );
    });
  });
});
