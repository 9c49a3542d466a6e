/**
 * The health endpoint of a worker process (`waybill worker --health-port N`): `GET /healthz` for
 * orchestrators (200 while the worker runs and its database answers, 503 while it shuts down or
 * the database is unreachable) and `GET /metrics` with the process's own metrics (the engine's
 * counters of this worker, memory).
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { Connection } from '../db/connect.ts';
import { engineMetrics } from '../engine/metrics.ts';
import { MetricsRegistry, PROMETHEUS_CONTENT_TYPE } from './metrics.ts';

/** A running health server. */
export interface WorkerHealthServer {
  port: number;
  /** From now on `/healthz` answers 503 `stopping` (load balancers and orchestrators stop routing). */
  markStopping(): void;
  close(): Promise<void>;
}

/**
 * Adds process metrics (resident memory, heap, uptime) to a registry.
 *
 * ```ts
 * addProcessCollectors(registry);
 * ```
 */
export function addProcessCollectors(registry: MetricsRegistry): void {
  const rss = registry.gauge('process_resident_memory_bytes', 'Resident memory size in bytes.');
  const heap = registry.gauge('nodejs_heap_used_bytes', 'V8 heap in use, in bytes.');
  const uptime = registry.gauge('process_uptime_seconds', 'Seconds since the process started.');
  registry.addCollector(() => {
    const memory = process.memoryUsage();
    rss.set({}, memory.rss);
    heap.set({}, memory.heapUsed);
    uptime.set({}, process.uptime());
    return Promise.resolve();
  });
}

/**
 * Starts the health server of a worker process.
 *
 * ```ts
 * const health = await startWorkerHealthServer({ connection, port: 9091, version });
 * process.on('SIGTERM', () => { health.markStopping(); … });
 * ```
 */
export async function startWorkerHealthServer(options: {
  connection: Connection;
  port: number;
  host?: string;
  version: string;
  registry?: MetricsRegistry;
}): Promise<WorkerHealthServer> {
  const registry = options.registry ?? new MetricsRegistry();
  addProcessCollectors(registry);
  registry.addExposition(() => engineMetrics.toPrometheus());
  const stoppingGauge = registry.gauge(
    'waybill_worker_stopping',
    '1 while the worker finishes its in-flight work before exiting.',
  );
  stoppingGauge.set({}, 0);
  let stopping = false;
  const base = { role: 'worker', version: options.version, pid: process.pid };

  const server: Server = createServer((request, response) => {
    const send = (status: number, body: unknown, type = 'application/json'): void => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return send(405, { error: 'method_not_allowed' });
    if (path === '/healthz') {
      if (stopping) return send(503, { status: 'stopping', ...base });
      sql`select 1`.execute(options.connection.db).then(
        () => send(200, { status: 'ok', database: options.connection.kind, ...base }),
        () => send(503, { status: 'unavailable', database: options.connection.kind, ...base }),
      );
      return;
    }
    if (path === '/metrics') {
      registry.render().then(
        (text) => send(200, text, PROMETHEUS_CONTENT_TYPE),
        () => send(500, { error: 'internal' }),
      );
      return;
    }
    send(404, { error: 'not_found', message: 'Try /healthz or /metrics.' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const address: AddressInfo | string | null = server.address();
  const port = address !== null && typeof address === 'object' ? address.port : options.port;
  return {
    port,
    markStopping() {
      stopping = true;
      stoppingGauge.set({}, 1);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
