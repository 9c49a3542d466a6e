/**
 * The daily rollup: closed UTC days are summarised once into `intelligence_daily`, so a year of
 * figures reads a few hundred thousand summary rows instead of millions of instances and audit
 * rows. Days after `rolled_until` are always read live ({@link factsQuery}), so figures are exact
 * up to the last committed transition.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { customerMetrics, factsQuery } from './facts.ts';
import { addDays, utcToday, type ResolvedFilters } from './filters.ts';

/** Arbitrary constant naming the rollup lock: one roller at a time. */
const ROLLUP_LOCK = 727_470;

/** A day is rolled up once it ended this long ago (late commits of its last transitions). */
const SETTLE_MS = 60 * 60 * 1000;

const everything: Omit<ResolvedFilters, 'from' | 'toExclusive'> = {
  businessUnit: null,
  warehouse: null,
  customer: null,
  flowKey: null,
  interval: 'day',
};

/** The first day the rollup does not hold (days before it are rolled up); null before any run. */
export async function rolledUntil(db: Kysely<Database>): Promise<string | null> {
  const row = await db
    .selectFrom('intelligence_rollup_state')
    .select(sql<string>`to_char(rolled_until, 'YYYY-MM-DD')`.as('day'))
    .where('id', '=', 1)
    .executeTakeFirst();
  return row?.day ?? null;
}

export interface RefreshOptions {
  now?: Date;
  /** Most days to roll up in this call (default: all that are due). */
  maxDays?: number;
  /** Called after each day, e.g. for progress output. */
  onDay?: (day: string) => void;
}

/**
 * Rolls up every closed day not rolled up yet, one day per transaction (each day is replaced
 * whole, so a run that stops half-way is simply continued). Returns the new `rolled_until`.
 *
 * ```ts
 * await refreshRollup(db, { maxDays: 7 }); // called before reads; catches up a week at a time
 * ```
 */
export async function refreshRollup(
  db: Kysely<Database>,
  options: RefreshOptions = {},
): Promise<string> {
  const now = options.now ?? new Date();
  const closedUntil = utcToday(new Date(now.getTime() - SETTLE_MS));
  let until = await rolledUntil(db);
  if (until === null) {
    const first = await sql<{ day: string | null }>`
      select to_char(min(created_at) at time zone 'UTC', 'YYYY-MM-DD') as day from instances
    `.execute(db);
    const start = first.rows[0]?.day ?? closedUntil;
    await db
      .insertInto('intelligence_rollup_state')
      .values({ id: 1, rolled_until: start < closedUntil ? start : closedUntil })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    until = (await rolledUntil(db)) ?? closedUntil;
  }
  let rolled = 0;
  while (until < closedUntil && rolled < (options.maxDays ?? Number.POSITIVE_INFINITY)) {
    const day = until;
    const done = await db.transaction().execute(async (trx) => {
      const locked = await sql<{
        ok: boolean;
      }>`select pg_try_advisory_xact_lock(${ROLLUP_LOCK}) as ok`.execute(trx);
      if (!locked.rows[0]?.ok) return false;
      // Another roller may have moved on while this one waited.
      if ((await rolledUntil(trx)) !== day) return true;
      // See withoutJit: compiling the facts query costs far more than running it.
      await sql`set local jit = off`.execute(trx);
      await trx.deleteFrom('intelligence_daily').where('day', '=', day).execute();
      const next = addDays(day, 1);
      const facts = factsQuery({ ...everything, from: day, toExclusive: next }, day, next);
      const perCustomer = sql.join(customerMetrics.map((m) => sql`${m}`));
      await sql`
        insert into intelligence_daily
          (day, flow_key, business_unit, warehouse, customer, metric, key, n, total)
        select f.day::date, f.flow_key, f.business_unit, f.warehouse,
               case when f.metric in (${perCustomer}) then f.customer else '' end,
               f.metric, f.key, sum(f.n), sum(f.total)
          from (${facts}) as f
         where f.n > 0
         group by 1, 2, 3, 4, 5, 6, 7
      `.execute(trx);
      await trx
        .updateTable('intelligence_rollup_state')
        .set({ rolled_until: next, updated_at: new Date() })
        .where('id', '=', 1)
        .execute();
      return true;
    });
    if (!done) break;
    until = (await rolledUntil(db)) ?? until;
    rolled += 1;
    options.onDay?.(day);
  }
  return until;
}
