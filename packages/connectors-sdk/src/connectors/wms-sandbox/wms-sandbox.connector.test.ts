import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { activateTrigger } from '../../activate-trigger.ts';
import { invokeOperation } from '../../invoke-operation.ts';
import { startWmsSimulator, WMS_SIMULATOR_API_KEY } from '../../simulators/wms-simulator.ts';
import type { WmsShipment, WmsSimulator } from '../../simulators/wms-simulator.ts';
import { createMemoryEventSink } from '../../testing/memory-event-sink.ts';
import { startWebhookServer } from '../../webhook-server.ts';
import type { WebhookServer } from '../../webhook-server.ts';
import type { TriggerInstance } from '../../define-trigger.ts';
import { wmsSandboxConnector } from './wms-sandbox.connector.ts';

let wms: WmsSimulator;
let webhooks: WebhookServer;
let running: TriggerInstance | undefined;
beforeAll(async () => {
  webhooks = await startWebhookServer();
});
afterEach(async () => {
  await running?.deactivate();
  running = undefined;
  await wms.close();
});
afterAll(async () => {
  await webhooks.close();
});

const config = () => ({
  baseUrl: wms.url,
  apiKey: WMS_SIMULATOR_API_KEY,
  webhookSecret: 'whsec-wms-test',
  pollIntervalMs: 100,
});

const shipment = (n: number): WmsShipment => ({
  shipmentNo: `SH-${n}`,
  orderNo: `SO-${n}`,
  warehouseCode: 'DAL-1',
  shipDate: '2026-11-23T14:05:00Z',
  carrierScac: 'ODFL',
  lines: [
    { lineNo: 1, item: 'PAL-WRAP-18', qtyOrdered: 10, qtyShipped: 10 },
    { lineNo: 2, item: 'TAPE-48MM', qtyOrdered: 40, qtyShipped: 36, shortReason: 'OOS' },
  ],
});

describe('wms-sandbox', () => {
  test('webhook: a short shipment and a pick exception become canonical events', async () => {
    wms = await startWmsSimulator();
    const sink = createMemoryEventSink();
    running = await activateTrigger(wmsSandboxConnector, 'webhook', {
      config: config(),
      sink,
      webhookHost: webhooks,
    });
    wms.reportPickException({
      exceptionNo: 'PX-1',
      orderNo: 'SO-1',
      warehouseCode: 'DAL-1',
      item: 'TAPE-48MM',
      qtyRequested: 40,
      qtyPicked: 36,
      reasonCode: 'OOS',
      at: '2026-11-23T12:00:00Z',
    });
    wms.confirmShipment(shipment(1));
    await wms.idle();

    expect(sink.events.map((e) => [e.type, e.correlationKey, e.idempotencyKey])).toEqual([
      ['pick.exception', 'SO-1', 'wms:WMS-EVT-000001'],
      ['shipment.confirmed', 'SO-1', 'wms:WMS-EVT-000002'],
    ]);
    expect(sink.events[1]?.payload).toMatchObject({
      shipmentId: 'SH-1',
      orderNumber: 'SO-1',
      partial: true,
      lines: [
        { sku: 'PAL-WRAP-18', shippedQty: 10, orderedQty: 10 },
        {
          sku: 'TAPE-48MM',
          shippedQty: 36,
          orderedQty: 40,
          backorderedQty: 4,
          shortReason: 'out-of-stock',
        },
      ],
    });
    expect(wms.deliveries().map((d) => d.status)).toEqual([202, 202]);
  });

  test('webhook under faults: duplicates are absorbed, malformed events refused with 400, reordering tolerated', async () => {
    wms = await startWmsSimulator({
      faults: { seed: 11, duplicateRate: 0.3, outOfOrderRate: 0.3, malformedRate: 0.2 },
    });
    const sink = createMemoryEventSink();
    running = await activateTrigger(wmsSandboxConnector, 'webhook', {
      config: config(),
      sink,
      webhookHost: webhooks,
    });
    for (let n = 1; n <= 20; n += 1) wms.confirmShipment(shipment(n));
    wms.flush();
    await wms.idle();

    const stats = wms.faults.stats();
    expect(stats.duplicated).toBeGreaterThan(0);
    expect(stats.reordered).toBeGreaterThan(0);
    expect(stats.malformed).toBeGreaterThan(0);
    // Each well-formed shipment arrives exactly once; each malformed one is refused, never published.
    expect(sink.events).toHaveLength(20 - stats.malformed);
    expect(new Set(sink.events.map((e) => e.idempotencyKey)).size).toBe(sink.events.length);
    expect(sink.duplicates).toBeGreaterThan(0);
    const refused = wms.deliveries().filter((d) => d.status === 400);
    expect(refused.length).toBeGreaterThanOrEqual(stats.malformed);
    // Out of order: the wire order differs from emission order, and nothing was lost.
    const order = sink.events.map((e) => Number(e.correlationKey.slice(3)));
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
  });

  test('polling: the cursor resumes where it stopped, through 5xx and 429 answers', async () => {
    wms = await startWmsSimulator({
      faults: {
        seed: 5,
        serverErrorRate: 0.5,
        rateLimitRate: 0.4,
        retryAfterSeconds: 0,
        paths: ['/events'],
      },
    });
    const sink = createMemoryEventSink();
    const state = new Map<string, string>();
    const durable = {
      get: (key: string) => Promise.resolve(state.get(key)),
      set: (key: string, value: string) => Promise.resolve(void state.set(key, value)),
    };
    running = await activateTrigger(wmsSandboxConnector, 'feed', {
      config: config(),
      sink,
      state: durable,
    });
    for (let n = 1; n <= 5; n += 1) wms.confirmShipment(shipment(n));
    await sink.waitFor((events) => events.length === 5, 15_000);
    await running.deactivate();
    expect(state.get('cursor')).toBe('5');

    // Restarted with the same state: only what is new is read.
    for (let n = 6; n <= 7; n += 1) wms.confirmShipment(shipment(n));
    running = await activateTrigger(wmsSandboxConnector, 'feed', {
      config: config(),
      sink,
      state: durable,
    });
    await sink.waitFor((events) => events.length === 7, 15_000);
    expect(sink.duplicates).toBe(0);
    expect(sink.events.map((e) => e.correlationKey)).toEqual([
      'SO-1',
      'SO-2',
      'SO-3',
      'SO-4',
      'SO-5',
      'SO-6',
      'SO-7',
    ]);
    expect(wms.faults.stats().serverErrors + wms.faults.stats().rateLimited).toBeGreaterThan(0);
  });

  test('getShipment and getPickExceptions read the WMS', async () => {
    wms = await startWmsSimulator();
    wms.confirmShipment(shipment(9));
    const result = await invokeOperation(wmsSandboxConnector, 'getShipment', {
      config: config(),
      input: { shipmentId: 'SH-9' },
      idempotencyKey: 'k-1',
      correlationId: 'SO-9',
    });
    expect(result).toMatchObject({
      shipmentId: 'SH-9',
      partial: true,
      lines: [{ shippedQty: 10 }, { backorderedQty: 4 }],
    });
    await expect(
      invokeOperation(wmsSandboxConnector, 'getShipment', {
        config: config(),
        input: { shipmentId: 'SH-404' },
        idempotencyKey: 'k-2',
        correlationId: 'SO-9',
      }),
    ).rejects.toMatchObject({ code: 'PERMANENT' });
    const exceptions = await invokeOperation(wmsSandboxConnector, 'getPickExceptions', {
      config: config(),
      input: { orderNumber: 'SO-9' },
      idempotencyKey: 'k-3',
      correlationId: 'SO-9',
    });
    expect(exceptions).toEqual({ exceptions: [] });
  });
});
