import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { z } from 'zod';
import { activateTrigger } from './activate-trigger.ts';
import { defineConnector } from './define-connector.ts';
import { createMemoryEventSink } from './testing/memory-event-sink.ts';

// A 3PL that drops one JSON file of POD notices per delivery run.
const podFiles = defineConnector({
  id: 'test.pod-files',
  version: 1,
  kind: 'tms',
  displayName: 'POD files',
  description: 'POD notices dropped as JSON files.',
  config: z.object({ inbound: z.string().min(1) }),
  operations: ({ defineOperation }) => ({
    ping: defineOperation({
      displayName: 'Ping',
      description: 'Does nothing.',
      input: z.object({}),
      output: z.object({}),
      idempotent: true,
      defaultTimeoutMs: 1_000,
      run: () => Promise.resolve({}),
    }),
  }),
  triggers: ({ defineFileDropTrigger }) => ({
    inbound: defineFileDropTrigger({
      displayName: 'Inbound folder',
      description: 'One JSON array of POD notices per file.',
      events: ['pod.received'],
      folder: (config) => config.inbound,
      intervalMs: 50,
      pattern: /\.json$/,
      toEvents: (file) =>
        z
          .array(z.object({ order: z.string(), document: z.string(), at: z.string() }))
          .parse(JSON.parse(file.text))
          .map((notice, index) => ({
            type: 'pod.received' as const,
            correlationKey: notice.order,
            idempotencyKey: `pod-file:${file.sha256}:${index}`,
            payload: { documentId: notice.document, receivedAt: notice.at },
          })),
    }),
  }),
});

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'waybill-pod-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

test('files become events; a file with a bad payload goes to failed/ and publishes nothing', async () => {
  const sink = createMemoryEventSink();
  const running = await activateTrigger(podFiles, 'inbound', { config: { inbound: folder }, sink });
  await writeFile(
    join(folder, 'run-1.json'),
    JSON.stringify([
      { order: 'SO-1', document: 'POD-1', at: '2026-11-24T09:30:00Z' },
      { order: 'SO-2', document: 'POD-2', at: '2026-11-24T10:00:00Z' },
    ]),
  );
  await sink.waitFor((events) => events.length === 2);
  // A date the canonical schema refuses: the file fails whole, nothing of it is published.
  await writeFile(
    join(folder, 'run-2.json'),
    JSON.stringify([
      { order: 'SO-3', document: 'POD-3', at: '2026-11-24T11:00:00Z' },
      { order: 'SO-4', document: 'POD-4', at: 'tomorrow' },
    ]),
  );
  const failedFolder = join(folder, 'failed');
  await expect
    .poll(async () => (await readdir(failedFolder).catch(() => [])).sort(), { timeout: 5_000 })
    .toEqual(['run-2.json', 'run-2.json.error.json']);
  await running.deactivate();

  expect(sink.events.map((e) => [e.correlationKey, e.payload])).toEqual([
    ['SO-1', { documentId: 'POD-1', receivedAt: '2026-11-24T09:30:00Z' }],
    ['SO-2', { documentId: 'POD-2', receivedAt: '2026-11-24T10:00:00Z' }],
  ]);
  expect(await readdir(join(folder, 'processed'))).toEqual(['run-1.json']);
  const report = JSON.parse(await readFile(join(failedFolder, 'run-2.json.error.json'), 'utf8'));
  expect(report.error).toMatchObject({ code: 'VALIDATION', details: { eventIndex: 1 } });
});
