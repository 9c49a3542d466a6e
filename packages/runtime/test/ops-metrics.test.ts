/**
 * Operations: `GET /metrics` in the Prometheus text format after real traffic, and JSON logs in
 * which one order can be followed from the HTTP request through routing, transitions and the
 * connector call.
 */
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import {
  ERP_SIMULATOR_API_KEY,
  startErpSimulator,
  type ErpSimulator,
} from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../src/api/metrics.ts';
import { createLogger } from '../src/log.ts';
import { createPlatform, type Platform } from '../src/platform.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { invoiceFlow } from './flows.ts';

let testDb: TestDatabase;
let erp: ErpSimulator;
let platform: Platform;
let baseUrl: string;
const logs: Record<string, unknown>[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  erp = await startErpSimulator();
  platform = await createPlatform({
    connection: testDb.connection,
    logger: createLogger({
      level: 'info',
      write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    }),
    worker: false,
    designerDir: null,
    apiKey: 'wb_ops_metrics',
    registry: new ConnectorRegistry([erpSandboxConnector]),
    connectorConfigs: {
      'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY },
    },
  });
  await platform.deploy(invoiceFlow);
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await platform.close();
  await erp.close();
  await testDb.drop();
});

async function post(type: string, payload: Record<string, unknown>, requestId: string) {
  const res = await fetch(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${platform.apiKey.key}`,
      'idempotency-key': `${type}:${requestId}`,
      'x-request-id': requestId,
    },
    body: JSON.stringify({ type, correlationKey: 'SO-M1', payload }),
  });
  expect(res.status).toBe(202);
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict reader of the text exposition format: every sample belongs to a declared family. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$/;
  const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ')) continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const name = match[1]!;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    if (!types.has(name) && !(types.get(family) === 'histogram'))
      throw new Error(`sample ${name} has no # TYPE`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(labelPair)) labels[key!] = value!;
    samples.push({ name, labels, value: Number(match[3]) });
  }
  return { types, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (!found) throw new Error(`no sample ${name} ${JSON.stringify(labels)}`);
  return found.value;
}

describe('GET /metrics', () => {
  it('reports ingestion, transitions, connector calls, queues and latencies in Prometheus text', async () => {
    await post(
      'order.released',
      {
        orderNumber: 'SO-M1',
        customerId: 'C-100',
        currency: 'USD',
        lines: [{ sku: 'BOX-2020', quantity: 10, unitPrice: 2.35 }],
      },
      'req-order',
    );
    await post('shipment.confirmed', { shipmentId: 'SH-M1' }, 'req-ship');
    await post('pricing.validated', { variancePct: 0.2 }, 'req-price');
    await platform.worker.runUntilIdle();
    expect(erp.invoices()).toHaveLength(1);

    const res = await fetch(`${baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const { types, samples } = parseExposition(await res.text());

    expect(types.get('waybill_events_ingested_total')).toBe('counter');
    expect(
      value(samples, 'waybill_events_ingested_total', {
        type: 'shipment.confirmed',
        outcome: 'accepted',
      }),
    ).toBe(1);
    expect(value(samples, 'waybill_transitions_total')).toBeGreaterThanOrEqual(3);
    expect(value(samples, 'waybill_effect_attempts_total')).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'waybill_effect_failures_total')).toBe(0);
    for (const queue of ['pending_events', 'parked_events', 'inbox', 'effects', 'timers'])
      expect(value(samples, 'waybill_queue_depth', { queue })).toBe(0);
    expect(value(samples, 'waybill_tasks_open')).toBe(0);
    expect(value(samples, 'waybill_incidents', { status: 'open' })).toBe(0);
    expect(value(samples, 'waybill_instances', { status: 'completed' })).toBe(1);

    // Histograms: cumulative buckets ending in +Inf = count.
    expect(value(samples, 'waybill_transition_latency_seconds_count')).toBeGreaterThanOrEqual(3);
    for (const [family, labels] of [
      ['waybill_event_routing_latency_seconds', {}],
      ['waybill_event_ingest_duration_seconds', { outcome: 'accepted' }],
      ['waybill_http_request_duration_seconds', { method: 'POST', route: '/api/v1/events' }],
      ['waybill_effect_duration_seconds', { status: 'succeeded' }],
    ] as const) {
      expect(types.get(family)).toBe('histogram');
      const buckets = samples.filter(
        (s) =>
          s.name === `${family}_bucket` &&
          Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      );
      expect(buckets.length).toBeGreaterThan(1);
      const counts = buckets.map((b) => b.value);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(buckets.at(-1)?.labels.le).toBe('+Inf');
      expect(buckets.at(-1)?.value).toBe(value(samples, `${family}_count`, labels));
      expect(value(samples, `${family}_count`, labels)).toBe(
        family === 'waybill_effect_duration_seconds' ? 1 : 3,
      );
    }
  });

  it('escapes label values and keeps counters monotonic', async () => {
    const registry = new MetricsRegistry();
    const counter = registry.counter('t_total', 'A test counter.');
    counter.inc({ path: 'a"b\\c\nd' });
    counter.inc({ path: 'a"b\\c\nd' }, 2);
    const { samples } = parseExposition(await registry.render());
    expect(samples.find((s) => s.name === 't_total')?.value).toBe(3);
    expect(await registry.render()).toContain('t_total{path="a\\"b\\\\c\\nd"} 3');
    expect(() => registry.gauge('t_total', 'clash')).toThrow(/registered already/);
    registry.addExposition(
      () => '# HELP e_total From elsewhere.\n# TYPE e_total counter\ne_total 7',
    );
    const { samples: withEngine } = parseExposition(await registry.render());
    expect(withEngine.find((s) => s.name === 'e_total')?.value).toBe(7);
  });
});

describe('structured logs', () => {
  it('let one order be followed from the request through routing, transitions and the ERP call', () => {
    const order = logs.filter((line) => line.correlationKey === 'SO-M1');
    const messages = new Set(order.map((line) => line.msg));
    for (const msg of [
      'event accepted',
      'event routed',
      'transition',
      'effect scheduled',
      'effect succeeded',
      'instance completed',
    ])
      expect(messages, msg).toContain(msg);
    const accepted = order.find((l) => l.msg === 'event accepted' && l.requestId === 'req-ship');
    expect(accepted).toMatchObject({ eventType: 'shipment.confirmed', level: 'info' });
    // The event id ties the request to its routing.
    expect(order.some((l) => l.msg === 'event routed' && l.eventId === accepted?.eventId)).toBe(
      true,
    );
    for (const line of logs) {
      expect(line).toMatchObject({ level: expect.any(String), time: expect.any(String) });
      expect(typeof line.msg).toBe('string');
    }
  });
});
