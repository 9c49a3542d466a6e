/**
 * Inbound triggers activated by the platform: saving a connector config with triggers through
 * the tRPC API starts them (a webhook on the platform's own server, a folder watcher for EDI
 * files) and they publish canonical events into ingestion; saving without them stops them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import {
  WMS_SIMULATOR_API_KEY,
  startWmsSimulator,
  type WmsSimulator,
} from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/routers/_app.ts';
import { signInOverHttp, type HttpSession } from '../src/identity/testing.ts';
import { createUser } from '../src/identity/users.ts';
import { silentLogger } from '../src/log.ts';
import { createPlatform, type Platform } from '../src/platform.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

const WMS = 'waybill.wms-sandbox';
const EDI = 'waybill.edi-x12';
const fixtures = fileURLToPath(
  new URL('../../connectors-sdk/src/connectors/edi-x12/fixtures/', import.meta.url),
);

let testDb: TestDatabase;
let wms: WmsSimulator;
let platform: Platform;
let baseUrl: string;
/** An operator: holds `connectors:manage`. */
let session: HttpSession;
let folder: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  wms = await startWmsSimulator();
  folder = mkdtempSync(join(tmpdir(), 'waybill-edi-'));
  platform = await createPlatform({
    connection: testDb.connection,
    logger: silentLogger,
    worker: false,
    designerDir: null,
    apiKey: 'wb_triggers_test',
  });
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  await createUser(
    testDb.db,
    {
      username: 'ops',
      displayName: 'Ops',
      password: 'a long test passphrase',
      roles: ['operator'],
    },
    { actor: 'test' },
  );
  session = await signInOverHttp(baseUrl, 'ops', 'a long test passphrase');
});
afterAll(async () => {
  await platform?.close();
  await wms?.close();
  await testDb?.drop();
  rmSync(folder, { recursive: true, force: true });
});

const api = () =>
  createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${baseUrl}/trpc`, headers: () => session.headers })],
  });

/** Polls `probe` until it returns a value (not undefined/null/false); fails after 20 s. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const eventWithKey = (idempotencyKey: string) =>
  testDb.db
    .selectFrom('events')
    .selectAll()
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();

const shortShipment = {
  shipmentNo: 'SH-9001',
  orderNo: 'SO-9001',
  warehouseCode: 'DAL-1',
  shipDate: '2026-11-23T14:05:00Z',
  lines: [
    { lineNo: 1, item: 'TAPE-48MM', qtyOrdered: 40, qtyShipped: 36, shortReason: 'OOS' as const },
  ],
};

describe('webhook triggers', () => {
  it('starts when its config is saved with the trigger, and publishes what the WMS pushes', async () => {
    const view = await api().connectors.saveConfig.mutate({
      connectorId: WMS,
      values: { baseUrl: wms.url, apiKey: WMS_SIMULATOR_API_KEY, webhookSecret: 'whsec-wms-trig' },
      triggers: ['webhook'],
    });
    expect(view.triggers).toEqual(['webhook']);
    const active = await api().connectors.triggers.query();
    expect(active).toEqual([
      {
        connectorId: WMS,
        trigger: 'webhook',
        kind: 'webhook',
        url: `${baseUrl}/hooks/${WMS}.webhook`,
      },
    ]);

    wms.confirmShipment(shortShipment);
    await wms.idle();
    const [pushed] = wms.wire();
    const event = await eventWithKey(`wms:${pushed?.eventId}`);
    expect(event).toMatchObject({ type: 'shipment.confirmed', correlation_key: 'SO-9001' });
    expect(event?.payload).toMatchObject({ shipmentId: 'SH-9001', partial: true });
  });

  it('refuses a webhook call without the shared secret', async () => {
    const response = await fetch(`${baseUrl}/hooks/${WMS}.webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-webhook-secret': 'wrong' },
      body: JSON.stringify({
        eventId: 'X',
        eventType: 'SHIPMENT_CONFIRMED',
        occurredAt: '',
        data: {},
      }),
    });
    expect(response.status).toBe(401);
  });

  it('stops when its config is saved without it', async () => {
    await api().connectors.saveConfig.mutate({
      connectorId: WMS,
      values: { baseUrl: wms.url },
      triggers: [],
    });
    expect(await api().connectors.triggers.query()).toEqual([]);
    const response = await fetch(`${baseUrl}/hooks/${WMS}.webhook`, {
      method: 'POST',
      body: '{}',
    });
    expect(response.status).toBe(404);
    await expect(
      api().connectors.saveConfig.mutate({ connectorId: WMS, values: {}, triggers: ['nope'] }),
    ).rejects.toThrow(`connector config ${WMS}: no trigger nope (it has: webhook, feed)`);
  });
});

describe('activation', () => {
  it('starts a webhook trigger again, with backoff, once the system it subscribes to is up', async () => {
    const down = await startWmsSimulator();
    const port = down.port;
    await down.close();
    await api().connectors.saveConfig.mutate({
      connectorId: WMS,
      values: {
        baseUrl: `http://127.0.0.1:${port}`,
        apiKey: WMS_SIMULATOR_API_KEY,
        webhookSecret: 'whsec-wms-trig',
      },
      triggers: ['webhook'],
    });
    expect(await api().connectors.triggers.query()).toEqual([]);
    const up = await startWmsSimulator({ port });
    try {
      const active = await waitFor('the webhook trigger to start', async () => {
        const triggers = await api().connectors.triggers.query();
        return triggers.length > 0 ? triggers : undefined;
      });
      expect(active).toMatchObject([{ connectorId: WMS, trigger: 'webhook' }]);
      // The WMS came back with an empty log and numbers its events from 1 again: its first
      // event has the id (and body) of one published before, so ingestion keeps the first copy.
      up.confirmShipment(shortShipment);
      await up.idle();
      expect(up.deliveries().map((d) => d.status)).toEqual([200]);
      expect(await eventWithKey('wms:WMS-EVT-000001')).toMatchObject({
        correlation_key: 'SO-9001',
      });
    } finally {
      await api().connectors.saveConfig.mutate({
        connectorId: WMS,
        values: { baseUrl: `http://127.0.0.1:${port}` },
        triggers: [],
      });
      await up.close();
    }
  });
});

describe('file drop triggers', () => {
  it('publishes the orders of an EDI file dropped in the inbound folder and writes its 997', async () => {
    const inbound = join(folder, 'inbound');
    const outbound = join(folder, 'outbound');
    await api().connectors.saveConfig.mutate({
      connectorId: EDI,
      values: {
        interchangeId: 'WAYBILLDIST',
        inboundFolder: inbound,
        outboundFolder: outbound,
        pollIntervalMs: 100,
      },
      triggers: ['inbound'],
    });
    expect((await api().connectors.triggers.query()).map((t) => t.kind)).toEqual(['fileDrop']);

    writeFileSync(
      join(inbound, 'po-45001.edi'),
      readFileSync(join(fixtures, '850-purchase-order.edi')),
    );
    const event = await waitFor('the 850 to be published', () =>
      eventWithKey('edi:RETAILCO:000000101:101:0001'),
    );
    expect(event).toMatchObject({ type: 'order.released', correlation_key: 'PO-45001' });
    expect(event.payload).toMatchObject({ orderNumber: 'PO-45001', customerId: 'C-100' });
    await waitFor('the file to be filed as processed', () =>
      Promise.resolve(existsSync(join(inbound, 'processed', 'po-45001.edi'))),
    );
    const [ack] = readdirSync(outbound);
    expect(ack).toBe('997-000000101.edi');
    expect(readFileSync(join(outbound, ack ?? ''), 'utf8')).toContain('AK9*A*1*1*1');
  });

  it('files a broken interchange under failed/ with the segment position of the error', async () => {
    const inbound = join(folder, 'inbound');
    writeFileSync(join(inbound, 'broken.edi'), readFileSync(join(fixtures, 'broken-se-count.edi')));
    const error = await waitFor('the broken file to fail', () =>
      Promise.resolve(
        existsSync(join(inbound, 'failed', 'broken.edi.error.json')) &&
          readFileSync(join(inbound, 'failed', 'broken.edi.error.json'), 'utf8'),
      ),
    );
    expect(error).toContain('segment 22 (SE): SE01 says 21 segments, the set has 20');
  });
});
