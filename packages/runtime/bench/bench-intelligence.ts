/**
 * Process intelligence benchmark: times each question the dashboard and the API ask against the
 * database at `DATABASE_URL` (seed one with `seed-intelligence.ts`), p50/p95 over repeats, and
 * prints a Markdown table, then one JSON object.
 *
 * ```sh
 * DATABASE_URL=postgres://postgres@127.0.0.1:5432/waybill_intelligence pnpm bench:intelligence -- --repeats 9
 * ```
 * @module
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { connect } from '../src/db/connect.ts';
import { figureCsv } from '../src/intelligence/csv.ts';
import { intelligenceReport } from '../src/intelligence/figures.ts';
import { addDays, utcToday, type IntelligenceFiltersInput } from '../src/intelligence/filters.ts';

const { values } = parseArgs({
  // `pnpm <script> -- --flag` passes the `--` through.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: { repeats: { type: 'string', default: '7' } },
});
const repeats = Number(values.repeats);
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl || !Number.isInteger(repeats) || repeats < 1) {
  process.stderr.write('Set DATABASE_URL (a seeded database); --repeats must be a whole number.\n');
  process.exit(1);
}

const connection = await connect({ databaseUrl, poolSize: 4 });
const db = connection.db;
const counts = await sql<{ instances: string; audit: string; tasks: string; rollup: string }>`
  select (select count(*) from instances) as instances, (select count(*) from audit_log) as audit,
         (select count(*) from tasks) as tasks, (select count(*) from intelligence_daily) as rollup
`.execute(db);
const sample = await sql<{ business_unit: string; warehouse: string; customer: string }>`
  select business_unit, warehouse, customer from instances
   where customer is not null order by created_at desc limit 1
`.execute(db);
const dims = sample.rows[0];
const today = utcToday();

const questions: { name: string; filters: IntelligenceFiltersInput; csv?: boolean }[] = [
  { name: 'last 30 days (default)', filters: {} },
  { name: 'last 365 days, by week', filters: { from: addDays(today, -364), interval: 'week' } },
  {
    name: 'last 365 days, one business unit',
    filters: { from: addDays(today, -364), businessUnit: dims?.business_unit ?? 'east' },
  },
  {
    name: 'last 365 days, one warehouse',
    filters: { from: addDays(today, -364), warehouse: dims?.warehouse ?? 'DAL-1' },
  },
  {
    name: 'last 365 days, one customer (live)',
    filters: { from: addDays(today, -364), customer: dims?.customer ?? 'C-0001' },
  },
  { name: 'last 90 days, CSV of categories', filters: { from: addDays(today, -89) }, csv: true },
];

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

const results: { question: string; p50Ms: number; p95Ms: number; instancesCounted: number }[] = [];
for (const q of questions) {
  const times: number[] = [];
  let counted = 0;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    const report = await intelligenceReport(db, q.filters);
    if (q.csv) figureCsv(report, 'categories');
    times.push(performance.now() - t0);
    counted = report.kpis.started;
  }
  times.sort((a, b) => a - b);
  results.push({
    question: q.name,
    p50Ms: Math.round(percentile(times, 0.5)),
    p95Ms: Math.round(percentile(times, 0.95)),
    instancesCounted: counted,
  });
  process.stdout.write(`${q.name}: p50 ${results.at(-1)?.p50Ms} ms\n`);
}

const c = counts.rows[0];
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')}`;
process.stdout.write(
  `\n${Number(c?.instances ?? 0).toLocaleString('en-US')} instances, ${Number(c?.audit ?? 0).toLocaleString('en-US')} audit rows, ${Number(c?.tasks ?? 0).toLocaleString('en-US')} tasks, ${Number(c?.rollup ?? 0).toLocaleString('en-US')} rollup rows; ${repeats} repeats; ${machine}\n\n`,
);
process.stdout.write(
  '| question | p50 ms | p95 ms | instances started in range |\n|---|---:|---:|---:|\n',
);
for (const r of results)
  process.stdout.write(
    `| ${r.question} | ${r.p50Ms} | ${r.p95Ms} | ${r.instancesCounted.toLocaleString('en-US')} |\n`,
  );
process.stdout.write(
  `${JSON.stringify({ instances: Number(c?.instances ?? 0), repeats, machine, results })}\n`,
);
await connection.close();
