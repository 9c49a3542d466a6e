import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardDiskSpace, isStorageFullError, minFreeDiskBytes } from './disk-guard.ts';

describe('WAYBILL_MIN_FREE_DISK_MB', () => {
  it('defaults to 64 MB, takes whole MB, 0 turns the check off', () => {
    expect(minFreeDiskBytes({})).toBe(64 * 1024 * 1024);
    expect(minFreeDiskBytes({ WAYBILL_MIN_FREE_DISK_MB: '200' })).toBe(200 * 1024 * 1024);
    expect(minFreeDiskBytes({ WAYBILL_MIN_FREE_DISK_MB: '0' })).toBe(0);
  });

  it.each(['-1', '1.5', 'lots'])('refuses %j naming the variable', (text) => {
    expect(() => minFreeDiskBytes({ WAYBILL_MIN_FREE_DISK_MB: text })).toThrow(
      `WAYBILL_MIN_FREE_DISK_MB must be a whole number of MB (0 or more), not ${text}.`,
    );
  });
});

describe('a database that ran out of disk space', () => {
  let pglite: PGlite;
  beforeAll(async () => {
    pglite = await PGlite.create();
    await pglite.exec('create table t (n int)');
  });
  afterAll(() => pglite.close());

  it('is sent no further statement after its first "no space" error', async () => {
    let statements = 0;
    let full = false;
    // A database whose writes fail as PGlite's do when the disk is full.
    const failing = new Proxy(pglite, {
      get(target, property) {
        if (property !== 'query') return Reflect.get(target, property, target) as unknown;
        const query: PGlite['query'] = (text, params, options) => {
          statements += 1;
          if (full) {
            return Promise.reject(
              new Error('could not write to file "pg_wal/xlogtemp.42": No space left on device'),
            );
          }
          return target.query(text, params, options);
        };
        return query;
      },
    });
    const guarded = guardDiskSpace(failing, { dir: '/', minFreeBytes: 0 });
    await guarded.query('insert into t values (1)');
    full = true;
    const error: unknown = await guarded.query('insert into t values (2)').catch((e: unknown) => e);
    expect(isStorageFullError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /ran out of disk space .*No space left on device.*restart Waybill/,
    );
    const sent = statements;
    // Reads and writes alike now fail at once, without reaching the database.
    await expect(guarded.query('select 1')).rejects.toSatisfy(isStorageFullError);
    await expect(guarded.transaction(() => Promise.resolve())).rejects.toSatisfy(
      isStorageFullError,
    );
    expect(statements).toBe(sent);
  });
});
