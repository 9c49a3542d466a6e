/**
 * `intelligence.*`: the process intelligence figures for the designer's dashboard (the same as
 * `GET /api/v1/intelligence`), and each figure as CSV.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { figureCsv, intelligenceFigures } from '../../intelligence/csv.ts';
import { intelligenceReport } from '../../intelligence/figures.ts';
import { intelligenceFiltersSchema } from '../../intelligence/filters.ts';
import { requires, router } from '../trpc.ts';

export const intelligenceRouter = router({
  report: requires('instances:read')
    .input(intelligenceFiltersSchema.optional())
    .query(({ ctx, input }) => intelligenceReport(ctx.db, input ?? {})),
  csv: requires('instances:read')
    .input(
      z.object({
        figure: z.enum(intelligenceFigures),
        filters: intelligenceFiltersSchema.optional(),
      }),
    )
    .query(async ({ ctx, input }) => ({
      fileName: `waybill-${input.figure}.csv`,
      csv: figureCsv(await intelligenceReport(ctx.db, input.filters ?? {}), input.figure),
    })),
  /** The values the filters offer: business units, warehouses and flows seen so far. */
  dimensions: requires('instances:read').query(async ({ ctx }) => {
    const values = async (query: ReturnType<typeof sql<{ v: string | null }>>): Promise<string[]> =>
      (await query.execute(ctx.db)).rows.flatMap((r) => (r.v ? [r.v] : []));
    const [businessUnits, warehouses, flowKeys] = await Promise.all([
      values(sql`select business_unit as v from flows union
                 select distinct business_unit from instances
                  where created_at > now() - interval '2 days' order by 1`),
      values(sql`select distinct warehouse as v from intelligence_daily where metric = 'started' union
                 select distinct warehouse from instances
                  where created_at > now() - interval '2 days' order by 1`),
      values(sql`select key as v from flows order by 1`),
    ]);
    return { businessUnits, warehouses, flowKeys };
  }),
});
