/**
 * Small SVG charts for the dashboard: labelled horizontal bars and a trend line. Each chart is an
 * `img` with a text alternative, and every figure it draws is also in a table next to it, so the
 * numbers are readable without the picture.
 */
import type { ReactElement } from 'react';

export interface Bar {
  label: string;
  value: number;
  /** What the value reads as (e.g. `12 · 8 %`); default the value. */
  text?: string;
}

/**
 * Horizontal bars, longest first as given.
 *
 * ```tsx
 * <BarChart title="Exceptions by warehouse" bars={[{ label: 'DAL-1', value: 12 }]} />
 * ```
 */
export function BarChart({
  title,
  bars,
  testId,
}: {
  title: string;
  bars: Bar[];
  testId?: string;
}): ReactElement {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const rowHeight = 22;
  const labelWidth = 150;
  const width = 460;
  const barSpace = width - labelWidth - 70;
  const height = Math.max(rowHeight, bars.length * rowHeight);
  const description = bars.map((b) => `${b.label}: ${b.text ?? b.value}`).join('; ');
  return (
    <svg
      className="chart"
      role="img"
      aria-label={`${title}. ${description || 'No data'}`}
      viewBox={`0 0 ${width} ${height}`}
      width="100%"
      data-testid={testId}
    >
      {bars.length === 0 && (
        <text x={8} y={15} className="chart__empty">
          No data in this range
        </text>
      )}
      {bars.map((b, i) => {
        const y = i * rowHeight;
        const w = Math.max(b.value > 0 ? 2 : 0, (b.value / max) * barSpace);
        return (
          <g key={b.label} className="chart__row">
            <text x={labelWidth - 8} y={y + 15} textAnchor="end" className="chart__label">
              {b.label.length > 22 ? `${b.label.slice(0, 21)}…` : b.label}
            </text>
            <rect
              x={labelWidth}
              y={y + 4}
              width={w}
              height={rowHeight - 8}
              rx={2}
              className="chart__bar"
              data-testid={testId ? `${testId}-bar` : undefined}
            />
            <text x={labelWidth + w + 6} y={y + 15} className="chart__value">
              {b.text ?? b.value}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

export interface TrendSeries {
  name: string;
  className: string;
  values: (number | null)[];
}

/**
 * Lines over periods, each series scaled to its own maximum (the legend names the scale).
 *
 * ```tsx
 * <TrendChart title="Trend" periods={['2026-11-01']} series={[{ name: 'Started', className: 'a', values: [4] }]} />
 * ```
 */
export function TrendChart({
  title,
  periods,
  series,
}: {
  title: string;
  periods: string[];
  series: TrendSeries[];
}): ReactElement {
  const width = 640;
  const height = 180;
  const pad = { left: 8, right: 8, top: 10, bottom: 24 };
  const x = (i: number): number =>
    pad.left +
    (periods.length <= 1 ? 0.5 : i / (periods.length - 1)) * (width - pad.left - pad.right);
  return (
    <figure className="trend">
      <svg
        className="chart"
        role="img"
        aria-label={`${title}: ${periods.length} periods from ${periods[0] ?? '–'} to ${periods.at(-1) ?? '–'}`}
        viewBox={`0 0 ${width} ${height}`}
        width="100%"
        data-testid="trend-chart"
      >
        <line
          x1={pad.left}
          x2={width - pad.right}
          y1={height - pad.bottom}
          y2={height - pad.bottom}
          className="chart__axis"
        />
        {series.map((s) => {
          const max = Math.max(1e-9, ...s.values.map((v) => v ?? 0));
          const y = (v: number): number =>
            height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
          const points = s.values
            .map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`))
            .filter((p): p is string => p !== null);
          return (
            <g key={s.name} className={s.className}>
              <polyline points={points.join(' ')} fill="none" className="chart__line" />
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={periods[i]} cx={x(i)} cy={y(v)} r={2.5} className="chart__dot" />
                ),
              )}
            </g>
          );
        })}
        {periods.length > 0 && (
          <>
            <text x={pad.left} y={height - 6} className="chart__label">
              {periods[0]}
            </text>
            <text x={width - pad.right} y={height - 6} textAnchor="end" className="chart__label">
              {periods.at(-1)}
            </text>
          </>
        )}
      </svg>
      <figcaption className="trend__legend">
        {series.map((s) => (
          <span key={s.name} className={`trend__key ${s.className}`}>
            <span className="trend__swatch" aria-hidden="true" /> {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
