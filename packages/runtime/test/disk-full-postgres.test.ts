/**
 * A full disk under PostgreSQL. The events table of a test database lives in a tablespace on a
 * small tmpfs; events are posted over HTTP until that disk is full. Every event answered 202 is
 * stored, every other one is answered 507 saying the database has no space left (never a 500,
 * never a 202 for an event that was not stored), in a batch too, and the API keeps answering.
 * Once the table has room again, the refused events are accepted with the same idempotency keys,
 * each stored once.
 *
 * Needs a PostgreSQL server on this machine (the tablespace's directory is on its file system),
 * root to mount the tmpfs, and a `postgres` system user to own it; skipped, with the reason,
 * otherwise.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../src/api/api-keys.ts';
import { createHttpApp } from '../src/api/app.ts';
import { silentLogger } from '../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

const DISK_MB = 4;

/** Why this machine cannot run the test, or null. */
function unavailable(): string | null {
  const url = process.env.DATABASE_URL;
  if (!url) return 'needs PostgreSQL (DATABASE_URL)';
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host))
    return `the PostgreSQL server (${host}) is not on this machine`;
  if (userInfo().uid !== 0) return 'mounting a tmpfs needs root';
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'pipe' });
  } catch {
    return 'no postgres system user to own the tablespace directory';
  }
  return null;
}

/** An event of ~20 KB that does not compress (so it really takes room on the disk). */
function orderEvent(key: string): Record<string, unknown> {
  return {
    type: 'order.released',
    correlationKey: key,
    payload: { orderNumber: key, note: randomBytes(15_000).toString('base64') },
  };
}

interface Answer {
  status: number;
  body: { eventId?: string; error?: string; message?: string };
}

const reason = unavailable();

describe.skipIf(reason !== null)(
  `events on a full PostgreSQL disk${reason ? ` (skipped: ${reason})` : ''}`,
  () => {
    const tablespace = `waybill_full_${randomBytes(4).toString('hex')}`;
    const apiKey = 'wb_test_' + randomBytes(8).toString('hex');
    let dir = '';
    let mounted = false;
    let testDb: TestDatabase;
    let app: Awaited<ReturnType<typeof createHttpApp>>;
    let baseUrl = '';

    /** Each key's event, the same body every time it is sent. */
    const bodies = new Map<string, string>();

    async function post(key: string): Promise<Answer> {
      let body = bodies.get(key);
      if (body === undefined) bodies.set(key, (body = JSON.stringify(orderEvent(key))));
      const response = await fetch(`${baseUrl}/api/v1/events`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${apiKey}`,
          'idempotency-key': key,
          'content-type': 'application/json',
        },
        body,
      });
      return { status: response.status, body: (await response.json()) as Answer['body'] };
    }

    async function storedKeys(): Promise<string[]> {
      const rows = await testDb.db.selectFrom('events').select('idempotency_key').execute();
      return rows.map((r) => r.idempotency_key).sort();
    }

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'waybill-pg-full-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MB}m`, 'tmpfs', dir]);
      mounted = true;
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
      chownSync(dir, uid, gid);
      testDb = await createTestDatabase();
      await sql`create tablespace ${sql.id(tablespace)} location ${sql.lit(dir)}`.execute(
        testDb.db,
      );
      await sql`alter table events set tablespace ${sql.id(tablespace)}`.execute(testDb.db);
      await registerApiKey(testDb.db, { key: apiKey, name: 'test' });
      app = await createHttpApp({
        connection: testDb.connection,
        logger: silentLogger,
        version: 'test',
      });
      baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    });

    afterAll(async () => {
      await app?.close();
      if (testDb) {
        await sql`alter table events set tablespace pg_default`
          .execute(testDb.db)
          .catch(() => undefined);
        await testDb.drop();
      }
      // Empty once the database is gone; dropped from another database.
      const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`drop tablespace if exists ${tablespace}`);
      } finally {
        await admin.end();
      }
      if (mounted) execFileSync('umount', [dir]);
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('answers 202 only for stored events and 507 for the rest, then stores them once there is room', async () => {
      const accepted: string[] = [];
      const refused: Answer[] = [];
      const refusedKeys: string[] = [];
      // Up to 600 events of 20 KB: far more than 4 MB holds.
      for (let i = 0; i < 600 && refused.length < 5; i++) {
        const key = `pg-full-${i}`;
        const answer = await post(key);
        if (answer.status === 202) accepted.push(key);
        else {
          refused.push(answer);
          refusedKeys.push(key);
        }
      }
      expect(accepted.length).toBeGreaterThan(10);
      expect(refused.map((a) => a.status)).toEqual([507, 507, 507, 507, 507]);
      expect(refused[0]?.body).toEqual({
        error: 'insufficient_storage',
        message: expect.stringMatching(/no disk space left.*nothing was stored/),
      });
      // Everything answered 202 is there; nothing refused is.
      expect(await storedKeys()).toEqual([...accepted].sort());

      // A batch: each refused event says why.
      const batch = await fetch(`${baseUrl}/api/v1/events/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [{ idempotencyKey: 'pg-full-b', ...orderEvent('b') }] }),
      });
      expect(batch.status).toBe(200);
      const { results } = (await batch.json()) as { results: { status: number }[] };
      expect(results.map((r) => r.status)).toEqual([507]);
      // Reads go on.
      expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);

      // Room again: the same keys are accepted, each once.
      await sql`alter table events set tablespace pg_default`.execute(testDb.db);
      for (const key of refusedKeys) expect((await post(key)).status).toBe(202);
      expect((await post(accepted[0]!)).status).toBe(200);
      expect(await storedKeys()).toEqual([...accepted, ...refusedKeys].sort());
    });
  },
);
