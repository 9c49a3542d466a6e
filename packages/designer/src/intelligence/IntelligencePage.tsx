/**
 * Process intelligence: the KPIs finance tracks for the filtered range, charts by category,
 * business unit, warehouse and customer, exception aging, shipment-to-invoice latency, trends and
 * where in the flows time is spent; every figure exports as CSV. Filters live in the URL hash
 * (`#/intelligence?businessUnit=east`), so a view can be bookmarked and shared.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { FormEvent, ReactElement, ReactNode } from 'react';
import { api, errorMessage } from '../api/client.ts';
import { TopBar } from '../ui/TopBar.tsx';
import { BarChart, TrendChart } from './charts.tsx';
import { formatHours, formatPercent } from './format.ts';
import './intelligence.css';

type Report = Awaited<ReturnType<typeof api.intelligence.report.query>>;
type Dimensions = Awaited<ReturnType<typeof api.intelligence.dimensions.query>>;
type Figure = Parameters<typeof api.intelligence.csv.query>[0]['figure'];

export interface Filters {
  from?: string;
  to?: string;
  businessUnit?: string;
  warehouse?: string;
  customer?: string;
  flowKey?: string;
  interval?: 'day' | 'week';
}

const filterKeys = ['from', 'to', 'businessUnit', 'warehouse', 'customer', 'flowKey'] as const;

/** Reads filters from the query part of a hash like `#/intelligence?warehouse=DAL-1`. */
export function filtersOfHash(hash: string): Filters {
  const query = new URLSearchParams(hash.split('?')[1] ?? '');
  const filters: Filters = {};
  for (const key of filterKeys) {
    const value = query.get(key);
    if (value) filters[key] = value;
  }
  if (query.get('interval') === 'week') filters.interval = 'week';
  return filters;
}

function hashOfFilters(filters: Filters): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value) query.set(key, String(value));
  const text = query.toString();
  return `#/intelligence${text ? `?${text}` : ''}`;
}

function download(fileName: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function Section({
  title,
  figure,
  filters,
  children,
}: {
  title: string;
  figure: Figure;
  filters: Filters;
  children: ReactNode;
}): ReactElement {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = `figure-${figure}`;
  const exportCsv = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const { fileName, csv } = await api.intelligence.csv.query({ figure, filters });
      download(fileName, csv);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card intel-section" aria-labelledby={id} data-testid={id}>
      <header className="intel-section__head">
        <h2 id={id}>{title}</h2>
        <button
          type="button"
          className="btn btn--small btn--ghost"
          onClick={() => void exportCsv()}
          disabled={busy}
          data-testid={`csv-${figure}`}
        >
          {busy ? 'Exporting…' : 'CSV'}
          <span className="sr-only"> of {title}</span>
        </button>
      </header>
      {error && (
        <div className="banner banner--error" role="alert">
          {error}
        </div>
      )}
      {children}
    </section>
  );
}

function Tile({
  label,
  value,
  hint,
  testId,
}: {
  label: string;
  value: string;
  hint?: string;
  testId: string;
}): ReactElement {
  return (
    <div className="kpi" data-testid={`kpi-${testId}`}>
      <div className="kpi__label">{label}</div>
      <div className="kpi__value">{value}</div>
      {hint && <div className="kpi__hint">{hint}</div>}
    </div>
  );
}

function FilterBar({
  filters,
  dimensions,
  onApply,
}: {
  filters: Filters;
  dimensions: Dimensions | null;
  onApply: (filters: Filters) => void;
}): ReactElement {
  const [draft, setDraft] = useState<Filters>(filters);
  useEffect(() => setDraft(filters), [filters]);
  const set = (key: keyof Filters, value: string): void =>
    setDraft({ ...draft, [key]: value === '' ? undefined : value });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    onApply(draft);
  };
  const select = (
    key: 'businessUnit' | 'warehouse' | 'flowKey',
    label: string,
    options: string[],
  ): ReactElement => (
    <label className="field">
      <span className="field__label">{label}</span>
      <select
        className="input"
        value={draft[key] ?? ''}
        onChange={(e) => set(key, e.target.value)}
        data-testid={`filter-${key}`}
      >
        <option value="">All</option>
        {[...new Set([...options, ...(draft[key] ? [draft[key]] : [])])].map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <form className="card intel-filters" onSubmit={submit} aria-label="Filters">
      <label className="field">
        <span className="field__label">From</span>
        <input
          type="date"
          className="input"
          value={draft.from ?? ''}
          onChange={(e) => set('from', e.target.value)}
          data-testid="filter-from"
        />
      </label>
      <label className="field">
        <span className="field__label">To</span>
        <input
          type="date"
          className="input"
          value={draft.to ?? ''}
          onChange={(e) => set('to', e.target.value)}
          data-testid="filter-to"
        />
      </label>
      {select('businessUnit', 'Business unit', dimensions?.businessUnits ?? [])}
      {select('warehouse', 'Warehouse', dimensions?.warehouses ?? [])}
      {select('flowKey', 'Flow', dimensions?.flowKeys ?? [])}
      <label className="field">
        <span className="field__label">Customer</span>
        <input
          className="input"
          value={draft.customer ?? ''}
          placeholder="customer id"
          onChange={(e) => set('customer', e.target.value)}
          data-testid="filter-customer"
        />
      </label>
      <label className="field">
        <span className="field__label">Trend by</span>
        <select
          className="input"
          value={draft.interval ?? 'day'}
          onChange={(e) => set('interval', e.target.value === 'week' ? 'week' : '')}
          data-testid="filter-interval"
        >
          <option value="day">day</option>
          <option value="week">week</option>
        </select>
      </label>
      <div className="button-row intel-filters__actions">
        <button type="submit" className="btn btn--primary" data-testid="filter-apply">
          Apply
        </button>
        <button type="button" className="btn btn--ghost" onClick={() => onApply({})}>
          Reset
        </button>
      </div>
    </form>
  );
}

function DimensionTable({
  rows,
  name,
}: {
  rows: Report['warehouses'];
  name: string;
}): ReactElement {
  return (
    <div className="intel-table-wrap">
      <table className="table table--compact">
        <thead>
          <tr>
            <th scope="col">{name}</th>
            <th scope="col">Started</th>
            <th scope="col">Finished</th>
            <th scope="col">Exceptions</th>
            <th scope="col">Exception rate</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <th scope="row">{r.name}</th>
              <td>{r.started ?? '–'}</td>
              <td>{r.finished ?? '–'}</td>
              <td>{r.exceptionsOpened}</td>
              <td>{formatPercent(r.exceptionRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function heat(avgMs: number, max: number): string {
  const share = max > 0 ? avgMs / max : 0;
  return `rgb(37 99 235 / ${(0.08 + share * 0.6).toFixed(2)})`;
}

function Dashboard({ report, filters }: { report: Report; filters: Filters }): ReactElement {
  const k = report.kpis;
  const maxNodeAvg = Math.max(0, ...report.nodes.map((n) => n.avgMs));
  return (
    <>
      <section className="kpis" aria-label="Key figures" data-testid="kpis">
        <Tile
          label="Touchless rate"
          value={formatPercent(k.touchlessRate)}
          hint={`${k.completed} completed`}
          testId="touchless"
        />
        <Tile
          label="Exception rate"
          value={formatPercent(k.exceptionRate)}
          hint={`${k.finished} finished`}
          testId="exception-rate"
        />
        <Tile
          label="First-pass accuracy"
          value={formatPercent(k.firstPassRate)}
          testId="first-pass"
        />
        <Tile label="Instances started" value={String(k.started)} testId="started" />
        <Tile
          label="Exceptions opened"
          value={String(k.exceptionsOpened)}
          hint={`${k.exceptionsResolved} resolved`}
          testId="exceptions"
        />
        <Tile label="SLA compliance" value={formatPercent(k.slaCompliance)} testId="sla" />
        <Tile
          label="Backlog"
          value={`${k.openExceptions} open`}
          hint={
            k.backlogDays === null
              ? `${k.runningInstances} running`
              : `${k.backlogDays.toFixed(1)} days · ${k.runningInstances} running`
          }
          testId="backlog"
        />
        <Tile
          label="Shipment → invoice"
          value={`p50 ${formatHours(k.latencyP50Ms)}`}
          hint={`p95 ${formatHours(k.latencyP95Ms)}`}
          testId="latency"
        />
        <Tile label="Time to resolve" value={formatHours(k.avgResolveMs)} testId="resolve" />
      </section>

      <div className="intel-grid">
        <Section title="Exceptions by category" figure="categories" filters={filters}>
          <BarChart
            title="Exceptions by category"
            testId="chart-categories"
            bars={report.categories.map((c) => ({
              label: c.label,
              value: c.opened,
              text: `${c.opened} (${formatPercent(c.rate)} of instances) · SLA ${formatPercent(c.slaCompliance)}`,
            }))}
          />
        </Section>
        <Section title="Exception aging (open now)" figure="aging" filters={filters}>
          <BarChart
            title="Open exceptions by age"
            testId="chart-aging"
            bars={report.aging.map((a) => ({
              label: a.bucket,
              value: a.count,
              text: a.overdue > 0 ? `${a.count} (${a.overdue} overdue)` : String(a.count),
            }))}
          />
        </Section>
        <Section title="By business unit" figure="businessUnits" filters={filters}>
          <BarChart
            title="Exceptions by business unit"
            testId="chart-business-units"
            bars={report.businessUnits.map((d) => ({
              label: d.name,
              value: d.exceptionsOpened,
              text: `${d.exceptionsOpened} · ${formatPercent(d.exceptionRate)}`,
            }))}
          />
          <DimensionTable rows={report.businessUnits} name="Business unit" />
        </Section>
        <Section title="By warehouse" figure="warehouses" filters={filters}>
          <BarChart
            title="Exceptions by warehouse"
            testId="chart-warehouses"
            bars={report.warehouses.map((d) => ({
              label: d.name,
              value: d.exceptionsOpened,
              text: `${d.exceptionsOpened} · ${formatPercent(d.exceptionRate)}`,
            }))}
          />
          <DimensionTable rows={report.warehouses} name="Warehouse" />
        </Section>
        <Section title="Top customers by exceptions" figure="customers" filters={filters}>
          <BarChart
            title="Exceptions by customer"
            testId="chart-customers"
            bars={report.customers.map((d) => ({ label: d.name, value: d.exceptionsOpened }))}
          />
        </Section>
        <Section title="Shipment-to-invoice latency" figure="latency" filters={filters}>
          <p className="muted small">
            {report.latency.count} invoices · p50 {formatHours(report.latency.p50Ms)} · p95{' '}
            {formatHours(report.latency.p95Ms)}
          </p>
          <BarChart
            title="Invoices by shipment-to-invoice latency"
            testId="chart-latency"
            bars={report.latency.buckets
              .filter((b) => b.count > 0)
              .map((b) => ({
                label: b.upToMs === null ? 'longer' : `≤ ${formatHours(b.upToMs)}`,
                value: b.count,
              }))}
          />
        </Section>
      </div>

      <Section title={`Trend by ${report.filters.interval}`} figure="trend" filters={filters}>
        <TrendChart
          title="Trend"
          periods={report.trend.map((t) => t.period)}
          series={[
            { name: 'Started', className: 'series-a', values: report.trend.map((t) => t.started) },
            {
              name: 'Touchless rate',
              className: 'series-b',
              values: report.trend.map((t) => t.touchlessRate),
            },
            {
              name: 'Exceptions opened',
              className: 'series-c',
              values: report.trend.map((t) => t.exceptionsOpened),
            },
          ]}
        />
      </Section>

      <Section title="Time spent per node" figure="nodes" filters={filters}>
        <table className="table table--compact heat" data-testid="node-heat">
          <thead>
            <tr>
              <th scope="col">Flow</th>
              <th scope="col">Node</th>
              <th scope="col">Instances</th>
              <th scope="col">Average</th>
              <th scope="col">Total</th>
            </tr>
          </thead>
          <tbody>
            {report.nodes.slice(0, 40).map((n) => (
              <tr key={`${n.flowKey}/${n.nodeId}`}>
                <td className="mono">{n.flowKey}</td>
                <th scope="row" className="mono">
                  {n.nodeId}
                </th>
                <td>{n.instances}</td>
                <td style={{ background: heat(n.avgMs, maxNodeAvg) }}>{formatHours(n.avgMs)}</td>
                <td>{formatHours(n.totalMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
      <Section title="Key figures" figure="kpis" filters={filters}>
        <p className="muted small">
          {report.filters.from} to {report.filters.to} (UTC)
          {report.rolledUntil ? ` · days before ${report.rolledUntil} from the daily rollup` : ''}
        </p>
      </Section>
    </>
  );
}

export function IntelligencePage({ hash }: { hash: string }): ReactElement {
  const filters = useMemo(() => filtersOfHash(hash), [hash]);
  const [report, setReport] = useState<Report | null>(null);
  const [dimensions, setDimensions] = useState<Dimensions | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    api.intelligence.report
      .query(filters)
      .then((r) => {
        if (!live) return;
        setReport(r);
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [filters, tick]);
  useEffect(() => {
    api.intelligence.dimensions
      .query()
      .then(setDimensions)
      .catch(() => setDimensions(null));
  }, [tick]);
  // New events keep arriving: refresh every 5 seconds while the page is open.
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), 5000);
    return () => clearInterval(timer);
  }, []);
  const apply = useCallback((next: Filters) => {
    window.location.hash = hashOfFilters(next);
  }, []);
  return (
    <div className="page">
      <TopBar crumbs={<span>Process intelligence</span>} />
      <main className="list-page intel" aria-labelledby="intel-title">
        <h1 id="intel-title">Process intelligence</h1>
        <FilterBar filters={filters} dimensions={dimensions} onApply={apply} />
        {error && (
          <div className="banner banner--error" role="alert">
            {error}
          </div>
        )}
        {report === null && !error && <p className="muted">Loading figures…</p>}
        {report && <Dashboard report={report} filters={filters} />}
      </main>
    </div>
  );
}
