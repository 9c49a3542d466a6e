/**
 * Scale-out operations: `waybill worker` as a separate process against the same Postgres, with a
 * health endpoint, shut down with SIGTERM while connector calls are in flight. It must finish
 * them, record their results, exit 0 and leave nothing half-done: a fresh worker then completes
 * every order, and the ERP has each invoice once. Needs real Postgres (DATABASE_URL): a worker
 * process cannot share an embedded database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import {
  ERP_SIMULATOR_API_KEY,
  startErpSimulator,
  type ErpSimulator,
} from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { listInstances } from '../src/engine/queries.ts';
import { Worker } from '../src/engine/worker.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { invoiceFlow } from './flows.ts';

const hasPostgres = Boolean(process.env.DATABASE_URL);
const ORDERS = 6;

/** A real HTTP proxy in front of the ERP simulator that holds each call for `delayMs`. */
interface SlowProxy {
  url: string;
  started: number;
  finished: number;
  close(): Promise<void>;
}

async function startSlowProxy(target: string, delayMs: number): Promise<SlowProxy> {
  const targetUrl = new URL(target);
  const state = { started: 0, finished: 0 };
  const server: Server = createServer((req, res) => {
    state.started += 1;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      setTimeout(() => {
        const upstream = httpRequest(
          {
            host: targetUrl.hostname,
            port: targetUrl.port,
            path: req.url,
            method: req.method,
            headers: req.headers,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on('end', () => {
              state.finished += 1;
            });
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get started() {
      return state.started;
    },
    get finished() {
      return state.finished;
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

let testDb: TestDatabase;
let erp: ErpSimulator;
let proxy: SlowProxy;
let child: ChildProcess | null = null;
const registry = new ConnectorRegistry([erpSandboxConnector]);

beforeAll(async () => {
  if (!hasPostgres) return;
  testDb = await createTestDatabase();
  erp = await startErpSimulator();
  proxy = await startSlowProxy(erp.url, 1500);
  await deployFlow(testDb.db, invoiceFlow, {
    publishedBy: 'test',
    catalogue: registry.catalogue(),
  });
});
afterAll(async () => {
  if (!hasPostgres) return;
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await proxy.close();
  await erp.close();
  await testDb.drop();
});

async function sendOrder(orderNumber: string): Promise<void> {
  const events: [string, Record<string, unknown>][] = [
    [
      'order.released',
      {
        orderNumber,
        customerId: 'C-100',
        currency: 'USD',
        lines: [{ sku: 'BOX-2020', quantity: 3, unitPrice: 2.35 }],
      },
    ],
    ['shipment.confirmed', { shipmentId: `SH-${orderNumber}` }],
    ['pricing.validated', { variancePct: 0 }],
  ];
  for (const [type, payload] of events) {
    await ingestEvent(
      testDb.db,
      { type, correlationKey: orderNumber, payload },
      { idempotencyKey: randomUUID() },
    );
  }
}

describe.skipIf(!hasPostgres)('waybill worker process', () => {
  it('reports health, finishes in-flight calls on SIGTERM, exits 0 and leaves nothing half-done', async () => {
    for (let i = 1; i <= ORDERS; i++) await sendOrder(`SO-W${i}`);

    const cli = resolve(import.meta.dirname, '..', 'src', 'cli.ts');
    child = spawn(
      process.execPath,
      [cli, 'worker', '--health-port', '0', '--health-host', '127.0.0.1'],
      {
        env: {
          ...process.env,
          DATABASE_URL: testDb.url,
          WAYBILL_ERP_URL: proxy.url,
          WAYBILL_ERP_API_KEY: ERP_SIMULATOR_API_KEY,
          WAYBILL_LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const logs: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    });
    const exited = new Promise<number | null>((done) => child!.on('exit', (code) => done(code)));

    const started = await vi.waitFor(
      () => {
        const line = logs.find((l) => l.msg === 'worker started');
        if (!line) throw new Error(`worker not started yet; stderr: ${stderr}`);
        return line;
      },
      { timeout: 60_000, interval: 100 },
    );
    expect(started).toMatchObject({ role: 'worker', pid: child.pid });
    const health = await fetch(`http://127.0.0.1:${String(started.healthPort)}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      database: 'postgres',
      role: 'worker',
    });
    const metrics = await (
      await fetch(`http://127.0.0.1:${String(started.healthPort)}/metrics`)
    ).text();
    expect(metrics).toContain('# TYPE waybill_transitions_total counter');
    expect(metrics).toContain('# TYPE waybill_transition_latency_seconds histogram');
    expect(metrics).toMatch(/^waybill_worker_stopping 0$/m);

    // Wait until connector calls are in flight (held by the proxy), then ask the worker to stop.
    await vi.waitFor(
      () => {
        if (proxy.started === 0) throw new Error('no ERP call yet');
      },
      { timeout: 60_000, interval: 20 },
    );
    const inFlightAtSignal = proxy.started - proxy.finished;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(inFlightAtSignal).toBeGreaterThan(0);
    expect(logs.some((l) => l.msg === 'shut down cleanly')).toBe(true);

    // Every call the worker started was answered and recorded: none is left running.
    expect(proxy.finished).toBe(proxy.started);
    const running = await testDb.db
      .selectFrom('effects')
      .select(['effect_key', 'status'])
      .where('status', '=', 'running')
      .execute();
    expect(running).toEqual([]);
    const succeeded = await testDb.db
      .selectFrom('effects')
      .select('id')
      .where('status', '=', 'succeeded')
      .execute();
    expect(succeeded.length).toBe(erp.invoices().length);
    expect(succeeded.length).toBeGreaterThan(0);

    // A fresh worker takes over the rest; every order ends invoiced, each exactly once.
    const worker = new Worker({
      connection: testDb.connection,
      connectors: {
        registry,
        configs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
      },
    });
    await worker.runUntilIdle();
    const instances = await listInstances(testDb.db, { flowKey: invoiceFlow.key, limit: 500 });
    expect(instances).toHaveLength(ORDERS);
    expect(instances.every((i) => i.status === 'completed' && i.outcome === 'invoiced')).toBe(true);
    const invoiced = erp
      .invoices()
      .map((inv) => inv.request.orderNumber)
      .sort();
    expect(invoiced).toEqual(Array.from({ length: ORDERS }, (_, i) => `SO-W${i + 1}`).sort());
  }, 180_000);
});
