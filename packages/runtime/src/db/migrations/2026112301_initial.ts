/**
 * The initial schema: flows and their immutable versions, instances, the event log, each
 * instance's inbox, the effect outbox, timers, tasks, the audit log and API keys.
 * PG15-compatible SQL (PGlite embeds a newer Postgres; tests also run on PG 15).
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

const up = [
  `CREATE TABLE flows (
    key text PRIMARY KEY,
    name text NOT NULL,
    description text,
    draft jsonb,
    draft_updated_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE flow_versions (
    key text NOT NULL REFERENCES flows(key),
    version integer NOT NULL,
    definition jsonb NOT NULL,
    checksum text NOT NULL,
    note text,
    published_by text NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key, version)
  )`,
  // Published versions are immutable: refuse updates at the database level too.
  `CREATE FUNCTION waybill_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN RAISE EXCEPTION '% rows are immutable', TG_TABLE_NAME; END $$`,
  `CREATE TRIGGER flow_versions_immutable BEFORE UPDATE ON flow_versions
   FOR EACH ROW EXECUTE FUNCTION waybill_refuse_update()`,
  `CREATE TABLE instances (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    flow_key text NOT NULL,
    flow_version integer NOT NULL,
    correlation_key text NOT NULL,
    status text NOT NULL CHECK (status IN ('running','completed','failed','cancelled')),
    snapshot jsonb NOT NULL,
    current_nodes jsonb NOT NULL DEFAULT '[]',
    context jsonb NOT NULL DEFAULT '{}',
    outcome text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    FOREIGN KEY (flow_key, flow_version) REFERENCES flow_versions(key, version)
  )`,
  `CREATE INDEX instances_correlation_key ON instances (correlation_key)`,
  `CREATE INDEX instances_flow_status ON instances (flow_key, status)`,
  `CREATE INDEX instances_created_at ON instances (created_at DESC)`,
  `CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    key_hash text NOT NULL UNIQUE,
    prefix text NOT NULL,
    scopes jsonb NOT NULL DEFAULT '["events:write","instances:read"]',
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
  )`,
  `CREATE TABLE events (
    id uuid PRIMARY KEY,
    seq bigserial NOT NULL UNIQUE,
    idempotency_key text NOT NULL UNIQUE,
    request_hash text NOT NULL,
    type text NOT NULL,
    correlation_key text NOT NULL,
    payload jsonb NOT NULL,
    occurred_at timestamptz,
    received_at timestamptz NOT NULL DEFAULT now(),
    api_key_id uuid REFERENCES api_keys(id),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','routed','parked')),
    routed_at timestamptz
  )`,
  `CREATE INDEX events_pending ON events (seq) WHERE status = 'pending'`,
  `CREATE INDEX events_parked ON events (correlation_key, seq) WHERE status = 'parked'`,
  `CREATE INDEX events_correlation_key ON events (correlation_key)`,
  `CREATE TABLE inbox (
    id bigserial PRIMARY KEY,
    instance_id uuid NOT NULL REFERENCES instances(id),
    kind text NOT NULL CHECK (kind IN ('event','effect','timer','task')),
    body jsonb NOT NULL,
    event_id uuid REFERENCES events(id),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','done','deferred')),
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX inbox_open ON inbox (instance_id, id) WHERE status <> 'done'`,
  `CREATE INDEX inbox_pending ON inbox (instance_id) WHERE status = 'pending'`,
  `CREATE TABLE effects (
    id bigserial PRIMARY KEY,
    instance_id uuid NOT NULL REFERENCES instances(id),
    node_id text NOT NULL,
    effect_key text NOT NULL,
    idempotency_key text NOT NULL UNIQUE,
    connector text NOT NULL,
    connector_version integer NOT NULL,
    operation text NOT NULL,
    input jsonb NOT NULL,
    retry jsonb,
    timeout_ms integer,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','running','succeeded','failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_run_at timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    last_error jsonb,
    result jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX effects_due ON effects (next_run_at) WHERE status = 'pending'`,
  `CREATE INDEX effects_leased ON effects (lease_until) WHERE status = 'running'`,
  `CREATE INDEX effects_instance ON effects (instance_id)`,
  `CREATE TABLE timers (
    id bigserial PRIMARY KEY,
    instance_id uuid NOT NULL REFERENCES instances(id),
    timer_key text NOT NULL,
    node_id text NOT NULL,
    purpose text NOT NULL,
    due_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','fired','cancelled')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (instance_id, timer_key)
  )`,
  `CREATE INDEX timers_due ON timers (due_at) WHERE status = 'scheduled'`,
  `CREATE TABLE tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    instance_id uuid NOT NULL REFERENCES instances(id),
    node_id text NOT NULL,
    task_key text NOT NULL,
    title text NOT NULL,
    instructions text,
    candidate_roles jsonb NOT NULL,
    form jsonb NOT NULL,
    outcomes jsonb NOT NULL,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','completed','cancelled')),
    due_at timestamptz,
    outcome text,
    data jsonb,
    completed_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    UNIQUE (instance_id, task_key)
  )`,
  `CREATE INDEX tasks_status ON tasks (status, created_at)`,
  `CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    actor text NOT NULL,
    instance_id uuid,
    kind text NOT NULL,
    flow_key text,
    from_nodes jsonb,
    to_nodes jsonb,
    event_type text,
    details jsonb
  )`,
  `CREATE INDEX audit_log_instance ON audit_log (instance_id, id)`,
  `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
   FOR EACH ROW EXECUTE FUNCTION waybill_refuse_update()`,
];

const down = [
  'DROP TABLE IF EXISTS audit_log',
  'DROP TABLE IF EXISTS tasks',
  'DROP TABLE IF EXISTS timers',
  'DROP TABLE IF EXISTS effects',
  'DROP TABLE IF EXISTS inbox',
  'DROP TABLE IF EXISTS events',
  'DROP TABLE IF EXISTS api_keys',
  'DROP TABLE IF EXISTS instances',
  'DROP TABLE IF EXISTS flow_versions',
  'DROP TABLE IF EXISTS flows',
  'DROP FUNCTION IF EXISTS waybill_refuse_update()',
];

async function runAll(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export const initial: Migration = {
  up: (db) => runAll(db, up),
  down: (db) => runAll(db, down),
};
