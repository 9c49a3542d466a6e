/**
 * Group commit of ingestion: concurrent events share transactions, idempotency keys keep their
 * meaning inside and across batches, an event the database refuses fails alone, and nothing is
 * acknowledged before it is durable (a sender killed mid-stream loses no acknowledged event).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IngestClosedError,
  IngestCommitter,
  ingestEvents,
  type IncomingEvent,
} from '../src/engine/ingest.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.drop());

function shipment(orderNumber: string, extra: Record<string, unknown> = {}): IncomingEvent {
  return {
    type: 'shipment.confirmed',
    correlationKey: orderNumber,
    payload: { shipmentId: `SH-${orderNumber}`, ...extra },
  };
}

async function storedKeys(prefix: string): Promise<string[]> {
  const rows = await testDb.db
    .selectFrom('events')
    .select('idempotency_key')
    .where('idempotency_key', 'like', `${prefix}%`)
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.idempotency_key);
}

describe('IngestCommitter', () => {
  it('writes concurrent events with shared commits, each acknowledged with its own id', async () => {
    const commits: number[] = [];
    const committer = new IngestCommitter(testDb.db, { onCommit: (n) => commits.push(n) });
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        committer.submit(shipment(`SO-C${i}`), { idempotencyKey: `conc-${i}` }),
      ),
    );
    await committer.close();
    expect(results.every((r) => r.outcome === 'accepted')).toBe(true);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(60);
    expect(commits.reduce((a, b) => a + b, 0)).toBe(60);
    expect(commits.length).toBeLessThan(60);
    // Arrival order becomes routing (seq) order.
    expect(await storedKeys('conc-')).toEqual(Array.from({ length: 60 }, (_, i) => `conc-${i}`));
  });

  it('stores a key repeated inside one batch once: a repeat is a duplicate, another body a conflict', async () => {
    const [first, repeat, changed, other] = await ingestEvents(testDb.db, [
      { event: shipment('SO-D1'), idempotencyKey: 'dup-1' },
      { event: shipment('SO-D1'), idempotencyKey: 'dup-1' },
      { event: shipment('SO-D1', { note: 'changed' }), idempotencyKey: 'dup-1' },
      { event: shipment('SO-D2'), idempotencyKey: 'dup-2' },
    ]);
    expect(first).toMatchObject({ outcome: 'accepted' });
    expect(repeat).toEqual({ outcome: 'duplicate', eventId: first!.eventId });
    expect(changed).toEqual({ outcome: 'conflict', eventId: first!.eventId });
    expect(other).toMatchObject({ outcome: 'accepted' });
    expect(await storedKeys('dup-')).toEqual(['dup-1', 'dup-2']);
  });

  it('answers keys stored by an earlier batch as duplicates or conflicts', async () => {
    const committer = new IngestCommitter(testDb.db);
    const accepted = await committer.submit(shipment('SO-E1'), { idempotencyKey: 'again-1' });
    const [repeat, changed, fresh] = await Promise.all([
      committer.submit(shipment('SO-E1'), { idempotencyKey: 'again-1' }),
      committer.submit(shipment('SO-E1', { note: 'x' }), { idempotencyKey: 'again-1' }),
      committer.submit(shipment('SO-E2'), { idempotencyKey: 'again-2' }),
    ]);
    await committer.close();
    expect(accepted.outcome).toBe('accepted');
    expect(repeat).toEqual({ outcome: 'duplicate', eventId: accepted.eventId });
    expect(changed).toEqual({ outcome: 'conflict', eventId: accepted.eventId });
    expect(fresh.outcome).toBe('accepted');
    expect(await storedKeys('again-')).toEqual(['again-1', 'again-2']);
  });

  it('fails only the event the database refuses, not the others of its batch', async () => {
    const committer = new IngestCommitter(testDb.db);
    // jsonb cannot hold the NUL character: Postgres refuses this payload.
    const bad = shipment('SO-F2', { note: 'nul \u0000 here' });
    const settled = await Promise.allSettled([
      committer.submit(shipment('SO-F1'), { idempotencyKey: 'mixed-1' }),
      committer.submit(bad, { idempotencyKey: 'mixed-2' }),
      committer.submit(shipment('SO-F3'), { idempotencyKey: 'mixed-3' }),
    ]);
    await committer.close();
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await storedKeys('mixed-')).toEqual(['mixed-1', 'mixed-3']);
  });

  it('commits what is queued on close and refuses events after it', async () => {
    const committer = new IngestCommitter(testDb.db, { windowMs: 20 });
    const pending = committer.submit(shipment('SO-G1'), { idempotencyKey: 'close-1' });
    await committer.close();
    expect((await pending).outcome).toBe('accepted');
    await expect(
      committer.submit(shipment('SO-G2'), { idempotencyKey: 'close-2' }),
    ).rejects.toBeInstanceOf(IngestClosedError);
    expect(await storedKeys('close-')).toEqual(['close-1']);
  });

  // A killed sender must be another process sharing the database: Postgres only.
  it.skipIf(!process.env.DATABASE_URL)(
    'loses no acknowledged event when the process is killed mid-stream; a retry is accepted once',
    async () => {
      const count = 3000;
      const script = fileURLToPath(new URL('./fixtures/ingest-sender.ts', import.meta.url));
      const child = spawn(process.execPath, [script], {
        env: { ...process.env, DATABASE_URL: testDb.url, COUNT: String(count) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const acknowledged: string[] = [];
      let buffer = '';
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          acknowledged.push(...lines);
          if (acknowledged.length >= count / 3) resolve();
        });
      });
      child.kill('SIGKILL');
      await exited;
      acknowledged.push(...buffer.split('\n').filter(Boolean));
      expect(acknowledged.length).toBeLessThan(count);

      const stored = new Set(await storedKeys('crash-'));
      expect(acknowledged.filter((key) => !stored.has(key))).toEqual([]);

      // The senders retry everything: what was stored is a duplicate, the rest is accepted once.
      const committer = new IngestCommitter(testDb.db);
      const results = await Promise.all(
        Array.from({ length: count }, (_, n) =>
          committer.submit(
            { type: 'shipment.confirmed', correlationKey: `SO-${n}`, payload: { n } },
            { idempotencyKey: `crash-${n}` },
          ),
        ),
      );
      await committer.close();
      const accepted = results.filter((r) => r.outcome === 'accepted').length;
      expect(accepted).toBe(count - stored.size);
      expect(results.filter((r) => r.outcome === 'duplicate').length).toBe(stored.size);
      expect((await storedKeys('crash-')).length).toBe(count);
    },
  );
});
