/**
 * `waybill demo month`: runs a distributor's month through the real ingestion, a worker and the
 * ERP simulator, so the dashboards and the inbox look like a real operation.
 * @module
 */
import { parseArgs } from 'node:util';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from '@waybill/connectors-sdk/simulators';
import type { Connection } from '../db/connect.ts';
import { deployFlow } from '../engine/flows.ts';
import { Worker } from '../engine/worker.ts';
import { silentLogger } from '../log.ts';
import { loadTemplate } from '../templates.ts';
import { monthCustomers } from './month-plan.ts';
import { formatMonthSummary, ingestMonth, processMonth, type MonthProgress } from './month-run.ts';

export const demoUsage = `Usage: waybill demo month [--invoices 40000] [--seed 1] [--days 30] [--no-process] [--json]

  Plans a distributor's month (six warehouses, 120 customers, the exception mix of the billing
  domain, middleware retries, duplicate and out-of-order confirmations, late freight), sends its
  events through the ingestion in the order they happened, deploys billing-readiness if it is not,
  and lets a worker move every instance against an ERP simulator. --no-process only ingests (the
  platform's worker picks the events up).`;

/** Thrown for a bad subcommand or option; the message says which. */
export class DemoUsageError extends Error {
  override readonly name = 'DemoUsageError';
}

export interface DemoCommandIo {
  out(line: string): void;
  err(line: string): void;
  connection(): Promise<Connection>;
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new DemoUsageError(`--${name} ${value}: expected a positive whole number`);
  return parsed;
}

/** Prints progress at most every `everyMs`, and always at the end of a phase. */
function throttled(io: DemoCommandIo, everyMs = 2000): (p: MonthProgress) => void {
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.done < p.total && now - last < everyMs) return;
    last = now;
    const what = p.phase === 'ingest' ? 'ingested' : 'routed';
    io.err(
      `  ${what} ${p.done.toLocaleString('en-US')} / ${p.total.toLocaleString('en-US')} events ` +
        `(${((p.done / Math.max(1, p.total)) * 100).toFixed(0)}%, ${p.perSecond.toFixed(0)}/s)`,
    );
  };
}

/**
 * Runs `waybill demo <args>`.
 *
 * ```ts
 * await runDemoCommand(['month', '--invoices', '500'], { out, err, connection: async () => connection });
 * ```
 */
export async function runDemoCommand(args: string[], io: DemoCommandIo): Promise<void> {
  const [sub, ...rest] = args;
  if (sub !== 'month')
    throw new DemoUsageError(`Unknown demo command ${sub ?? ''}.\n\n${demoUsage}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      invoices: { type: 'string' },
      seed: { type: 'string' },
      days: { type: 'string' },
      'no-process': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const invoices = positiveInteger(values.invoices, 'invoices', 40_000);
  const seed = positiveInteger(values.seed, 'seed', 1);
  const days = positiveInteger(values.days, 'days', 30);
  const connection = await io.connection();
  const registry = new ConnectorRegistry([erpSandboxConnector]);
  const { key, version } = await deployFlow(
    connection.db,
    loadTemplate('billing-readiness').definition,
    {
      publishedBy: 'demo',
      note: 'Deployed by waybill demo month',
      catalogue: registry.catalogue(),
    },
  );
  io.err(`billing-readiness deployed (${key} v${version})`);
  io.err(
    `planning ${invoices.toLocaleString('en-US')} orders over ${days} days (seed ${seed}); ingesting…`,
  );
  const started = Date.now();
  const summary = await ingestMonth(connection.db, {
    invoices,
    seed,
    days,
    onProgress: throttled(io),
  });
  if (!values['no-process']) {
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
      connection,
      connectors: {
        registry,
        configs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
      },
      logger: silentLogger,
    });
    io.err('processing with a worker against the ERP simulator…');
    try {
      summary.processing = await processMonth(connection.db, worker, {
        onProgress: throttled(io),
        fireTimersUntil: new Date(Date.now() + days * 24 * 3_600_000),
      });
    } finally {
      await worker.stop();
      await erp.close();
    }
  }
  const totalSeconds = (Date.now() - started) / 1000;
  if (values.json) {
    io.out(JSON.stringify({ ...summary, totalSeconds }));
    return;
  }
  io.out(formatMonthSummary(summary));
  io.out(`total               ${totalSeconds.toFixed(1)} s`);
}
