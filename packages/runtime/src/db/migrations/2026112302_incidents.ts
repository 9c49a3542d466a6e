/**
 * Incidents (connector calls that failed for good with no `error` edge to take), exception
 * records, task escalation, subflow parents and the bookkeeping the engine's retry policy and
 * version migration need. PG15-compatible SQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

const up = [
  // What the effect runner does once a call fails for good: feed `waybill.effect.failed` to the
  // instance (its node has an `error` edge) or open an incident for an operator.
  `ALTER TABLE effects ADD COLUMN on_failure text NOT NULL DEFAULT 'feed'
     CHECK (on_failure IN ('feed','incident'))`,
  `CREATE TABLE incidents (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    instance_id uuid NOT NULL REFERENCES instances(id),
    node_id text NOT NULL,
    effect_id bigint REFERENCES effects(id),
    effect_key text,
    error jsonb NOT NULL,
    payload jsonb,
    attempts integer NOT NULL DEFAULT 0,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','retried','resolved')),
    resolution jsonb,
    resolved_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX incidents_status ON incidents (status, created_at)`,
  `CREATE INDEX incidents_instance ON incidents (instance_id)`,
  `CREATE UNIQUE INDEX incidents_open_effect ON incidents (effect_id) WHERE status = 'open'`,
  // Timers that are not machine events (task due dates and escalations) carry what they act on.
  `ALTER TABLE timers ADD COLUMN payload jsonb`,
  `ALTER TABLE tasks ADD COLUMN escalated_to text`,
  `ALTER TABLE tasks ADD COLUMN escalated_at timestamptz`,
  `ALTER TABLE tasks ADD COLUMN overdue_at timestamptz`,
  `CREATE TABLE exceptions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    instance_id uuid NOT NULL REFERENCES instances(id),
    node_id text NOT NULL,
    exception_key text NOT NULL,
    category text NOT NULL,
    owner_role text NOT NULL,
    severity text NOT NULL,
    sla_due_at timestamptz,
    task_key text,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','resolved')),
    details jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz,
    UNIQUE (instance_id, exception_key)
  )`,
  `CREATE INDEX exceptions_status ON exceptions (status, category)`,
  // A subflow instance reports its outcome to the node of the parent that started it.
  `ALTER TABLE instances ADD COLUMN parent_instance_id uuid REFERENCES instances(id)`,
  `ALTER TABLE instances ADD COLUMN parent_effect_key text`,
  `CREATE INDEX instances_parent ON instances (parent_instance_id) WHERE parent_instance_id IS NOT NULL`,
];

const down = [
  'DROP INDEX IF EXISTS instances_parent',
  'ALTER TABLE instances DROP COLUMN IF EXISTS parent_effect_key',
  'ALTER TABLE instances DROP COLUMN IF EXISTS parent_instance_id',
  'DROP TABLE IF EXISTS exceptions',
  'ALTER TABLE tasks DROP COLUMN IF EXISTS overdue_at',
  'ALTER TABLE tasks DROP COLUMN IF EXISTS escalated_at',
  'ALTER TABLE tasks DROP COLUMN IF EXISTS escalated_to',
  'ALTER TABLE timers DROP COLUMN IF EXISTS payload',
  'DROP TABLE IF EXISTS incidents',
  'ALTER TABLE effects DROP COLUMN IF EXISTS on_failure',
];

async function runAll(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export const incidents: Migration = {
  up: (db) => runAll(db, up),
  down: (db) => runAll(db, down),
};
