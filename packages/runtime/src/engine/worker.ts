/**
 * The worker: routes events, fires timers, advances instances and runs effects (connector
 * calls), in three loops (routing and timers, advancing, connector calls), so that new events
 * are routed while instances are advanced and calls to slow external systems overlap with both.
 * Stateless: run as many as you like against one Postgres; LISTEN/NOTIFY wakes them, polling
 * is the fallback.
 * @module
 */
import type { Connection } from '../db/connect.ts';
import { silentLogger, type Logger } from '../log.ts';
import { advanceInstances } from './advance.ts';
import { WORK_CHANNEL, wakeLocally } from './channels.ts';
import {
  effectRecorder,
  runDueEffects,
  startDueEffects,
  type ConnectorSetup,
  type EffectRecorder,
  type EffectRunnerOptions,
} from './effect-runner.ts';
import { MachineCache } from './machines.ts';
import { engineMetrics, type WorkerPhase } from './metrics.ts';
import { routeEvents } from './router.ts';
import { pendingWork } from './stats.ts';
import { fireDueTimers } from './timers.ts';
import { trainedTriage, type TriageProvider } from './triage-step.ts';

export interface WorkerOptions {
  connection: Connection;
  connectors: ConnectorSetup;
  logger?: Logger;
  /** Poll even without notifications (default 500 ms). */
  pollIntervalMs?: number;
  /** Shared compiled machines (default: a cache of its own). */
  machines?: MachineCache;
  /**
   * The classifier of classify nodes (default: the trained triage model of the database; with
   * no trained model every classification goes to a person with confidence 0).
   */
  triage?: TriageProvider;
  /** Whether this worker runs connector calls (default true). */
  runEffects?: boolean;
  /**
   * How long a claimed connector call is protected from other workers: the node's timeout (or
   * `effectLeaseMs`, default 60 s) plus `effectLeaseGraceMs` (default 30 s). A worker that dies
   * mid-call leaves its calls to be retried (same idempotency key) once the lease runs out.
   */
  effectLeaseMs?: number;
  effectLeaseGraceMs?: number;
  /**
   * Connector calls a running worker keeps in flight (default 50). A round waits for its calls up
   * to a second; slower ones go on in their slots while the worker claims others.
   */
  effectConcurrency?: number;
  /** Instances claimed per transaction (default 25) and events routed per transaction (default 200). */
  advanceBatchSize?: number;
  routeBatchSize?: number;
  /**
   * Batches of up to this many events (default 20) are routed and applied in one transaction;
   * larger ones are routed, and their instances advanced by the advancing loops.
   */
  routeInlineAdvanceUpTo?: number;
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
  readonly #triage: TriageProvider;
  readonly #abort = new AbortController();
  #loop: Promise<void> | null = null;
  #running = false;
  /** Each running loop's waker, with the wake-ups it answers (an unknown one wakes every loop). */
  readonly #wakers = new Map<(topic: string) => void, (topic: string) => boolean>();
  #unlisten: (() => Promise<void>) | null = null;
  /** The running worker's connector calls in flight, each settled once its outcome is recorded. */
  readonly #inFlight = new Set<Promise<void>>();
  #recorder: EffectRecorder | null = null;
  /** Set when the effect loop found every slot taken: calls that return wake it. */
  #effectsStarved = false;
  #wakeEffects: ((topic: string) => void) | null = null;
  /** When the routing loop last looked for due timers (performance.now()). */
  #timersCheckedAt = 0;

  constructor(options: WorkerOptions) {
    this.#connection = options.connection;
    this.#connectors = options.connectors;
    this.#logger = options.logger ?? silentLogger;
    this.#pollIntervalMs = options.pollIntervalMs ?? 500;
    this.#machines = options.machines ?? new MachineCache();
    this.#runEffects = options.runEffects ?? true;
    this.#options = options;
    this.#triage = options.triage ?? trainedTriage();
  }

  /** Does one round of every kind of work. */
  async runOnce(): Promise<RoundResult> {
    const engine = await this.#engineRound();
    return { ...engine, effects: await this.#effectsRound() };
  }

  /** Routes events, fires due timers, then advances instances (one round of each, in turn). */
  async #engineRound(): Promise<Omit<RoundResult, 'effects'>> {
    const { routed, timersFired } = await this.#routeRound();
    const advanced = await this.#advanceRound(routed + timersFired > 0);
    return { routed, timersFired, advanced };
  }

  /**
   * Routes events and fires due timers; one query first tells which have work, unless the
   * round was woken by new events only.
   */
  async #routeRound(
    wokenBy: ReadonlySet<string> = new Set(),
  ): Promise<{ routed: number; timersFired: number }> {
    const db = this.#connection.db;
    const o = this.#options;
    // Due timers are looked for at least once per poll interval, however often new events wake
    // the loop (under a steady stream of events it never sleeps a whole interval).
    const now = performance.now();
    const timersDueCheck = now - this.#timersCheckedAt >= this.#pollIntervalMs;
    const eventsOnly =
      !timersDueCheck && wokenBy.size > 0 && [...wokenBy].every((topic) => topic === 'event');
    const work = eventsOnly ? { events: true, timers: false } : await pendingWork(db);
    if (!eventsOnly) this.#timersCheckedAt = now;
    const routed = work.events
      ? await timed('route', () =>
          routeEvents(db, {
            machines: this.#machines,
            logger: this.#logger,
            batchSize: o.routeBatchSize ?? 200,
            advanceInlineUpTo: o.routeInlineAdvanceUpTo ?? 20,
            triage: this.#triage,
          }),
        )
      : 0;
    const timersFired = work.timers
      ? await timed('timers', () => fireDueTimers(db, { logger: this.#logger }))
      : 0;
    return { routed, timersFired };
  }

  /**
   * Advances instances with pending messages; goes on while full batches come back (a short
   * batch means the rest is locked by other workers or not there yet, and the next round looks
   * again). Unless told there is work, one query first checks, instead of an empty transaction.
   */
  async #advanceRound(knownWork = false): Promise<number> {
    const db = this.#connection.db;
    if (!knownWork && !(await pendingWork(db)).messages) return 0;
    const batchSize = this.#options.advanceBatchSize ?? 25;
    const options = {
      machines: this.#machines,
      logger: this.#logger,
      batchSize,
      triage: this.#triage,
    };
    return timed('advance', async () => {
      let sum = 0;
      for (let n = batchSize; n === batchSize;) {
        n = await advanceInstances(db, options);
        sum += n;
      }
      return sum;
    });
  }

  /** Runs the connector calls that are due (none when this worker does not run effects). */
  async #effectsRound(): Promise<number> {
    if (!this.#runEffects) return 0;
    return timed('effects', () => runDueEffects(this.#connection.db, this.#effectOptions()));
  }

  #effectOptions(batchSize?: number): EffectRunnerOptions {
    const o = this.#options;
    return {
      connectors: this.#connectors,
      logger: this.#logger,
      signal: this.#abort.signal,
      // A result moves its instance on in the transaction that records it.
      advance: { machines: this.#machines, logger: this.#logger, triage: this.#triage },
      // Several connections record results in parallel with calls; one (embedded) records a
      // round's results in one transaction.
      recordEach: this.#connection.kind === 'postgres',
      ...(batchSize === undefined ? {} : { batchSize }),
      ...(o.effectLeaseMs === undefined ? {} : { defaultLeaseMs: o.effectLeaseMs }),
      ...(o.effectLeaseGraceMs === undefined ? {} : { leaseGraceMs: o.effectLeaseGraceMs }),
    };
  }

  /** Free slots for connector calls. */
  #effectSlots(): number {
    return (this.#options.effectConcurrency ?? 50) - this.#inFlight.size;
  }

  /**
   * The running worker's effect round on Postgres: claims due calls for the free slots, starts
   * them, and waits for them, but at most {@link DETACH_CALLS_AFTER_MS}: quick calls are waited
   * for as one batch (the next claim takes, together, the calls that became due meanwhile), and
   * a slow or hanging call no longer holds up the loop: it keeps its slot until its outcome is
   * recorded, and the loop claims other calls meanwhile. (On the embedded database one
   * connection records a round's results together: rounds as in {@link runOnce}.)
   */
  async #effectsPipelineRound(): Promise<number> {
    if (this.#connection.kind !== 'postgres') return this.#effectsRound();
    const free = this.#effectSlots();
    if (free <= 0) {
      this.#effectsStarved = true;
      return 0;
    }
    const db = this.#connection.db;
    const options = this.#effectOptions(free);
    this.#recorder ??= effectRecorder(db, options);
    const recorder = this.#recorder;
    return timed('effects', async () => {
      const calls = await startDueEffects(db, options, recorder);
      const tracked = calls.map((call) => this.#track(call));
      await settledWithin(tracked, DETACH_CALLS_AFTER_MS);
      return calls.length;
    });
  }

  /** Holds a slot for a call until its outcome is recorded. */
  #track(call: Promise<void>): Promise<void> {
    const tracked: Promise<void> = call
      .catch((error: unknown) => {
        // Not recorded (the database went away): the call stays claimed until its lease ends,
        // then it is called again with the same idempotency key.
        this.#logger.error('connector call outcome not recorded', { err: error });
      })
      .finally(() => {
        this.#inFlight.delete(tracked);
        // A loop that found every slot taken claims again once a quarter of them are free.
        const refillAt = Math.max(1, Math.floor((this.#options.effectConcurrency ?? 50) / 4));
        if (this.#effectsStarved && this.#effectSlots() >= refillAt) {
          this.#effectsStarved = false;
          this.#wakeEffects?.('slot');
        }
      });
    this.#inFlight.add(tracked);
    return tracked;
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

  /**
   * Starts the background loops (LISTEN for wake-ups, poll as fallback): one routes events and
   * fires timers, one advances instances, one runs connector calls, so that waiting for
   * external systems never holds up transitions (and the reverse).
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops after the in-flight rounds finish (in-flight connector calls are aborted and retried later). */
  async stop(options: { abortEffects?: boolean } = {}): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    if (options.abortEffects) this.#abort.abort();
    for (const wake of this.#wakers.keys()) wake('stop');
    await this.#loop;
    this.#loop = null;
  }

  async #run(): Promise<void> {
    try {
      // A wake-up names the work it announces ('event', 'timers', 'inbox', 'effects'): only the loop that
      // does that work looks for it, instead of every loop running a query on every commit.
      this.#unlisten = await this.#connection.listen(WORK_CHANNEL, (payload) => {
        const known = WAKE_TOPICS.has(payload);
        for (const [wake, answers] of this.#wakers) {
          if (!known || answers(payload)) wake(payload);
        }
      });
    } catch (error) {
      this.#logger.warn('LISTEN failed; polling only', { err: error });
    }
    // Routing and advancing in loops of their own: a new event is routed while another
    // batch of instances is being advanced, instead of waiting for that batch to commit.
    const loops = [
      this.#loopOf(
        'route',
        (topic) => ROUTE_WAKES.has(topic),
        // A short batch took every event there was: the next comes with a wake-up (or the
        // poll), so the loop sleeps instead of asking again.
        (wokenBy) =>
          this.#routeRound(wokenBy).then((r) =>
            r.routed >= (this.#options.routeBatchSize ?? 200) || r.timersFired > 0 ? 1 : 0,
          ),
      ),
      this.#loopOf(
        'advance',
        (topic) => ADVANCE_WAKES.has(topic),
        // Woken because messages were left for the advancing loops: no need to ask first.
        (wokenBy) => this.#advanceRound(wokenBy.has('inbox')),
      ),
    ];
    if (this.#runEffects)
      loops.push(
        this.#loopOf(
          'effects',
          (topic) => EFFECT_WAKES.has(topic),
          () => this.#effectsPipelineRound(),
          // Calls scheduled by this process go to this loop first when it is idle and has a
          // free slot.
          { local: () => this.#effectSlots() > 0, name: 'effects' },
        ),
      );
    await Promise.all(loops);
    // Graceful: the calls in flight finish and are recorded (or are aborted, when asked).
    await Promise.allSettled([...this.#inFlight]);
    await this.#unlisten?.().catch(() => undefined);
    this.#unlisten = null;
  }

  /**
   * Repeats `round` while it finds work; otherwise sleeps until woken (by a wake-up it
   * `answers`) or the poll interval. `round` is told what woke it (nothing: a poll, or a round
   * that found work).
   */
  async #loopOf(
    name: string,
    answers: (topic: string) => boolean,
    round: (wokenBy: ReadonlySet<string>) => Promise<number>,
    options: { local?: () => boolean; name?: 'effects' } = {},
  ): Promise<void> {
    let failures = 0;
    let wake: (() => void) | null = null;
    // A wake-up that arrives during a round means work may have come after the round looked.
    let signalled = false;
    let wokenBy = new Set<string>();
    let pending = new Set<string>();
    const waker = (topic: string): void => {
      signalled = true;
      pending.add(topic);
      wake?.();
    };
    this.#wakers.set(waker, answers);
    const accepting = options.local;
    const unregister = accepting
      ? wakeLocally(this.#connection.db, (topic) => {
          if (!this.#running || wake === null || !answers(topic) || !accepting()) return false;
          waker(topic);
          return true;
        })
      : null;
    if (options.name === 'effects') this.#wakeEffects = waker;
    while (this.#running) {
      let busy = false;
      try {
        busy = (await round(wokenBy)) > 0;
        failures = 0;
      } catch (error) {
        failures += 1;
        this.#logger.error('worker round failed', { err: error, loop: name, failures });
      }
      if (!this.#running) break;
      if (busy || (signalled && failures === 0)) {
        // After a round that found work, the next looks at everything; after a wake-up during
        // the round, at what woke it.
        wokenBy = busy ? new Set() : pending;
        pending = new Set();
        signalled = false;
        continue;
      }
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
        wake = done;
      });
      wake = null;
      wokenBy = pending;
      pending = new Set();
      signalled = false;
    }
    this.#wakers.delete(waker);
    unregister?.();
  }
}

/** How long an effect round waits for its calls before it claims others (slow calls go on). */
const DETACH_CALLS_AFTER_MS = 1_000;

/** Resolves when every promise has settled, or after `ms`, whichever comes first. */
async function settledWithin(promises: Promise<unknown>[], ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}

/**
 * Which wake-ups each loop answers. New events are routed, and timers due at once fired, by the
 * routing loop; new inbox messages advanced; new connector calls run.
 */
const ROUTE_WAKES: ReadonlySet<string> = new Set(['event', 'timers']);
const ADVANCE_WAKES: ReadonlySet<string> = new Set(['inbox']);
const EFFECT_WAKES: ReadonlySet<string> = new Set(['effects']);
const WAKE_TOPICS: ReadonlySet<string> = new Set([
  ...ROUTE_WAKES,
  ...ADVANCE_WAKES,
  ...EFFECT_WAKES,
]);

/** Runs one phase of a round and records its time in the engine metrics. */
async function timed(phase: WorkerPhase, run: () => Promise<number>): Promise<number> {
  const started = performance.now();
  const items = await run();
  engineMetrics.observePhase(phase, performance.now() - started, items);
  return items;
}
