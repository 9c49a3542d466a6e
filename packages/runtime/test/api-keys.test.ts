import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateApiKey, ensureApiKey } from '../src/api/api-keys.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

describe('bootstrap API key', () => {
  it('creates a key on first start, saves it with mode 600, and reuses it later', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'waybill-key-'));
    const first = await ensureApiKey(testDb.db, { dataDir, envKey: '' });
    expect(first.source).toBe('created');
    expect(first.key).toMatch(/^wb_[0-9a-f]{40}$/);
    const file = join(dataDir, 'api-key');
    expect(readFileSync(file, 'utf8').trim()).toBe(first.key);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await ensureApiKey(testDb.db, { dataDir, envKey: '' });
    expect(second).toMatchObject({ source: 'file', key: first.key });
    expect(await authenticateApiKey(testDb.db, first.key)).toMatchObject({ name: 'bootstrap' });

    const rows = await testDb.db.selectFrom('api_keys').select('key_hash').execute();
    expect(rows.some((r) => r.key_hash.includes(first.key))).toBe(false);
  });

  it('takes WAYBILL_API_KEY when set', async () => {
    const result = await ensureApiKey(testDb.db, { dataDir: null, envKey: 'wb_from_env' });
    expect(result).toEqual({ key: 'wb_from_env', source: 'env', file: null });
    expect(await authenticateApiKey(testDb.db, 'wb_from_env')).not.toBeNull();
  });
});
