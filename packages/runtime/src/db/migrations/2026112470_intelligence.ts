/**
 * Process intelligence: the business dimensions of an instance (business unit, warehouse,
 * customer), the business unit a flow was deployed for, indexes the figures read by, and the daily
 * rollup that keeps a year of data fast (see docs/intelligence.md). PG15-compatible SQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

const up = [
  `ALTER TABLE flows ADD COLUMN business_unit text`,
  `ALTER TABLE instances ADD COLUMN business_unit text`,
  `ALTER TABLE instances ADD COLUMN warehouse text`,
  `ALTER TABLE instances ADD COLUMN customer text`,
  // Dimensions are captured from the data the instance already holds: the business unit its flow
  // was deployed for (or a businessUnit field of its payload), and the first customerId / warehouse
  // found in a top-level context variable (the trigger payload, then events as they arrive). A
  // dimension, once known, is never changed.
  `CREATE FUNCTION waybill_instance_dimensions() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF NEW.business_unit IS NULL THEN
       SELECT business_unit INTO NEW.business_unit FROM flows WHERE key = NEW.flow_key;
     END IF;
     IF NEW.business_unit IS NULL OR NEW.warehouse IS NULL OR NEW.customer IS NULL THEN
       IF jsonb_typeof(NEW.context) = 'object' THEN
         IF NEW.business_unit IS NULL THEN
           SELECT v.value->>'businessUnit' INTO NEW.business_unit FROM jsonb_each(NEW.context) v
            WHERE jsonb_typeof(v.value) = 'object' AND v.value ? 'businessUnit' LIMIT 1;
         END IF;
         IF NEW.warehouse IS NULL THEN
           SELECT v.value->>'warehouse' INTO NEW.warehouse FROM jsonb_each(NEW.context) v
            WHERE jsonb_typeof(v.value) = 'object' AND jsonb_typeof(v.value->'warehouse') = 'string'
            LIMIT 1;
         END IF;
         IF NEW.customer IS NULL THEN
           SELECT v.value->>'customerId' INTO NEW.customer FROM jsonb_each(NEW.context) v
            WHERE jsonb_typeof(v.value) = 'object' AND jsonb_typeof(v.value->'customerId') = 'string'
            LIMIT 1;
         END IF;
       END IF;
     END IF;
     RETURN NEW;
   END $$`,
  `CREATE TRIGGER instances_dimensions BEFORE INSERT ON instances
   FOR EACH ROW EXECUTE FUNCTION waybill_instance_dimensions()`,
  // A transition only pays for this while a dimension is still unknown and the context changed.
  `CREATE TRIGGER instances_dimensions_update BEFORE UPDATE ON instances
   FOR EACH ROW WHEN ((NEW.warehouse IS NULL OR NEW.customer IS NULL)
     AND NEW.context IS DISTINCT FROM OLD.context)
   EXECUTE FUNCTION waybill_instance_dimensions()`,
  `CREATE INDEX instances_completed_at ON instances (completed_at) WHERE completed_at IS NOT NULL`,
  `CREATE INDEX instances_running ON instances (created_at) WHERE status = 'running'`,
  `CREATE INDEX instances_customer_created ON instances (customer, created_at)`,
  `CREATE INDEX instances_customer_completed ON instances (customer, completed_at)
     WHERE completed_at IS NOT NULL`,
  `CREATE INDEX exceptions_created_at ON exceptions (created_at)`,
  `CREATE INDEX exceptions_resolved_at ON exceptions (resolved_at) WHERE resolved_at IS NOT NULL`,
  `CREATE INDEX exceptions_instance ON exceptions (instance_id)`,
  `CREATE INDEX tasks_created_at ON tasks (created_at)`,
  `CREATE INDEX tasks_completed_at ON tasks (completed_at) WHERE completed_at IS NOT NULL`,
  `CREATE INDEX tasks_open ON tasks (created_at) WHERE status = 'open'`,
  `CREATE INDEX exceptions_open ON exceptions (created_at) WHERE status = 'open'`,
  `CREATE INDEX incidents_instance_any ON incidents (instance_id, created_at)`,
  `CREATE INDEX events_shipments ON events (correlation_key, received_at)
     WHERE type = 'shipment.confirmed'`,
  // One row per day, flow, dimension combination, metric and key (a category, a node id, a
  // latency bucket). Instance metrics are kept with customer '' (per-customer figures of instances
  // are read from the indexed instances instead); exception metrics keep the customer.
  `CREATE TABLE intelligence_daily (
    day date NOT NULL,
    flow_key text NOT NULL,
    business_unit text NOT NULL,
    warehouse text NOT NULL,
    customer text NOT NULL,
    metric text NOT NULL,
    key text NOT NULL,
    n bigint NOT NULL,
    total double precision NOT NULL,
    PRIMARY KEY (day, metric, flow_key, business_unit, warehouse, customer, key)
  )`,
  `CREATE INDEX intelligence_daily_metric_day ON intelligence_daily (metric, day)`,
  // The rollup holds every day before rolled_until; later days are read from the live tables.
  `CREATE TABLE intelligence_rollup_state (
    id integer PRIMARY KEY CHECK (id = 1),
    rolled_until date NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
];

const down = [
  'DROP TABLE IF EXISTS intelligence_rollup_state',
  'DROP TABLE IF EXISTS intelligence_daily',
  'DROP INDEX IF EXISTS events_shipments',
  'DROP INDEX IF EXISTS incidents_instance_any',
  'DROP INDEX IF EXISTS exceptions_open',
  'DROP INDEX IF EXISTS tasks_open',
  'DROP INDEX IF EXISTS tasks_completed_at',
  'DROP INDEX IF EXISTS tasks_created_at',
  'DROP INDEX IF EXISTS exceptions_instance',
  'DROP INDEX IF EXISTS exceptions_resolved_at',
  'DROP INDEX IF EXISTS exceptions_created_at',
  'DROP INDEX IF EXISTS instances_customer_completed',
  'DROP INDEX IF EXISTS instances_customer_created',
  'DROP INDEX IF EXISTS instances_completed_at',
  'DROP INDEX IF EXISTS instances_running',
  'DROP TRIGGER IF EXISTS instances_dimensions_update ON instances',
  'DROP TRIGGER IF EXISTS instances_dimensions ON instances',
  'DROP FUNCTION IF EXISTS waybill_instance_dimensions()',
  'ALTER TABLE instances DROP COLUMN IF EXISTS customer',
  'ALTER TABLE instances DROP COLUMN IF EXISTS warehouse',
  'ALTER TABLE instances DROP COLUMN IF EXISTS business_unit',
  'ALTER TABLE flows DROP COLUMN IF EXISTS business_unit',
];

async function runAll(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export const intelligence: Migration = {
  up: (db) => runAll(db, up),
  down: (db) => runAll(db, down),
};
