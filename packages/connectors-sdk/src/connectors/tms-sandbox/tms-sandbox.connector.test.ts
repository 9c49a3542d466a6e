import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activateTrigger } from '../../activate-trigger.ts';
import { invokeOperation } from '../../invoke-operation.ts';
import { startTmsSimulator, TMS_SIMULATOR_API_KEY } from '../../simulators/tms-simulator.ts';
import type { TmsSimulator } from '../../simulators/tms-simulator.ts';
import { createMemoryEventSink } from '../../testing/memory-event-sink.ts';
import { startWebhookServer } from '../../webhook-server.ts';
import type { WebhookServer } from '../../webhook-server.ts';
import { tmsSandboxConnector } from './tms-sandbox.connector.ts';

let tms: TmsSimulator;
let webhooks: WebhookServer;
beforeAll(async () => {
  tms = await startTmsSimulator();
  webhooks = await startWebhookServer();
});
afterAll(async () => {
  await webhooks.close();
  await tms.close();
});

const config = () => ({
  baseUrl: tms.url,
  apiKey: TMS_SIMULATOR_API_KEY,
  webhookSecret: 'whsec-tms-test',
  pollIntervalMs: 100,
});
const ref = { shipmentRef: 'SH-1', orderRef: 'SO-1', scac: 'ODFL', proNumber: 'PRO-1' };

describe('tms-sandbox', () => {
  test('freight, delivery status and POD arrive as canonical events by webhook and by polling alike', async () => {
    const pushed = createMemoryEventSink();
    const polled = createMemoryEventSink();
    const webhook = await activateTrigger(tmsSandboxConnector, 'webhook', {
      config: config(),
      sink: pushed,
      webhookHost: webhooks,
    });
    const feed = await activateTrigger(tmsSandboxConnector, 'feed', {
      config: config(),
      sink: polled,
    });

    tms.rateFreight({
      ...ref,
      currency: 'USD',
      totalCharge: 150,
      ratedAt: '2026-11-23T16:00:00Z',
      charges: [
        { code: 'LH', amount: 131.6 },
        { code: 'FSC', amount: 18.4, desc: 'Fuel 14%' },
      ],
    });
    tms.reportStatus({ ...ref, statusCode: 'D1', at: '2026-11-24T08:55:00Z', city: 'Dallas, TX' });
    const pod = tms.publishPod({
      documentId: 'POD-1',
      shipmentRef: 'SH-1',
      orderRef: 'SO-1',
      scac: 'ODFL',
      signedBy: 'J. Doe',
      deliveredAt: '2026-11-24T08:55:00Z',
    });
    await tms.idle();
    await polled.waitFor((events) => events.length === 3);
    await webhook.deactivate();
    await feed.deactivate();

    expect(pushed.events).toEqual(polled.events);
    expect(pushed.events.map((e) => [e.type, e.correlationKey])).toEqual([
      ['freight.rated', 'SO-1'],
      ['delivery.updated', 'SO-1'],
      ['pod.received', 'SO-1'],
    ]);
    expect(pushed.events[0]?.payload).toMatchObject({
      shipmentId: 'SH-1',
      carrier: 'ODFL',
      amount: 150,
      components: [
        { type: 'linehaul', amount: 131.6 },
        { type: 'fuel', amount: 18.4 },
      ],
    });
    expect(pushed.events[1]?.payload).toMatchObject({
      status: 'delivered',
      location: 'Dallas, TX',
    });
    expect(pushed.events[2]?.payload).toMatchObject({
      documentId: 'POD-1',
      signedBy: 'J. Doe',
      documentUrl: pod.imageUrl,
    });

    // The POD image is a real download.
    const image = await fetch(pod.imageUrl ?? '', {
      headers: { authorization: `Bearer ${TMS_SIMULATOR_API_KEY}` },
    });
    expect(image.headers.get('content-type')).toBe('image/png');
  });

  test('malformed carrier events are skipped by the poller and the feed keeps moving', async () => {
    const faulty = await startTmsSimulator({ faults: { seed: 2, malformedRate: 0.5 } });
    const sink = createMemoryEventSink();
    const feed = await activateTrigger(tmsSandboxConnector, 'feed', {
      config: { ...config(), baseUrl: faulty.url },
      sink,
    });
    for (let n = 1; n <= 10; n += 1)
      faulty.reportStatus({
        ...ref,
        orderRef: `SO-${n}`,
        statusCode: 'IT',
        at: '2026-11-23T20:00:00Z',
      });
    const malformed = faulty.faults.stats().malformed;
    expect(malformed).toBeGreaterThan(0);
    await sink.waitFor((events) => events.length === 10 - malformed);
    await feed.deactivate();
    await faulty.close();
  });

  test('getFreightCharge and getProofOfDelivery', async () => {
    const options = { config: config(), idempotencyKey: 'k', correlationId: 'SO-1' };
    const charge = await invokeOperation(tmsSandboxConnector, 'getFreightCharge', {
      ...options,
      input: { shipmentId: 'SH-1' },
    });
    expect(charge).toMatchObject({ amount: 150, currency: 'USD', proNumber: 'PRO-1' });
    const pod = await invokeOperation(tmsSandboxConnector, 'getProofOfDelivery', {
      ...options,
      input: { documentId: 'POD-1' },
    });
    expect(pod).toMatchObject({
      documentId: 'POD-1',
      orderNumber: 'SO-1',
      contentType: 'image/png',
    });
  });
});
