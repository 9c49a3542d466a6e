/**
 * Crash safety of ingestion: `waybill start` dies by SIGKILL while storing a burst of events —
 * once before their COMMIT, once after it but before any client is answered. No client got a
 * 202, so each sends again with the same idempotency key once the platform is back: every event
 * is then stored once (answered 202, or 200 when the lost answer's commit had stored it) and
 * processed once (one instance, one invoice at the ERP).
 *
 * Needs real Postgres (`DATABASE_URL`): the killed platform is another process, and an embedded
 * PGlite database cannot be shared between processes.
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { startErpSimulator, type ErpSimulator } from '@waybill/connectors-sdk/simulators';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrashPoint } from '../src/engine/crash-points.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { waitThenInvoiceFlow } from './flows.ts';

const EVENTS_PER_POINT = 12;
const cliMain = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

let testDb: TestDatabase;
let erp: ErpSimulator;
let dataDir: string;
const children = new Set<ChildProcess>();

interface Platform {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the API's base URL and key once the platform is listening. */
  ready: Promise<{ baseUrl: string; apiKey: string }>;
}

/** `waybill start` on the test database, as deployments run it. */
function startPlatform(crashAt?: CrashPoint): Platform {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: testDb.url,
    WAYBILL_DATA_DIR: dataDir,
    WAYBILL_ERP_URL: erp.url,
    WAYBILL_LOG_LEVEL: 'warn',
    WAYBILL_POLL_MS: '100',
  };
  delete env.WAYBILL_CRASH_AT;
  if (crashAt) env.WAYBILL_CRASH_AT = crashAt;
  const child = spawn(process.execPath, [cliMain, 'start', '--port', '0', '--host', '127.0.0.1'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let announce: (value: { baseUrl: string; apiKey: string }) => void = () => undefined;
  const ready = new Promise<{ baseUrl: string; apiKey: string }>((resolve) => (announce = resolve));
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    const port = /API\s+http:\/\/localhost:(\d+)\/api\/v1/.exec(output)?.[1];
    const apiKey = /API key\s+(\S+)/.exec(output)?.[1];
    if (port && apiKey) announce({ baseUrl: `http://127.0.0.1:${port}`, apiKey });
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  children.add(child);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { child, output: () => output, exit, ready };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Sent {
  key: string;
  orderNumber: string;
}

/** POSTs one event; the status, or null when the connection broke without an answer. */
async function post(
  api: { baseUrl: string; apiKey: string },
  sent: Sent,
): Promise<{ status: number; eventId?: string } | null> {
  try {
    const response = await fetch(`${api.baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${api.apiKey}`,
        'idempotency-key': sent.key,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        type: 'order.released',
        correlationKey: sent.orderNumber,
        payload: {
          orderNumber: sent.orderNumber,
          customerId: 'C-100',
          currency: 'USD',
          shipmentId: `SH-${sent.orderNumber}`,
          lines: [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 }],
        },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { eventId?: string };
    return { status: response.status, ...(body.eventId ? { eventId: body.eventId } : {}) };
  } catch {
    return null;
  }
}

async function storedEvents(keys: string[]): Promise<Map<string, string[]>> {
  const rows = await testDb.db
    .selectFrom('events')
    .select(['id', 'idempotency_key'])
    .where('idempotency_key', 'in', keys)
    .execute();
  const byKey = new Map<string, string[]>();
  for (const row of rows)
    byKey.set(row.idempotency_key, [...(byKey.get(row.idempotency_key) ?? []), row.id]);
  return byKey;
}

describe.skipIf(!process.env.DATABASE_URL)(
  'crash points of ingestion (needs Postgres: set DATABASE_URL)',
  () => {
    beforeAll(async () => {
      testDb = await createTestDatabase();
      erp = await startErpSimulator();
      dataDir = mkdtempSync(join(tmpdir(), 'waybill-crash-ingest-'));
      await deployFlow(testDb.db, waitThenInvoiceFlow, {
        publishedBy: 'test',
        catalogue: new ConnectorRegistry([erpSandboxConnector]).catalogue(),
      });
    });
    afterAll(async () => {
      for (const child of children) child.kill('SIGKILL');
      await erp?.close();
      await testDb?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it.each(['ingest.before-commit', 'ingest.after-commit'] as const)(
      'a platform killed at %s: clients send again, each event is stored and processed once',
      async (point) => {
        const sent: Sent[] = Array.from({ length: EVENTS_PER_POINT }, (_, i) => ({
          key: randomUUID(),
          orderNumber: `${point}-${i}`,
        }));
        const keys = sent.map((s) => s.key);

        const crashing = startPlatform(point);
        const api = await within(crashing.ready, 20_000, 'platform start');
        const first = await Promise.all(sent.map((s) => post(api, s)));
        const died = await within(crashing.exit, 10_000, `platform crashing at ${point}`);
        expect(died.signal, crashing.output()).toBe('SIGKILL');
        expect(crashing.output()).toContain(`waybill crash point ${point} reached`);
        // Nobody was told "accepted": the process died before answering anyone.
        expect(first.filter((answer) => answer !== null)).toEqual([]);
        const stored = await storedEvents(keys);
        if (point === 'ingest.before-commit') expect(stored.size).toBe(0);
        // The commit that was not answered stored at least the first of them.
        else expect(stored.size).toBeGreaterThan(0);

        const platform = startPlatform();
        const again = await within(platform.ready, 20_000, 'platform restart');
        const retried = await Promise.all(sent.map((s) => post(again, s)));
        const after = await storedEvents(keys);
        retried.forEach((answer, i) => {
          const key = keys[i]!;
          const ids = after.get(key) ?? [];
          // Stored exactly once; answered 200 (with the stored id) when the lost answer's commit
          // had stored it, else 202.
          expect(ids, key).toHaveLength(1);
          expect(answer, key).toEqual({
            status: stored.has(key) ? 200 : 202,
            eventId: ids[0],
          });
        });

        // Each event is processed once: one instance, one invoice.
        const orderNumbers = sent.map((s) => s.orderNumber).sort();
        const deadline = Date.now() + 20_000;
        const invoiced = (): string[] =>
          erp
            .invoices()
            .map((i) => i.request.orderNumber)
            .filter((n) => n.startsWith(point))
            .sort();
        while (Date.now() < deadline) {
          const open = await sql<{ n: number }>`
            select count(*)::int as n from instances
            where correlation_key like ${point + '-%'} and status = 'running'`.execute(testDb.db);
          if (open.rows[0]?.n === 0 && invoiced().length >= orderNumbers.length) break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        platform.child.kill('SIGTERM');
        expect((await within(platform.exit, 15_000, 'platform stop')).code, platform.output()).toBe(
          0,
        );
        const instances = await testDb.db
          .selectFrom('instances')
          .select(['correlation_key', 'outcome'])
          .where('correlation_key', 'like', `${point}-%`)
          .execute();
        expect(instances.map((i) => [i.correlation_key, i.outcome]).sort()).toEqual(
          orderNumbers.map((n) => [n, 'invoiced']),
        );
        expect(invoiced()).toEqual(orderNumbers);
      },
      50_000,
    );
  },
);
