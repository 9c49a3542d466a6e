/**
 * Process intelligence: the KPIs finance tracks, read from the runtime's own tables, with a daily
 * rollup for a year of data and CSV export. See docs/intelligence.md.
 *
 * ```ts
 * import { intelligenceReport, figureCsv } from './intelligence/index.ts';
 * const report = await intelligenceReport(db, { from: '2026-11-01', warehouse: 'DAL-1' });
 * const csv = figureCsv(report, 'categories');
 * ```
 * @module
 */
export { figureCsv, intelligenceFigures, type IntelligenceFigure } from './csv.ts';
export { Metric, latencyBucketsMs } from './facts.ts';
export {
  histogramQuantile,
  intelligenceReport,
  type IntelligenceReport,
  type KpiFigures,
} from './figures.ts';
export {
  intelligenceFiltersSchema,
  type IntelligenceFilters,
  type IntelligenceFiltersInput,
} from './filters.ts';
export { refreshRollup, rolledUntil } from './rollup.ts';
export { recordBusinessUnit } from './business-units.ts';
