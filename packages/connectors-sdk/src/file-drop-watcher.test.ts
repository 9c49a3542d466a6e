import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ConnectorError } from './connector.error.ts';
import { FileDropWatcher } from './file-drop-watcher.ts';
import type { DroppedFile } from './file-drop-watcher.ts';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'waybill-drop-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

const list = async (sub = '') =>
  (await readdir(join(folder, sub), { withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();

describe('FileDropWatcher', () => {
  test('handles each file once and files it under processed/', async () => {
    const seen: DroppedFile[] = [];
    const watcher = new FileDropWatcher({ folder, handle: (file) => void seen.push(file) });
    await writeFile(join(folder, 'b.edi'), 'ISA*B');
    await writeFile(join(folder, 'a.edi'), 'ISA*A');
    await writeFile(join(folder, '.hidden'), 'x');
    await writeFile(join(folder, 'c.edi.part'), 'still uploading');

    expect(await watcher.scanOnce()).toEqual({
      processed: ['a.edi', 'b.edi'],
      failed: [],
      retried: [],
    });
    expect(seen.map((f) => [f.name, f.text])).toEqual([
      ['a.edi', 'ISA*A'],
      ['b.edi', 'ISA*B'],
    ]);
    expect(seen[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await list('processed')).toEqual(['a.edi', 'b.edi']);
    expect(await list()).toEqual(['.hidden', 'c.edi.part']);

    // A second scan finds nothing new; a file dropped again under the same name is kept apart.
    expect((await watcher.scanOnce()).processed).toEqual([]);
    await writeFile(join(folder, 'a.edi'), 'ISA*A2');
    await watcher.scanOnce();
    expect(await list('processed')).toEqual(['a.1.edi', 'a.edi', 'b.edi']);
    expect(seen).toHaveLength(3);
  });

  test('a file the handler refuses goes to failed/ with an error file saying why', async () => {
    const watcher = new FileDropWatcher({
      folder,
      handle: (file) => {
        if (file.text.includes('BAD')) {
          throw new ConnectorError('VALIDATION', 'segment 3 (BEG): element BEG03 is required');
        }
      },
    });
    await writeFile(join(folder, 'ok.edi'), 'GOOD');
    await writeFile(join(folder, 'bad.edi'), 'BAD');
    expect(await watcher.scanOnce()).toEqual({
      processed: ['ok.edi'],
      failed: ['bad.edi'],
      retried: [],
    });
    expect(await list('failed')).toEqual(['bad.edi', 'bad.edi.error.json']);
    const report = JSON.parse(await readFile(join(folder, 'failed', 'bad.edi.error.json'), 'utf8'));
    expect(report).toMatchObject({
      file: 'bad.edi',
      error: { code: 'VALIDATION', message: 'segment 3 (BEG): element BEG03 is required' },
    });
    expect(await readFile(join(folder, 'failed', 'bad.edi'), 'utf8')).toBe('BAD');
  });

  test('a retryable failure puts the file back, and the next scan handles it', async () => {
    let sinkUp = false;
    const watcher = new FileDropWatcher({
      folder,
      handle: () => {
        if (!sinkUp) throw new ConnectorError('RETRYABLE', 'event sink unavailable');
      },
    });
    await writeFile(join(folder, 'x.edi'), 'X');
    expect((await watcher.scanOnce()).retried).toEqual(['x.edi']);
    expect(await list()).toEqual(['x.edi']);
    sinkUp = true;
    expect((await watcher.scanOnce()).processed).toEqual(['x.edi']);
    expect(await list()).toEqual([]);
  });

  test('a file left in processing/ by a crash is handled again once its claim expires', async () => {
    const handled: string[] = [];
    await new FileDropWatcher({ folder, handle: () => {} }).scanOnce(); // creates the folders
    await writeFile(join(folder, 'processing', 'interrupted.edi'), 'I');
    const handle = (f: DroppedFile) => void handled.push(f.name);
    // Still within its lease: another watcher may be working on it.
    await new FileDropWatcher({ folder, handle }).scanOnce();
    expect(handled).toEqual([]);
    // The claim is a minute old (file times are coarser than the clock: age it explicitly).
    const aMinuteAgo = new Date(Date.now() - 60_000);
    await utimes(join(folder, 'processing', 'interrupted.edi'), aMinuteAgo, aMinuteAgo);
    await new FileDropWatcher({ folder, handle, claimTimeoutMs: 30_000 }).scanOnce();
    expect(handled).toEqual(['interrupted.edi']);
    expect(await list('processed')).toEqual(['interrupted.edi']);
  });

  test('two watchers on one folder never handle the same file twice', async () => {
    const handled: string[] = [];
    const handle = (file: DroppedFile) => void handled.push(file.name);
    const names = Array.from({ length: 20 }, (_, i) => `f${String(i).padStart(2, '0')}.edi`);
    for (const name of names) await writeFile(join(folder, name), name);
    await Promise.all([
      new FileDropWatcher({ folder, handle }).scanOnce(),
      new FileDropWatcher({ folder, handle }).scanOnce(),
    ]);
    expect(handled.sort()).toEqual(names);
    expect(await list('processed')).toEqual(names);
  });
});
