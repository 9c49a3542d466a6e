/**
 * The approvers' inbox: who claimed a task and whom it is assigned to, the facets the inbox
 * filters and sorts on (kept on the task by triggers, so filtering and paging use indexes instead
 * of reading instance contexts), comments and attachments. PG15-compatible SQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Facets of a task, read from its instance: the customer and warehouse (the first context
 * variable that carries `customerId` / `warehouse`), the amount at stake (`amount`, `total` or
 * `totalAmount` of a variable, else the order's lines), the exception's category and severity
 * (else an AI classification's category, else the flow key), the business unit (the unit a
 * template was deployed for: `Name (unit)`), and a priority from the severity. A facet that
 * cannot be read stays null: computing facets never fails the engine's transaction.
 */
const facetsFunction = `CREATE FUNCTION waybill_task_facets() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ctx jsonb;
  flow_key text;
  flow_name text;
  exc_category text;
  exc_severity text;
BEGIN
  BEGIN
    SELECT i.context, i.flow_key, f.name INTO ctx, flow_key, flow_name
      FROM instances i LEFT JOIN flows f ON f.key = i.flow_key
      WHERE i.id = NEW.instance_id;
    ctx := coalesce(ctx, '{}'::jsonb);
    SELECT e.category, e.severity INTO exc_category, exc_severity
      FROM exceptions e
      WHERE e.instance_id = NEW.instance_id AND (e.task_key IS NULL OR e.task_key = NEW.task_key)
      ORDER BY e.created_at DESC LIMIT 1;
    NEW.customer_id := (SELECT v ->> 'customerId' FROM jsonb_each(ctx) AS t(k, v)
      WHERE jsonb_typeof(v) = 'object' AND jsonb_typeof(v -> 'customerId') = 'string'
      ORDER BY k LIMIT 1);
    NEW.warehouse := (SELECT v ->> 'warehouse' FROM jsonb_each(ctx) AS t(k, v)
      WHERE jsonb_typeof(v) = 'object' AND jsonb_typeof(v -> 'warehouse') = 'string'
      ORDER BY k LIMIT 1);
    NEW.amount := coalesce(
      (SELECT (coalesce(
          CASE WHEN jsonb_typeof(v -> 'amount') = 'number' THEN v -> 'amount' END,
          CASE WHEN jsonb_typeof(v -> 'total') = 'number' THEN v -> 'total' END,
          CASE WHEN jsonb_typeof(v -> 'totalAmount') = 'number' THEN v -> 'totalAmount' END
        ) #>> '{}')::numeric
        FROM jsonb_each(ctx) AS t(k, v)
        WHERE jsonb_typeof(v) = 'object' AND (jsonb_typeof(v -> 'amount') = 'number'
          OR jsonb_typeof(v -> 'total') = 'number' OR jsonb_typeof(v -> 'totalAmount') = 'number')
        ORDER BY k LIMIT 1),
      (SELECT sum((l ->> 'quantity')::numeric * (l ->> 'unitPrice')::numeric)
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(ctx #> '{order,lines}') = 'array'
          THEN ctx #> '{order,lines}' ELSE '[]'::jsonb END) AS l
        WHERE jsonb_typeof(l -> 'quantity') = 'number' AND jsonb_typeof(l -> 'unitPrice') = 'number'));
    NEW.severity := exc_severity;
    NEW.category := coalesce(exc_category,
      (SELECT v ->> 'category' FROM jsonb_each(ctx) AS t(k, v)
        WHERE jsonb_typeof(v) = 'object' AND jsonb_typeof(v -> 'category') = 'string'
          AND jsonb_typeof(v -> 'confidence') = 'number'
        ORDER BY k LIMIT 1),
      flow_key);
    NEW.business_unit := substring(flow_name from '\\(([^()]+)\\)\\s*$');
    NEW.priority := CASE exc_severity WHEN 'critical' THEN 1 WHEN 'high' THEN 2
      WHEN 'low' THEN 4 ELSE 3 END;
  EXCEPTION WHEN others THEN
    RETURN NEW;
  END;
  RETURN NEW;
END $$`;

const up = [
  `ALTER TABLE tasks ADD COLUMN claimed_by text`,
  `ALTER TABLE tasks ADD COLUMN claimed_at timestamptz`,
  // A user the task was delegated or reassigned to (besides its candidate groups).
  `ALTER TABLE tasks ADD COLUMN assignee text`,
  `ALTER TABLE tasks ADD COLUMN priority smallint NOT NULL DEFAULT 3`,
  `ALTER TABLE tasks ADD COLUMN category text`,
  `ALTER TABLE tasks ADD COLUMN severity text`,
  `ALTER TABLE tasks ADD COLUMN customer_id text`,
  `ALTER TABLE tasks ADD COLUMN warehouse text`,
  `ALTER TABLE tasks ADD COLUMN business_unit text`,
  `ALTER TABLE tasks ADD COLUMN amount numeric`,
  facetsFunction,
  `CREATE TRIGGER tasks_facets BEFORE INSERT OR UPDATE ON tasks
   FOR EACH ROW EXECUTE FUNCTION waybill_task_facets()`,
  // When the instance's context or exceptions change, its open tasks' facets follow.
  `CREATE FUNCTION waybill_touch_instance_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE tasks SET priority = priority WHERE instance_id = NEW.id AND status = 'open';
     RETURN NULL;
   END $$`,
  `CREATE FUNCTION waybill_touch_exception_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     UPDATE tasks SET priority = priority WHERE instance_id = NEW.instance_id AND status = 'open';
     RETURN NULL;
   END $$`,
  `CREATE TRIGGER instances_task_facets AFTER UPDATE OF context ON instances
   FOR EACH ROW WHEN (OLD.context IS DISTINCT FROM NEW.context)
   EXECUTE FUNCTION waybill_touch_instance_tasks()`,
  `CREATE TRIGGER exceptions_task_facets AFTER INSERT OR UPDATE ON exceptions
   FOR EACH ROW EXECUTE FUNCTION waybill_touch_exception_tasks()`,
  // The inbox pages through open tasks by (priority, due) or (due, priority), keyset-style.
  `CREATE INDEX tasks_open_by_priority ON tasks
   (priority, (coalesce(due_at, 'infinity'::timestamptz)), id) WHERE status = 'open'`,
  `CREATE INDEX tasks_open_by_due ON tasks
   ((coalesce(due_at, 'infinity'::timestamptz)), priority, id) WHERE status = 'open'`,
  `CREATE INDEX tasks_candidates ON tasks USING gin (candidate_roles)`,
  `CREATE INDEX tasks_claimed_by ON tasks (claimed_by) WHERE status = 'open'`,
  `CREATE INDEX tasks_assignee ON tasks (assignee) WHERE status = 'open'`,
  `CREATE INDEX tasks_customer ON tasks (customer_id) WHERE status = 'open'`,
  `CREATE INDEX tasks_category ON tasks (category) WHERE status = 'open'`,
  `CREATE TABLE task_comments (
    id bigserial PRIMARY KEY,
    task_id uuid NOT NULL REFERENCES tasks(id),
    author text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX task_comments_task ON task_comments (task_id, id)`,
  `CREATE TABLE task_attachments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    task_id uuid NOT NULL REFERENCES tasks(id),
    file_name text NOT NULL,
    content_type text NOT NULL,
    size_bytes integer NOT NULL,
    sha256 text NOT NULL,
    content bytea NOT NULL,
    uploaded_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX task_attachments_task ON task_attachments (task_id, created_at)`,
];

const down = [
  'DROP TABLE IF EXISTS task_attachments',
  'DROP TABLE IF EXISTS task_comments',
  'DROP TRIGGER IF EXISTS exceptions_task_facets ON exceptions',
  'DROP TRIGGER IF EXISTS instances_task_facets ON instances',
  'DROP TRIGGER IF EXISTS tasks_facets ON tasks',
  'DROP FUNCTION IF EXISTS waybill_touch_instance_tasks()',
  'DROP FUNCTION IF EXISTS waybill_touch_exception_tasks()',
  'DROP FUNCTION IF EXISTS waybill_task_facets()',
  'DROP INDEX IF EXISTS tasks_open_by_priority',
  'DROP INDEX IF EXISTS tasks_open_by_due',
  'DROP INDEX IF EXISTS tasks_candidates',
  'DROP INDEX IF EXISTS tasks_claimed_by',
  'DROP INDEX IF EXISTS tasks_assignee',
  'DROP INDEX IF EXISTS tasks_customer',
  'DROP INDEX IF EXISTS tasks_category',
  ...[
    'claimed_by',
    'claimed_at',
    'assignee',
    'priority',
    'category',
    'severity',
    'customer_id',
    'warehouse',
    'business_unit',
    'amount',
  ].map((column) => `ALTER TABLE tasks DROP COLUMN IF EXISTS ${column}`),
];

async function runAll(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const inbox: Migration = {
  up: (db) => runAll(db, up),
  down: (db) => runAll(db, down),
};
