/**
 * Exception nodes that do not hold up their flow, and at most one child instance per subflow
 * visit of a parent. PG15-compatible SQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

const up = [
  // False when the flow went on at once: completing the owner's task resolves the exception
  // without sending anything to the instance.
  `ALTER TABLE exceptions ADD COLUMN blocking boolean NOT NULL DEFAULT true`,
  `CREATE UNIQUE INDEX instances_parent_effect ON instances (parent_instance_id, parent_effect_key)
    WHERE parent_instance_id IS NOT NULL`,
];

const down = [
  'DROP INDEX IF EXISTS instances_parent_effect',
  'ALTER TABLE exceptions DROP COLUMN IF EXISTS blocking',
];

async function runAll(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const flowKinds: Migration = {
  up: (db) => runAll(db, up),
  down: (db) => runAll(db, down),
};
