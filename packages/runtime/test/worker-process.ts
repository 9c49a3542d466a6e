/**
 * The production worker process (`waybill worker`) as the crash, restart and backup tests run
 * it: against one database and the ERP simulator, polling every 100 ms, with a short effect lease
 * so a call left behind by a killed worker is retried (same idempotency key) within seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cliMain = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

export interface WorkerProcessOptions {
  databaseUrl: string;
  erpUrl: string;
  /** How long a claimed call is protected before another worker may retry it (default 1 s). */
  effectLeaseMs?: number;
  /** Extra environment (e.g. `WAYBILL_CRASH_AT`). */
  env?: Record<string, string>;
  /** Receives the process's output: JSON log lines on stdout, crashes on stderr. */
  onOutput: (text: string) => void;
}

/**
 * Starts `waybill worker`.
 *
 * ```ts
 * const child = spawnWorkerProcess({ databaseUrl, erpUrl: erp.url, onOutput: (t) => (log += t) });
 * ```
 */
export function spawnWorkerProcess(options: WorkerProcessOptions): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    WAYBILL_ERP_URL: options.erpUrl,
    WAYBILL_LOG_LEVEL: 'warn',
    WAYBILL_POOL_SIZE: '4',
    WAYBILL_POLL_MS: '100',
    WAYBILL_EFFECT_LEASE_MS: String(options.effectLeaseMs ?? 1000),
    WAYBILL_EFFECT_LEASE_GRACE_MS: '500',
    ...options.env,
  };
  if (!options.env?.WAYBILL_CRASH_AT) delete env.WAYBILL_CRASH_AT;
  const child = spawn(process.execPath, [cliMain, 'worker'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => options.onOutput(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => options.onOutput(chunk.toString()));
  return child;
}
