/**
 * The engine's counters and latency histogram, kept in the process (each worker has its own;
 * Prometheus sums them across processes). The HTTP layer renders them at `GET /metrics`.
 * @module
 */

/** Upper bounds (ms) of the latency histogram buckets. */
const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];

const counterHelp = {
  waybill_events_routed_total: 'Events routed to instance inboxes or parked.',
  waybill_instances_started_total: 'Instances started by trigger events.',
  waybill_transitions_total: 'Instance transitions committed.',
  waybill_effect_attempts_total: 'Connector call attempts.',
  waybill_effect_failures_total: 'Connector call attempts that failed (retried or not).',
  waybill_incidents_opened_total: 'Incidents opened for calls that failed for good.',
  waybill_timers_fired_total: 'Timers fired.',
} as const;

/** The name of an engine counter. */
export type EngineCounter = keyof typeof counterHelp;

/** The phases of a worker round, timed separately (where a worker spends its time). */
export type WorkerPhase = 'route' | 'timers' | 'advance' | 'effects';

/**
 * Counters and the message-to-transition latency histogram of this process.
 *
 * ```ts
 * import { engineMetrics } from './metrics.ts';
 * engineMetrics.increment('waybill_transitions_total', 3);
 * reply.type('text/plain; version=0.0.4').send(engineMetrics.toPrometheus());
 * ```
 */
export class EngineMetrics {
  readonly #counters = new Map<EngineCounter, number>();
  readonly #buckets = LATENCY_BUCKETS_MS.map(() => 0);
  #latencyCount = 0;
  #latencySumMs = 0;
  readonly #phases = new Map<WorkerPhase, { ms: number; count: number; items: number }>();

  increment(counter: EngineCounter, by = 1): void {
    this.#counters.set(counter, (this.#counters.get(counter) ?? 0) + by);
  }

  /** Records how long a message waited in an inbox before its transition committed. */
  observeLatency(ms: number): void {
    this.#latencyCount += 1;
    this.#latencySumMs += ms;
    LATENCY_BUCKETS_MS.forEach((bound, i) => {
      if (ms <= bound) this.#buckets[i] = (this.#buckets[i] ?? 0) + 1;
    });
  }

  /** Records one run of a worker phase: how long it took and how many items it handled. */
  observePhase(phase: WorkerPhase, ms: number, items: number): void {
    const entry = this.#phases.get(phase) ?? { ms: 0, count: 0, items: 0 };
    entry.ms += ms;
    entry.count += 1;
    entry.items += items;
    this.#phases.set(phase, entry);
  }

  /** Time spent per worker phase since start (ms), runs and items handled. */
  phases(): Record<WorkerPhase, { ms: number; count: number; items: number }> {
    const all = {} as Record<WorkerPhase, { ms: number; count: number; items: number }>;
    for (const phase of ['route', 'timers', 'advance', 'effects'] as const)
      all[phase] = { ...(this.#phases.get(phase) ?? { ms: 0, count: 0, items: 0 }) };
    return all;
  }

  /** Current values, for JSON endpoints and tests. */
  snapshot(): {
    counters: Record<EngineCounter, number>;
    latency: { count: number; sumMs: number };
  } {
    const counters = {} as Record<EngineCounter, number>;
    for (const name of Object.keys(counterHelp) as EngineCounter[]) {
      counters[name] = this.#counters.get(name) ?? 0;
    }
    return { counters, latency: { count: this.#latencyCount, sumMs: this.#latencySumMs } };
  }

  /** The Prometheus text exposition of every engine metric. */
  toPrometheus(): string {
    const lines: string[] = [];
    for (const [name, help] of Object.entries(counterHelp)) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      lines.push(`${name} ${this.#counters.get(name as EngineCounter) ?? 0}`);
    }
    const h = 'waybill_transition_latency_seconds';
    lines.push(`# HELP ${h} Time from a message entering an inbox to its transition's commit.`);
    lines.push(`# TYPE ${h} histogram`);
    LATENCY_BUCKETS_MS.forEach((bound, i) => {
      lines.push(`${h}_bucket{le="${bound / 1000}"} ${this.#buckets[i] ?? 0}`);
    });
    lines.push(`${h}_bucket{le="+Inf"} ${this.#latencyCount}`);
    lines.push(`${h}_sum ${this.#latencySumMs / 1000}`, `${h}_count ${this.#latencyCount}`);
    const phases = Object.entries(this.phases());
    const families = [
      ['waybill_worker_phase_seconds_total', 'Seconds this process spent in each worker phase.'],
      ['waybill_worker_phase_runs_total', 'Runs of each worker phase.'],
      [
        'waybill_worker_phase_items_total',
        'Events, timers, instances or calls each phase handled.',
      ],
    ] as const;
    for (const [name, help] of families) {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const [phase, entry] of phases) {
        const value =
          name === 'waybill_worker_phase_seconds_total'
            ? entry.ms / 1000
            : name === 'waybill_worker_phase_runs_total'
              ? entry.count
              : entry.items;
        lines.push(`${name}{phase="${phase}"} ${value}`);
      }
    }
    return lines.join('\n') + '\n';
  }
}

/** The process-wide engine metrics. */
export const engineMetrics = new EngineMetrics();
