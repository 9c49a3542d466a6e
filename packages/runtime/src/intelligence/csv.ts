/**
 * CSV export of each figure of a report (RFC 4180: comma-separated, CRLF, quoted when needed).
 * Durations are in hours and rates in percent, as finance reads them.
 * @module
 */
import type { IntelligenceReport } from './figures.ts';

/** The figures that export as CSV. */
export const intelligenceFigures = [
  'kpis',
  'categories',
  'businessUnits',
  'warehouses',
  'customers',
  'aging',
  'latency',
  'trend',
  'nodes',
] as const;
export type IntelligenceFigure = (typeof intelligenceFigures)[number];

type Cell = string | number | null;

function cell(value: Cell): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? String(Math.round(value * 100) / 100) : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const percent = (rate: number | null): Cell => (rate === null ? null : rate * 100);
const hours = (ms: number | null): Cell => (ms === null ? null : ms / 3_600_000);

function table(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/**
 * One figure of a report as CSV text, with a header row.
 *
 * ```ts
 * figureCsv(report, 'warehouses'); // 'warehouse,started,finished,exceptions_opened,exception_rate_pct\r\n…'
 * ```
 */
export function figureCsv(report: IntelligenceReport, figure: IntelligenceFigure): string {
  switch (figure) {
    case 'kpis': {
      const k = report.kpis;
      return table(
        ['kpi', 'value'],
        [
          ['instances_started', k.started],
          ['instances_finished', k.finished],
          ['instances_completed', k.completed],
          ['instances_failed', k.failed],
          ['touchless_rate_pct', percent(k.touchlessRate)],
          ['exception_rate_pct', percent(k.exceptionRate)],
          ['first_pass_accuracy_pct', percent(k.firstPassRate)],
          ['exceptions_opened', k.exceptionsOpened],
          ['exceptions_resolved', k.exceptionsResolved],
          ['sla_compliance_pct', percent(k.slaCompliance)],
          ['avg_time_to_resolve_h', hours(k.avgResolveMs)],
          ['open_exceptions', k.openExceptions],
          ['running_instances', k.runningInstances],
          ['backlog_days', k.backlogDays],
          ['shipment_to_invoice_p50_h', hours(k.latencyP50Ms)],
          ['shipment_to_invoice_p95_h', hours(k.latencyP95Ms)],
        ],
      );
    }
    case 'categories':
      return table(
        [
          'category',
          'label',
          'opened',
          'rate_per_100_instances',
          'resolved',
          'sla_tracked',
          'sla_met',
          'sla_compliance_pct',
          'avg_time_to_resolve_h',
        ],
        report.categories.map((c) => [
          c.category,
          c.label,
          c.opened,
          c.rate === null ? null : c.rate * 100,
          c.resolved,
          c.slaTracked,
          c.slaMet,
          percent(c.slaCompliance),
          hours(c.avgResolveMs),
        ]),
      );
    case 'businessUnits':
    case 'warehouses':
    case 'customers': {
      const name = {
        businessUnits: 'business_unit',
        warehouses: 'warehouse',
        customers: 'customer',
      }[figure];
      return table(
        [name, 'started', 'finished', 'exceptions_opened', 'exception_rate_pct'],
        report[figure].map((d) => [
          d.name,
          d.started,
          d.finished,
          d.exceptionsOpened,
          percent(d.exceptionRate),
        ]),
      );
    }
    case 'aging':
      return table(
        ['age', 'open_exceptions', 'overdue'],
        report.aging.map((a) => [a.bucket, a.count, a.overdue]),
      );
    case 'latency':
      return table(
        ['up_to_h', 'completed_instances'],
        report.latency.buckets.map((b) => [b.upToMs === null ? 'more' : hours(b.upToMs), b.count]),
      );
    case 'trend':
      return table(
        ['period', 'started', 'completed', 'touchless', 'touchless_rate_pct', 'exceptions_opened'],
        report.trend.map((t) => [
          t.period,
          t.started,
          t.completed,
          t.touchless,
          percent(t.touchlessRate),
          t.exceptionsOpened,
        ]),
      );
    case 'nodes':
      return table(
        ['flow_key', 'node_id', 'instances', 'total_h', 'avg_h'],
        report.nodes.map((n) => [
          n.flowKey,
          n.nodeId,
          n.instances,
          hours(n.totalMs),
          hours(n.avgMs),
        ]),
      );
  }
}
