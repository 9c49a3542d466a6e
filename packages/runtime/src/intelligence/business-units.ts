/**
 * The business unit a flow serves: set when a template is deployed for a unit, and read by the
 * instance trigger that captures the process intelligence dimensions.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * Records that `flowKey` is deployed for `unit`; later instances of the flow carry it.
 *
 * ```ts
 * await recordBusinessUnit(db, 'pricing-variance-east', 'East');
 * ```
 */
export async function recordBusinessUnit(
  db: Kysely<Database>,
  flowKey: string,
  unit: string,
): Promise<void> {
  await db.updateTable('flows').set({ business_unit: unit }).where('key', '=', flowKey).execute();
}
