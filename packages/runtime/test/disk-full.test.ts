/**
 * A full disk under the embedded database. `waybill start` keeps its data on a small tmpfs and
 * receives events over HTTP until the disk is full: every event answered 202 is durable, every
 * other one is answered 507 with a message naming the disk (never a hang, never a 202), and the
 * process keeps serving. Once the volume is grown the same process accepts the refused events;
 * after a restart on the same directory every accepted event is there once and was processed
 * once.
 *
 * The tmpfs needs root (`mount -t tmpfs`); without it that part is skipped, and the portable
 * part below drives the same guard with a simulated free-space figure.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { FlowDefinitionInput } from '@waybill/shared';
import { Kysely, PGliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../src/api/api-keys.ts';
import { createHttpApp } from '../src/api/app.ts';
import { connect } from '../src/db/connect.ts';
import { guardDiskSpace, isStorageFullError } from '../src/db/disk-guard.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import type { Database } from '../src/db/schema.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { silentLogger } from '../src/log.ts';

const MB = 1024 * 1024;
const cliMain = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** Each released order starts an instance that completes at once. */
const receiveFlow = {
  key: 'receive-order',
  name: 'Receive order',
  trigger: { event: 'order.released' },
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'done', type: 'end', outcome: 'received' },
  ],
  edges: [{ id: 'e1', source: 'start', target: 'done' }],
} satisfies FlowDefinitionInput;

/** An event of ~20 KB that does not compress (so it really takes room on the disk). */
function orderEvent(key: string): string {
  return JSON.stringify({
    type: 'order.released',
    correlationKey: key,
    payload: { orderNumber: key, note: randomBytes(15_000).toString('base64') },
  });
}

interface Answer {
  status: number | 'no answer';
  body: { eventId?: string; error?: string; message?: string } | null;
}

async function post(baseUrl: string, apiKey: string, key: string, body: string): Promise<Answer> {
  try {
    const response = await fetch(`${baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'idempotency-key': key,
        'content-type': 'application/json',
      },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  } catch {
    return { status: 'no answer', body: null };
  }
}

/** Mounts a tmpfs of `sizeMb` on a new directory; the reason when this machine does not allow it. */
function mountTmpfs(sizeMb: number): { dir: string } | { reason: string } {
  const dir = mkdtempSync(join(tmpdir(), 'waybill-full-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], {
      stdio: 'pipe',
    });
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { reason: `mounting a tmpfs is not permitted here (${why})` };
  }
}

// 40 MB for a fresh platform, 24 MB kept free (above a 16 MB WAL segment), ~20 MB for events.
const DISK_MB = 84;
const RESERVE_MB = 24;
/** Whether this machine lets us mount a tmpfs (tried, and undone, when the file is collected). */
function tmpfsAllowed(): { reason: string } | null {
  const probe = mountTmpfs(1);
  if ('reason' in probe) return probe;
  execFileSync('umount', [probe.dir]);
  rmSync(probe.dir, { recursive: true, force: true });
  return null;
}
const notAllowed = tmpfsAllowed();

describe.skipIf(notAllowed !== null)(
  `waybill start on a full disk${notAllowed ? ` (skipped: ${notAllowed.reason})` : ''}`,
  () => {
    let mounted = '';
    let dataDir = '';
    const children = new Set<ChildProcess>();

    function startPlatform() {
      const child = spawn(
        process.execPath,
        [cliMain, 'start', '--port', '0', '--host', '127.0.0.1'],
        {
          env: {
            ...process.env,
            DATABASE_URL: '',
            WAYBILL_DATA_DIR: dataDir,
            WAYBILL_MIN_FREE_DISK_MB: String(RESERVE_MB),
            // No connector calls in this flow; no ERP simulator writing to the disk.
            WAYBILL_ERP_URL: 'http://127.0.0.1:9',
            WAYBILL_LOG_LEVEL: 'fatal',
            WAYBILL_POLL_MS: '100',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      const ready = new Promise<{ baseUrl: string; apiKey: string }>((resolve) => {
        const onData = (chunk: Buffer): void => {
          output += chunk.toString();
          const port = /API\s+http:\/\/localhost:(\d+)\/api\/v1/.exec(output)?.[1];
          const apiKey = /API key\s+(\S+)/.exec(output)?.[1];
          if (port && apiKey) resolve({ baseUrl: `http://127.0.0.1:${port}`, apiKey });
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
      });
      children.add(child);
      const exit = new Promise<number | null>((resolve) =>
        child.once('exit', (code) => {
          children.delete(child);
          resolve(code);
        }),
      );
      return { child, ready, exit, output: () => output };
    }

    /** Stops the platform the way an operator does; it must exit cleanly. */
    async function stop(platform: ReturnType<typeof startPlatform>): Promise<void> {
      platform.child.kill('SIGTERM');
      expect(await platform.exit, platform.output()).toBe(0);
    }

    // This process opens the same directory before and after the platform runs.
    const reserveBefore = process.env.WAYBILL_MIN_FREE_DISK_MB;
    beforeAll(async () => {
      const disk = mountTmpfs(DISK_MB);
      if ('reason' in disk) throw new Error(disk.reason);
      mounted = disk.dir;
      dataDir = join(mounted, 'data');
      process.env.WAYBILL_MIN_FREE_DISK_MB = String(RESERVE_MB);
      mkdirSync(dataDir, { recursive: true });
      const connection = await connect({ dataDir });
      await migrateToLatest(connection.db);
      await deployFlow(connection.db, receiveFlow, { publishedBy: 'test' });
      await connection.close();
    });
    afterAll(() => {
      if (reserveBefore === undefined) delete process.env.WAYBILL_MIN_FREE_DISK_MB;
      else process.env.WAYBILL_MIN_FREE_DISK_MB = reserveBefore;
      for (const child of children) child.kill('SIGKILL');
      if (mounted) {
        execFileSync('umount', ['-l', mounted]);
        rmSync(mounted, { recursive: true, force: true });
      }
    });

    it('answers 202 only for stored events and 507 for the rest, then stores them once the disk grows', async () => {
      let platform = startPlatform();
      const api = await platform.ready;
      const answers = new Map<string, Answer>();
      const bodies = new Map<string, string>();
      // Send until the disk has refused a good number of events (or 4,000 were sent).
      for (let round = 0; round < 200; round++) {
        const keys = Array.from({ length: 20 }, () => randomUUID());
        for (const key of keys) bodies.set(key, orderEvent(key));
        const got = await Promise.all(
          keys.map((key) => post(api.baseUrl, api.apiKey, key, bodies.get(key)!)),
        );
        keys.forEach((key, i) => answers.set(key, got[i]!));
        // A request without an answer is a failure already (checked below); stop there.
        if (got.some((a) => a.status === 'no answer')) break;
        if ([...answers.values()].filter((a) => a.status === 507).length >= 60) break;
      }
      const accepted = [...answers].filter(([, a]) => a.status === 202).map(([key]) => key);
      const refused = [...answers].filter(([, a]) => a.status === 507).map(([key]) => key);
      // Every request was answered, 202 or 507: no hang, no other failure.
      expect([...answers.values()].filter((a) => a.status !== 202 && a.status !== 507)).toEqual([]);
      expect(accepted.length).toBeGreaterThan(100);
      expect(refused.length).toBeGreaterThanOrEqual(60);
      const refusal = answers.get(refused[0]!)!.body;
      expect(refusal?.error).toBe('insufficient_storage');
      expect(refusal?.message).toMatch(/Disk nearly full: \d+ MB free .*WAYBILL_MIN_FREE_DISK_MB/);

      // Grow the volume: the same process takes the refused events now, and knows the others.
      execFileSync('mount', ['-o', `remount,size=${DISK_MB + 128}m`, mounted]);
      for (const key of refused) {
        const again = await post(api.baseUrl, api.apiKey, key, bodies.get(key)!);
        expect(again.status, key).toBe(202);
        answers.set(key, again);
      }
      for (const key of accepted.slice(0, 20)) {
        const again = await post(api.baseUrl, api.apiKey, key, bodies.get(key)!);
        expect(again).toEqual({ status: 200, body: { eventId: answers.get(key)!.body?.eventId } });
      }
      const all = [...accepted, ...refused];

      // A restart on the same directory finds an intact store and processes everything.
      await stop(platform);
      platform = startPlatform();
      const restarted = await platform.ready;
      for (let i = 0; i < 300; i++) {
        const health = (await (await fetch(`${restarted.baseUrl}/healthz`)).json()) as {
          queue?: { pendingEvents: number; pendingMessages: number };
        };
        if (health.queue?.pendingEvents === 0 && health.queue.pendingMessages === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await stop(platform);

      const connection = await connect({ dataDir });
      try {
        const events = await connection.db
          .selectFrom('events')
          .select(['id', 'idempotency_key', 'status'])
          .execute();
        expect(events).toHaveLength(all.length);
        expect(new Set(events.map((e) => e.idempotency_key))).toEqual(new Set(all));
        for (const event of events)
          expect(event.id).toBe(answers.get(event.idempotency_key)?.body?.eventId);
        expect(events.filter((e) => e.status !== 'routed')).toEqual([]);
        const instances = await sql<{ n: number; keys: number }>`
          select count(*)::int as n, count(distinct correlation_key)::int as keys
          from instances where status = 'completed' and outcome = 'received'`.execute(
          connection.db,
        );
        expect(instances.rows[0]).toEqual({ n: all.length, keys: all.length });
      } finally {
        await connection.close();
      }
    }, 120_000);
  },
);

describe('the free-space guard of the embedded database (simulated free space)', () => {
  let dir: string;
  let pglite: PGlite;
  let free = 500 * MB;
  let db: Kysely<Database>;
  let app: Awaited<ReturnType<typeof createHttpApp>>;
  let baseUrl: string;
  const apiKey = 'wb_test_' + randomBytes(8).toString('hex');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'waybill-guard-'));
    pglite = await PGlite.create(dir);
    const guarded = guardDiskSpace(pglite, { dir, minFreeBytes: 64 * MB, freeBytes: () => free });
    db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: guarded }) });
    await migrateToLatest(db);
    await registerApiKey(db, { key: apiKey, name: 'test' });
    app = await createHttpApp({
      connection: {
        db,
        kind: 'pglite',
        dataDir: dir,
        listen: () => Promise.resolve(() => Promise.resolve()),
        notify: () => Promise.resolve(),
        close: () => db.destroy(),
      },
      logger: silentLogger,
      version: 'test',
    });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses writes with 507 below the reserve, keeps reads, and resumes when space is back', async () => {
    const first = await post(baseUrl, apiKey, 'k-1', orderEvent('SO-1'));
    expect(first.status).toBe(202);

    free = 10 * MB;
    const refused = await post(baseUrl, apiKey, 'k-2', orderEvent('SO-2'));
    expect(refused.status).toBe(507);
    expect(refused.body?.message).toMatch(/Disk nearly full: 10 MB free .* less than 64 MB/);
    // In a batch, the refused event's entry names the disk too.
    const batch = await fetch(`${baseUrl}/api/v1/events/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        events: [{ idempotencyKey: 'k-3', ...(JSON.parse(orderEvent('SO-3')) as object) }],
      }),
    });
    const batchBody = (await batch.json()) as { results: { status: number; message: string }[] };
    expect(batchBody.results).toEqual([
      expect.objectContaining({ status: 507, message: expect.stringMatching(/Disk nearly full/) }),
    ]);
    await expect(
      db.updateTable('events').set({ status: 'pending' }).where('id', 'is', null).execute(),
    ).rejects.toSatisfy(isStorageFullError);
    // Reads go on (the API's lists, health).
    const count = await sql<{ n: number }>`select count(*)::int as n from events`.execute(db);
    expect(count.rows[0]?.n).toBe(1);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);

    free = 500 * MB;
    expect((await post(baseUrl, apiKey, 'k-2', orderEvent('SO-2'))).status).toBe(202);
    const stored = await db.selectFrom('events').select('idempotency_key').execute();
    expect(stored.map((e) => e.idempotency_key).sort()).toEqual(['k-1', 'k-2']);
  });
});
