/**
 * Identity (users, their roles, groups and membership, sign-in sessions), task SLA bookkeeping
 * (reminder sent, breach, escalation level) and the notification outbox. PG15-compatible SQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

const up = [
  `CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    username text NOT NULL UNIQUE CHECK (username = lower(username)),
    display_name text NOT NULL,
    email text,
    password_hash text,
    manager_id uuid REFERENCES users(id),
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    disabled_at timestamptz,
    last_sign_in_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role text NOT NULL,
    PRIMARY KEY (user_id, role)
  )`,
  // A group is a work queue: a task's candidate roles name the groups that may work it.
  `CREATE TABLE groups (
    key text PRIMARY KEY,
    name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE group_members (
    group_key text NOT NULL REFERENCES groups(key) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_key, user_id)
  )`,
  `CREATE INDEX group_members_user ON group_members (user_id)`,
  // Only the sha256 of a session id is stored: a leaked table signs nobody in.
  `CREATE TABLE sessions (
    id_hash text PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    ip text,
    user_agent text
  )`,
  `CREATE INDEX sessions_user ON sessions (user_id)`,
  `ALTER TABLE tasks ADD COLUMN reminded_at timestamptz`,
  `ALTER TABLE tasks ADD COLUMN breached_at timestamptz`,
  `ALTER TABLE tasks ADD COLUMN escalation_level integer NOT NULL DEFAULT 0`,
  `CREATE TABLE notifications (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    channel text NOT NULL,
    recipient text NOT NULL,
    task_id uuid REFERENCES tasks(id),
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sent','failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_run_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    UNIQUE (kind, channel, recipient, task_id)
  )`,
  `CREATE INDEX notifications_due ON notifications (next_run_at) WHERE status = 'pending'`,
];

const down = [
  'DROP TABLE IF EXISTS notifications',
  'ALTER TABLE tasks DROP COLUMN IF EXISTS escalation_level',
  'ALTER TABLE tasks DROP COLUMN IF EXISTS breached_at',
  'ALTER TABLE tasks DROP COLUMN IF EXISTS reminded_at',
  'DROP TABLE IF EXISTS sessions',
  'DROP TABLE IF EXISTS group_members',
  'DROP TABLE IF EXISTS groups',
  'DROP TABLE IF EXISTS user_roles',
  'DROP TABLE IF EXISTS users',
];

async function runAll(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const identity: Migration = {
  up: (db) => runAll(db, up),
  down: (db) => runAll(db, down),
};
