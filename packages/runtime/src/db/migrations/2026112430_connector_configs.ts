/**
 * Connector configs per installed connector (secret fields encrypted at rest, see
 * `connectors/secret-box.ts`), the triggers enabled for each, and triggers' durable state
 * (polling cursors). PG15-compatible SQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

const up = [
  `CREATE TABLE connector_configs (
    connector_id text PRIMARY KEY,
    -- The fields the config schema does not mark secret, as entered.
    settings jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- AES-256-GCM ciphertext of the secret fields (JSON), bound to connector_id; null when none.
    secrets text,
    -- The id of the key that encrypted \`secrets\` (rotation re-encrypts rows under older keys).
    key_id text,
    triggers jsonb NOT NULL DEFAULT '[]'::jsonb,
    updated_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE connector_trigger_state (
    trigger_id text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trigger_id, key)
  )`,
];

const down = [
  'DROP TABLE IF EXISTS connector_trigger_state',
  'DROP TABLE IF EXISTS connector_configs',
];

async function runAll(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) {
    await sql.raw(statement).execute(db);
  }
}

export const connectorConfigs: Migration = {
  up: (db) => runAll(db, up),
  down: (db) => runAll(db, down),
};
