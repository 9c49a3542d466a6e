/**
 * Figures of the soak benchmark: percentiles, the trend of a series (least-squares slope over
 * the second half of the load) with its verdict, and the chart (a hand-written SVG).
 * @module
 */

/** One sample of the soak run (every `--sample` seconds). */
export interface SoakSample {
  /** Seconds since the load started. */
  t: number;
  phase: 'load' | 'drain';
  /** Requests sent, stored (202), repeats (200) and errors per second in the interval. */
  sentPerSec: number;
  acceptedPerSec: number;
  repeatsPerSec: number;
  errors: number;
  transitionsPerSec: number;
  /** Event-to-transition latency of the transitions of the interval (null: none). */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** API response time (acknowledgement after the commit), p99 of the interval. */
  ackP99Ms: number | null;
  /** How late the generator sent against its schedule, p99 of the interval. */
  lagP99Ms: number | null;
  /** Work waiting: pending events, pending inbox messages of running instances, pending or running effects, due timers. */
  queue: { events: number; inbox: number; effects: number; timers: number; total: number };
  /** Events nobody took (no instance for the key), messages an instance keeps for later. */
  parked: number;
  /** Messages pending for instances that have ended: no worker will ever take them. */
  stranded: number;
  deferred: number;
  runningInstances: number;
  openTasks: number;
  /** Resident memory per process in MB (`VmRSS`), V8 heap in use in MB (from `/metrics`). */
  rssMb: Record<string, number>;
  heapMb: Record<string, number | null>;
  dbMb: number;
  load1: number;
}

/** The `q` quantile (0–1) of ascending `sorted` values (nearest rank); null when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? null;
}

/** p50, p95, p99 of unsorted values, rounded to 0.1 ms. */
export function percentiles(values: readonly number[]): {
  p50: number | null;
  p95: number | null;
  p99: number | null;
} {
  const sorted = [...values].sort((a, b) => a - b);
  const r = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    p50: r(quantile(sorted, 0.5)),
    p95: r(quantile(sorted, 0.95)),
    p99: r(quantile(sorted, 0.99)),
  };
}

/** Least-squares slope of y over x (per unit of x); 0 for fewer than two points. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** A series' trend over the second half of the load and what it means. */
export interface Trend {
  /** Value at the first sample, at the middle of the load, at its end. */
  start: number;
  middle: number;
  end: number;
  /** Least-squares slope over the second half of the load, per hour. */
  perHour: number;
  growing: boolean;
  verdict: string;
}

/**
 * The trend of `pick` over the load samples: the slope of the second half (the first is
 * warm-up: caches, pools and JIT fill), and whether it grows by more than `tolerance` over that
 * half (a steady series wobbles; a leak climbs).
 *
 * ```ts
 * trend(samples, (s) => s.rssMb.api ?? 0, { unit: 'MB', tolerance: 8 }).verdict; // "no growth (+1.2 MB/h)"
 * ```
 */
export function trend(
  samples: readonly SoakSample[],
  pick: (sample: SoakSample) => number,
  options: { unit: string; tolerance: number },
): Trend {
  const load = samples.filter((s) => s.phase === 'load');
  const first = load[0];
  const last = load.at(-1);
  if (!first || !last)
    return { start: 0, middle: 0, end: 0, perHour: 0, growing: false, verdict: 'no samples' };
  const half = load.filter((s) => s.t >= last.t / 2);
  const middle = half[0] ?? last;
  const perSecond = slope(half.map((s) => ({ x: s.t, y: pick(s) })));
  const perHour = perSecond * 3600;
  const span = last.t - middle.t;
  const growing = perSecond * span > options.tolerance;
  const round = (v: number) => Math.round(v * 10) / 10;
  const signed = `${perHour >= 0 ? '+' : ''}${round(perHour)} ${options.unit}/h`;
  return {
    start: round(pick(first)),
    middle: round(pick(middle)),
    end: round(pick(last)),
    perHour: round(perHour),
    growing,
    verdict: growing ? `grows ${signed}` : `no growth (${signed})`,
  };
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

interface Series {
  label: string;
  values: (number | null)[];
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A value for an axis label: 1234 → "1234", 0.5 → "0.5", 12500 → "12.5k". */
function tick(value: number): string {
  if (value >= 10_000) return `${Math.round(value / 100) / 10}k`;
  if (value >= 10) return String(Math.round(value));
  return String(Math.round(value * 10) / 10);
}

/** A max for the y axis: 1, 2 or 5 × a power of ten at or above `value`. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * The soak chart: throughput, latency, queue depth and memory over time, one panel each, with
 * the start of the drain marked.
 *
 * ```ts
 * writeFileSync('docs/img/soak.svg', soakSvg(samples, 'Soak: 30 min at 12 orders/s'));
 * ```
 */
export function soakSvg(samples: readonly SoakSample[], title: string): string {
  const width = 960;
  const left = 64;
  const right = 170;
  const panelHeight = 150;
  const gap = 46;
  const top = 44;
  const plotWidth = width - left - right;
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const x = (t: number) => left + (t / tMax) * plotWidth;
  const processes = Object.keys(samples[0]?.rssMb ?? {});
  // A sample taken right after the previous one (when the load stops) covers too short an
  // interval for its rates and percentiles to mean much: those are left out of the lines.
  const gaps = samples.map((s, i) => s.t - (samples[i - 1]?.t ?? 0));
  const typical = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
  const full = (i: number) => (gaps[i] ?? 0) >= typical / 2;
  const rate = (pick: (s: SoakSample) => number | null) =>
    samples.map((s, i) => (full(i) ? pick(s) : null));
  const panels: { title: string; unit: string; series: Series[] }[] = [
    {
      title: 'Throughput',
      unit: 'per s',
      series: [
        { label: 'events accepted/s', values: rate((s) => s.acceptedPerSec) },
        { label: 'transitions/s', values: rate((s) => s.transitionsPerSec) },
      ],
    },
    {
      title: 'Event-to-transition latency',
      unit: 'ms',
      series: [
        { label: 'p50', values: rate((s) => s.p50Ms) },
        { label: 'p99', values: rate((s) => s.p99Ms) },
      ],
    },
    {
      title: 'Queue depth',
      unit: 'items',
      series: [
        { label: 'total', values: samples.map((s) => s.queue.total) },
        { label: 'pending events', values: samples.map((s) => s.queue.events) },
        { label: 'pending inbox', values: samples.map((s) => s.queue.inbox) },
        { label: 'stranded messages', values: samples.map((s) => s.stranded) },
      ],
    },
    {
      title: 'Resident memory',
      unit: 'MB',
      series: processes.map((p) => ({ label: p, values: samples.map((s) => s.rssMb[p] ?? null) })),
    },
  ];
  const height = top + panels.length * (panelHeight + gap) + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="24" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
  ];
  const drainAt = samples.find((s) => s.phase === 'drain')?.t;
  panels.forEach((panel, index) => {
    const y0 = top + index * (panelHeight + gap) + 18;
    const max = niceMax(
      Math.max(0, ...panel.series.flatMap((s) => s.values.filter((v): v is number => v !== null))),
    );
    const y = (v: number) => y0 + panelHeight - (v / max) * panelHeight;
    out.push(
      `<text x="${left}" y="${y0 - 6}" font-weight="600">${escapeXml(panel.title)} <tspan font-weight="400" fill="#666">(${escapeXml(panel.unit)})</tspan></text>`,
      `<rect x="${left}" y="${y0}" width="${plotWidth}" height="${panelHeight}" fill="none" stroke="#ccc"/>`,
    );
    for (const fraction of [0, 0.5, 1]) {
      const yy = y(max * fraction);
      out.push(
        `<line x1="${left}" x2="${left + plotWidth}" y1="${yy}" y2="${yy}" stroke="#eee"/>`,
        `<text x="${left - 6}" y="${yy + 4}" text-anchor="end" fill="#444">${tick(max * fraction)}</text>`,
      );
    }
    const minutes = tMax / 60;
    const every = minutes > 20 ? 5 : minutes > 6 ? 2 : 1;
    for (let m = 0; m <= minutes; m += every) {
      const xx = Math.round(x(m * 60) * 10) / 10;
      out.push(
        `<line x1="${xx}" x2="${xx}" y1="${y0 + panelHeight}" y2="${y0 + panelHeight + 4}" stroke="#888"/>`,
        `<text x="${xx}" y="${y0 + panelHeight + 16}" text-anchor="middle" fill="#444">${m} min</text>`,
      );
    }
    if (drainAt !== undefined) {
      const xd = Math.round(x(drainAt) * 10) / 10;
      out.push(
        `<line x1="${xd}" x2="${xd}" y1="${y0}" y2="${y0 + panelHeight}" stroke="#999" stroke-dasharray="4 3"/>`,
      );
      if (index === 0) out.push(`<text x="${xd + 4}" y="${y0 + 12}" fill="#666">drain</text>`);
    }
    panel.series.forEach((series, i) => {
      const color = palette[i % palette.length] ?? '#000';
      const points = samples
        .map((s, k) => {
          const v = series.values[k];
          return v === null || v === undefined ? null : `${x(s.t).toFixed(1)},${y(v).toFixed(1)}`;
        })
        .filter((p): p is string => p !== null);
      if (points.length > 0)
        out.push(
          `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${points.join(' ')}"/>`,
        );
      const ly = y0 + 14 + i * 16;
      out.push(
        `<line x1="${left + plotWidth + 12}" x2="${left + plotWidth + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`,
        `<text x="${left + plotWidth + 36}" y="${ly}">${escapeXml(series.label)}</text>`,
      );
    });
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
