/**
 * One worker process against `DATABASE_URL`, calling the ERP sandbox connector at `ERP_URL`.
 * Used by the crash-safety test and the benchmark (which kill and restart it); production
 * deployments run `pnpm waybill worker`.
 *
 * ```sh
 * DATABASE_URL=postgres://… ERP_URL=http://127.0.0.1:4010 node packages/runtime/src/engine/worker.main.ts
 * ```
 *
 * Env: `WAYBILL_EFFECT_LEASE_MS`, `WAYBILL_EFFECT_LEASE_GRACE_MS` (how soon a call left behind
 * by a dead worker is retried), `WAYBILL_POLL_MS`. Stops gracefully on SIGTERM/SIGINT.
 * @module
 */
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { ERP_SIMULATOR_API_KEY } from '@waybill/connectors-sdk/simulators';
import { connect, type Connection } from '../db/connect.ts';
import { createLogger } from '../log.ts';
import { Worker } from './worker.ts';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write('worker: DATABASE_URL is required\n');
  process.exit(2);
}
const numberEnv = (name: string): number | undefined => {
  const value = process.env[name];
  return value === undefined || value === '' ? undefined : Number(value);
};

/** The database may be starting or restarting: keep trying, as the worker loop does later. */
async function connectWithRetry(url: string): Promise<Connection> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect({ databaseUrl: url, poolSize: 4 });
    } catch (error) {
      process.stderr.write(
        `worker: database not reachable (attempt ${attempt}): ${String(error)}\n`,
      );
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** attempt)));
    }
  }
}

const connection = await connectWithRetry(databaseUrl);
const worker = new Worker({
  connection,
  connectors: {
    registry: new ConnectorRegistry([erpSandboxConnector]),
    configs: {
      'waybill.erp-sandbox': {
        baseUrl: process.env.ERP_URL ?? 'http://127.0.0.1:4010',
        apiKey: process.env.ERP_API_KEY ?? ERP_SIMULATOR_API_KEY,
      },
    },
  },
  logger: createLogger({
    level: process.env.WAYBILL_LOG_LEVEL === undefined ? 'error' : undefined,
  }),
  pollIntervalMs: numberEnv('WAYBILL_POLL_MS') ?? 200,
  effectLeaseMs: numberEnv('WAYBILL_EFFECT_LEASE_MS'),
  effectLeaseGraceMs: numberEnv('WAYBILL_EFFECT_LEASE_GRACE_MS'),
});
worker.start();
process.stdout.write('worker ready\n');

const stop = (): void => {
  worker
    .stop()
    .then(() => connection.close())
    .then(() => {
      process.stdout.write(`rss ${process.resourceUsage().maxRSS}\n`);
    })
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
