/**
 * The demo month: a realistic, repeatable plan of a distributor's month, sent through the real
 * ingestion and moved by a real worker against the ERP simulator — every invoice posted once
 * despite retries and duplicate confirmations — and the demo traffic of `waybill start --demo`
 * drawing its orders from the same plan.
 */
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from '@waybill/connectors-sdk/simulators';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDemoTraffic } from '../demo-traffic.ts';
import { deployFlow } from '../engine/flows.ts';
import { Worker } from '../engine/worker.ts';
import { silentLogger } from '../log.ts';
import { loadTemplate } from '../templates.ts';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import { demoWarehouses, exceptionMix, monthCustomers, planMonth } from './month-plan.ts';
import { ingestMonth, processMonth } from './month-run.ts';

describe('planMonth', () => {
  const orders = [...planMonth({ invoices: 5000, seed: 3 })];

  test('the same seed plans the same month', () => {
    const again = [...planMonth({ invoices: 5000, seed: 3 })];
    expect(again).toEqual(orders);
    expect([...planMonth({ invoices: 5000, seed: 4 })]).not.toEqual(orders);
  });

  test('six warehouses, many customers, and the exception mix of the domain', () => {
    expect(new Set(orders.map((o) => o.warehouse))).toEqual(new Set(demoWarehouses));
    expect(new Set(orders.map((o) => o.customerId)).size).toBeGreaterThan(60);
    for (const [category, share] of Object.entries(exceptionMix)) {
      const seen = orders.filter((o) => o.exception === category).length / orders.length;
      expect(Math.abs(seen - share)).toBeLessThan(0.012);
    }
    const touchless = orders.filter((o) => o.exception === null).length / orders.length;
    expect(touchless).toBeGreaterThan(0.7);
  });

  test('integrations misbehave: retries keep their key, resent confirmations get a new one, some are out of order', () => {
    const events = orders.flatMap((o) => o.events);
    const retries = events.filter((e) => e.noise === 'retry');
    expect(retries.length).toBeGreaterThan(50);
    for (const retry of retries.slice(0, 20)) {
      const original = events.find((e) => e !== retry && e.idempotencyKey === retry.idempotencyKey);
      expect(original?.payload).toEqual(retry.payload);
    }
    const resent = events.filter((e) => e.noise === 'resent');
    expect(resent.length).toBeGreaterThan(20);
    expect(resent.every((e) => e.type === 'shipment.confirmed')).toBe(true);
    const outOfOrder = orders.filter((o) => o.events[0]?.type === 'shipment.confirmed');
    expect(outOfOrder.length).toBeGreaterThan(orders.length * 0.05);
  });

  test('proof of delivery comes only for customers that require it, and not when it is missing', () => {
    for (const order of orders.slice(0, 500)) {
      const pod = order.events.some((e) => e.type === 'pod.received');
      expect(pod).toBe(order.podRequired && order.exception !== 'missingPod');
    }
  });
});

describe('a month slice through ingestion and a worker', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  test('every touchless order is invoiced exactly once; deadlines raise tasks', async () => {
    const seed = 5;
    const registry = new ConnectorRegistry([erpSandboxConnector]);
    await deployFlow(t.db, loadTemplate('billing-readiness').definition, {
      publishedBy: 'test',
      catalogue: registry.catalogue(),
    });
    const summary = await ingestMonth(t.db, { invoices: 120, seed, days: 30 });
    expect(summary.orders).toBe(120);
    expect(summary.events.repeats).toBe(summary.events.byNoise.retry);
    expect(summary.events.accepted + summary.events.repeats).toBe(summary.events.sent);

    const erp = await startErpSimulator({
      customers: monthCustomers(seed).map((c) => ({
        customerId: c.customerId,
        podRequired: c.podRequired,
        invoiceMode: 'per-shipment' as const,
        paymentTermsDays: 30,
        ediInvoiceRequired: false,
      })),
    });
    const worker = new Worker({
      connection: t.connection,
      connectors: {
        registry,
        configs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
      },
    });
    try {
      const processing = await processMonth(t.db, worker, {
        fireTimersUntil: new Date(Date.now() + 30 * 86_400_000),
      });
      const posted = erp.invoices().map((i) => i.request.orderNumber);
      expect(new Set(posted).size).toBe(posted.length);
      expect(processing.instances.invoiced).toBe(posted.length);
      // Orders with no exception (and their events all in the past) bill without a person.
      const plan = [...planMonth({ invoices: 120, seed, days: 30 })];
      const touchless = plan.filter(
        (o) =>
          o.exception === null && o.events.every((e) => e.occurredAt <= new Date().toISOString()),
      );
      for (const order of touchless) expect(posted).toContain(order.orderNumber);
      // Priced above tolerance or still without POD: a person is asked once the deadline passed.
      expect(processing.openTasks).toBeGreaterThan(0);
    } finally {
      await worker.stop();
      await erp.close();
    }
  });
});

describe('demo traffic', () => {
  test('posts the events of orders planned by the month generator', async () => {
    // A receiver standing in for the events API: the subject here is what the traffic sends.
    const received: { type: string; payload: Record<string, unknown> }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"eventId":"x"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const values = [0.42, 0.13, 0.77, 0.05, 0.61, 0.29, 0.93, 0.38];
    let i = 0;
    const traffic = startDemoTraffic({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: 'wb_demo',
      logger: silentLogger,
      intervalMs: 1,
      random: () => values[i++ % values.length] ?? 0.5,
    });
    try {
      await expect
        .poll(() => received.map((e) => e.type), { timeout: 10_000 })
        .toEqual(expect.arrayContaining(['order.released', 'shipment.confirmed', 'freight.rated']));
      const released = received.find((e) => e.type === 'order.released');
      expect(released?.payload).toMatchObject({
        customerId: expect.stringMatching(/^C-[1-4]00$/) as unknown,
        currency: 'USD',
        warehouse: expect.stringMatching(/^[A-Z]{2,3}-\d$/) as unknown,
      });
    } finally {
      traffic.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
