/**
 * A small Prometheus registry: counters, gauges and histograms rendered in the text exposition
 * format (version 0.0.4) for `GET /metrics`. Values live in the process; collectors refresh
 * gauges (queue depths read from the database) right before each scrape.
 * @module
 */

type Labels = Record<string, string>;

/** Latency buckets in seconds: 1 ms to 10 s. */
export const LATENCY_BUCKETS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

interface Series {
  labels: Labels;
  value: number;
}

interface HistogramSeries {
  labels: Labels;
  counts: number[];
  sum: number;
  count: number;
}

function keyOf(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function renderLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function renderNumber(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return Number.isNaN(value) ? 'NaN' : String(value);
}

/** A monotonically increasing count. */
export interface Counter {
  inc(labels?: Labels, by?: number): void;
}

/** A value that goes up and down. */
export interface Gauge {
  set(labels: Labels, value: number): void;
  /** Forgets every series (before a collector sets the current ones). */
  reset(): void;
}

/** Observations counted into cumulative buckets. */
export interface Histogram {
  observe(labels: Labels, value: number): void;
  /** Sets a series from cumulative bucket counts computed elsewhere (e.g. by a SQL query). */
  replace(labels: Labels, snapshot: { buckets: number[]; sum: number; count: number }): void;
}

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

/**
 * The metrics of one process.
 *
 * ```ts
 * const metrics = new MetricsRegistry();
 * const ingested = metrics.counter('waybill_events_ingested_total', 'Events accepted');
 * ingested.inc({ type: 'order.released' });
 * const text = await metrics.render();
 * ```
 */
export class MetricsRegistry {
  readonly #metrics = new Map<string, Metric>();
  readonly #counters = new Map<string, Counter>();
  readonly #gauges = new Map<string, Gauge>();
  readonly #histograms = new Map<string, Histogram>();
  readonly #collectors: (() => Promise<void>)[] = [];
  readonly #expositions: (() => string)[] = [];

  /** Registers (or returns the already registered) counter `name`. */
  counter(name: string, help: string): Counter {
    const existing = this.#counters.get(name);
    if (existing) return existing;
    this.#checkFree(name);
    const series = new Map<string, Series>();
    const api: Counter = {
      inc(labels = {}, by = 1) {
        const key = keyOf(labels);
        const entry = series.get(key);
        if (entry) entry.value += by;
        else series.set(key, { labels: { ...labels }, value: by });
      },
    };
    this.#counters.set(name, api);
    this.#add(name, help, 'counter', () =>
      [...series.values()].map((s) => `${name}${renderLabels(s.labels)} ${renderNumber(s.value)}`),
    );
    return api;
  }

  /** Registers (or returns) gauge `name`. */
  gauge(name: string, help: string): Gauge {
    const existing = this.#gauges.get(name);
    if (existing) return existing;
    this.#checkFree(name);
    const series = new Map<string, Series>();
    const api: Gauge = {
      set(labels, value) {
        series.set(keyOf(labels), { labels: { ...labels }, value });
      },
      reset() {
        series.clear();
      },
    };
    this.#gauges.set(name, api);
    this.#add(name, help, 'gauge', () =>
      [...series.values()].map((s) => `${name}${renderLabels(s.labels)} ${renderNumber(s.value)}`),
    );
    return api;
  }

  /** Registers (or returns) histogram `name` with upper bounds `buckets` (ascending). */
  histogram(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS): Histogram {
    const existing = this.#histograms.get(name);
    if (existing) return existing;
    this.#checkFree(name);
    const series = new Map<string, HistogramSeries>();
    const api: Histogram = {
      observe(labels, value) {
        const key = keyOf(labels);
        let entry = series.get(key);
        if (!entry) {
          entry = { labels: { ...labels }, counts: buckets.map(() => 0), sum: 0, count: 0 };
          series.set(key, entry);
        }
        for (let i = 0; i < buckets.length; i++) {
          const bound = buckets[i];
          if (bound !== undefined && value <= bound) entry.counts[i] = (entry.counts[i] ?? 0) + 1;
        }
        entry.sum += value;
        entry.count += 1;
      },
      replace(labels, snapshot) {
        series.set(keyOf(labels), {
          labels: { ...labels },
          counts: buckets.map((_, i) => snapshot.buckets[i] ?? 0),
          sum: snapshot.sum,
          count: snapshot.count,
        });
      },
    };
    this.#histograms.set(name, api);
    this.#add(name, help, 'histogram', () =>
      [...series.values()].flatMap((s) => [
        ...buckets.map(
          (bound, i) =>
            `${name}_bucket${renderLabels(s.labels, ['le', renderNumber(bound)])} ${s.counts[i] ?? 0}`,
        ),
        `${name}_bucket${renderLabels(s.labels, ['le', '+Inf'])} ${s.count}`,
        `${name}_sum${renderLabels(s.labels)} ${renderNumber(s.sum)}`,
        `${name}_count${renderLabels(s.labels)} ${s.count}`,
      ]),
    );
    return api;
  }

  /**
   * Appends text another component renders in the exposition format itself (the engine's
   * counters). Its metric names must not clash with the registry's.
   */
  addExposition(render: () => string): void {
    this.#expositions.push(render);
  }

  /** Runs `collect` before every render (to refresh gauges from the database). */
  addCollector(collect: () => Promise<void>): void {
    this.#collectors.push(collect);
  }

  /** The exposition text. A failing collector leaves its gauges as they were and is reported. */
  async render(): Promise<string> {
    const results = await Promise.allSettled(this.#collectors.map((collect) => collect()));
    const failed = results.filter((r) => r.status === 'rejected').length;
    this.gauge(
      'waybill_metrics_collector_failures',
      'Metric collectors that failed during this scrape (e.g. the database was unreachable).',
    ).set({}, failed);
    const lines: string[] = [];
    for (const metric of this.#metrics.values()) {
      lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`);
      lines.push(...metric.render());
    }
    const own = lines.join('\n') + '\n';
    return [own, ...this.#expositions.map((render) => render())]
      .map((text) => (text.endsWith('\n') ? text : text + '\n'))
      .join('');
  }

  #checkFree(name: string): void {
    const metric = this.#metrics.get(name);
    if (metric) throw new Error(`metric ${name} is registered already as a ${metric.type}`);
  }

  #add(name: string, help: string, type: Metric['type'], render: () => string[]): void {
    this.#metrics.set(name, { name, help, type, render });
  }
}

/** The content type Prometheus expects for the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
