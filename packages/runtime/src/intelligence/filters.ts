/**
 * What a process intelligence question is asked over: a date range (UTC days, `to` inclusive)
 * and optional dimension filters. The same schema checks the HTTP query and the tRPC input.
 * @module
 */
import { z } from 'zod';

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)), 'is not a calendar date');

const dimension = z.string().trim().min(1).max(200).optional();

/**
 * Filters of every figure. Without `from`/`to` the last 30 days up to today are read.
 *
 * ```ts
 * intelligenceFiltersSchema.parse({ from: '2026-11-01', to: '2026-11-24', warehouse: 'DAL-1' });
 * ```
 */
export const intelligenceFiltersSchema = z
  .object({
    from: day.optional(),
    to: day.optional(),
    businessUnit: dimension,
    warehouse: dimension,
    customer: dimension,
    flowKey: dimension,
    /** How trends are grouped. */
    interval: z.enum(['day', 'week']).default('day'),
  })
  .strict()
  .refine((f) => !f.from || !f.to || f.from <= f.to, {
    message: 'from must not be after to',
    path: ['from'],
  });

export type IntelligenceFiltersInput = z.input<typeof intelligenceFiltersSchema>;
export type IntelligenceFilters = z.output<typeof intelligenceFiltersSchema>;

/** A resolved filter: a half-open range of UTC days `[from, toExclusive)`. */
export interface ResolvedFilters {
  from: string;
  toExclusive: string;
  businessUnit: string | null;
  warehouse: string | null;
  customer: string | null;
  flowKey: string | null;
  interval: 'day' | 'week';
}

/** Adds `days` to a `YYYY-MM-DD` date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Today's UTC date. */
export function utcToday(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Fills in the default range (the last 30 days, today included). */
export function resolveFilters(
  filters: IntelligenceFilters,
  now: Date = new Date(),
): ResolvedFilters {
  const to = filters.to ?? utcToday(now);
  const from = filters.from ?? addDays(to, -29);
  return {
    from,
    toExclusive: addDays(to, 1),
    businessUnit: filters.businessUnit ?? null,
    warehouse: filters.warehouse ?? null,
    customer: filters.customer ?? null,
    flowKey: filters.flowKey ?? null,
    interval: filters.interval,
  };
}
