/**
 * The worker: one loop that routes events, fires timers, advances instances and runs effects.
 * Stateless: run as many as you like against one Postgres; LISTEN/NOTIFY wakes them, polling
 * is the fallback.
 * @module
 */
import type { Connection } from '../db/connect.ts';
import { silentLogger, type Logger } from '../log.ts';
import { advanceInstances } from './advance.ts';
import { WORK_CHANNEL } from './channels.ts';
import { runDueEffects, type ConnectorSetup } from './effect-runner.ts';
import { MachineCache } from './machines.ts';
import { routeEvents } from './router.ts';
import { fireDueTimers } from './timers.ts';

export interface WorkerOptions {
  connection: Connection;
  connectors: ConnectorSetup;
  logger?: Logger;
  /** Poll even without notifications (default 500 ms). */
  pollIntervalMs?: number;
  /** Shared compiled machines (default: a cache of its own). */
  machines?: MachineCache;
  /** Whether this worker runs connector calls (default true). */
  runEffects?: boolean;
  /**
   * How long a claimed connector call is protected from other workers: the node's timeout (or
   * `effectLeaseMs`, default 60 s) plus `effectLeaseGraceMs` (default 30 s). A worker that dies
   * mid-call leaves its calls to be retried (same idempotency key) once the lease runs out.
   */
  effectLeaseMs?: number;
  effectLeaseGraceMs?: number;
  /** Instances claimed per transaction (default 25) and events routed per transaction (default 200). */
  advanceBatchSize?: number;
  routeBatchSize?: number;
}

/** What one round did. */
export interface RoundResult {
  routed: number;
  timersFired: number;
  advanced: number;
  effects: number;
}

function total(round: RoundResult): number {
  return round.routed + round.timersFired + round.advanced + round.effects;
}

/**
 * A runtime worker.
 *
 * ```ts
 * const worker = new Worker({ connection, connectors: { registry, configs } });
 * worker.start();
 * // … later
 * await worker.stop();
 * ```
 * In tests, instead of `start()`: `await worker.runUntilIdle()`.
 */
export class Worker {
  readonly #connection: Connection;
  readonly #connectors: ConnectorSetup;
  readonly #logger: Logger;
  readonly #pollIntervalMs: number;
  readonly #machines: MachineCache;
  readonly #runEffects: boolean;
  readonly #options: WorkerOptions;
  readonly #abort = new AbortController();
  #loop: Promise<void> | null = null;
  #running = false;
  #wake: (() => void) | null = null;
  #unlisten: (() => Promise<void>) | null = null;

  constructor(options: WorkerOptions) {
    this.#connection = options.connection;
    this.#connectors = options.connectors;
    this.#logger = options.logger ?? silentLogger;
    this.#pollIntervalMs = options.pollIntervalMs ?? 500;
    this.#machines = options.machines ?? new MachineCache();
    this.#runEffects = options.runEffects ?? true;
    this.#options = options;
  }

  /** Does one round of every kind of work. */
  async runOnce(): Promise<RoundResult> {
    const db = this.#connection.db;
    const logger = this.#logger;
    const o = this.#options;
    const machines = this.#machines;
    const routed = await routeEvents(db, { machines, logger, batchSize: o.routeBatchSize ?? 200 });
    const timersFired = await fireDueTimers(db, { logger });
    const advanceOptions = { machines, logger, batchSize: o.advanceBatchSize ?? 25 };
    let advanced = 0;
    for (let n = await advanceInstances(db, advanceOptions); n > 0;) {
      advanced += n;
      n = await advanceInstances(db, advanceOptions);
    }
    const effects = this.#runEffects
      ? await runDueEffects(db, {
          connectors: this.#connectors,
          logger,
          signal: this.#abort.signal,
          ...(o.effectLeaseMs === undefined ? {} : { defaultLeaseMs: o.effectLeaseMs }),
          ...(o.effectLeaseGraceMs === undefined ? {} : { leaseGraceMs: o.effectLeaseGraceMs }),
        })
      : 0;
    return { routed, timersFired, advanced, effects };
  }

  /**
   * Processes until no work is left that is due now (events, messages, due timers and due
   * effects; retries scheduled for later are not waited for). Returns the summed rounds.
   *
   * ```ts
   * await postEvents();
   * await worker.runUntilIdle();
   * ```
   */
  async runUntilIdle(options: { maxRounds?: number } = {}): Promise<RoundResult> {
    const sum: RoundResult = { routed: 0, timersFired: 0, advanced: 0, effects: 0 };
    const maxRounds = options.maxRounds ?? 1000;
    for (let round = 0; round < maxRounds; round++) {
      const result = await this.runOnce();
      sum.routed += result.routed;
      sum.timersFired += result.timersFired;
      sum.advanced += result.advanced;
      sum.effects += result.effects;
      if (total(result) === 0) return sum;
    }
    throw new Error(`worker still busy after ${maxRounds} rounds`);
  }

  /** Starts the background loop (LISTEN for wake-ups, poll as fallback). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops after the in-flight round finishes (in-flight connector calls are aborted and retried later). */
  async stop(options: { abortEffects?: boolean } = {}): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (options.abortEffects) this.#abort.abort();
    this.#wake?.();
    await this.#loop;
    this.#loop = null;
  }

  async #run(): Promise<void> {
    try {
      this.#unlisten = await this.#connection.listen(WORK_CHANNEL, () => this.#wake?.());
    } catch (error) {
      this.#logger.warn('LISTEN failed; polling only', { err: error });
    }
    let failures = 0;
    while (this.#running) {
      let busy = false;
      try {
        busy = total(await this.runOnce()) > 0;
        failures = 0;
      } catch (error) {
        failures += 1;
        this.#logger.error('worker round failed', { err: error, failures });
      }
      if (!this.#running) break;
      if (busy) continue;
      // Back off on repeated failures (database down), up to 5 s: a database back from a
      // restart is used again within seconds.
      const wait =
        failures > 0 ? Math.min(5_000, this.#pollIntervalMs * 2 ** failures) : this.#pollIntervalMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wait);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#wake = done;
      });
      this.#wake = null;
    }
    await this.#unlisten?.().catch(() => undefined);
    this.#unlisten = null;
  }
}
