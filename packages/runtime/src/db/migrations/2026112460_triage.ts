/**
 * AI-assisted triage: versioned classifier models (at most one active) and the labelled
 * examples they are trained on (resolved exceptions, people's decisions at classify steps,
 * imported sets). PG15-compatible SQL.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

const up = [
  `CREATE TABLE triage_models (
    version integer PRIMARY KEY,
    model_version text NOT NULL UNIQUE,
    model jsonb NOT NULL,
    categories jsonb NOT NULL,
    evaluation jsonb,
    trained_on integer NOT NULL,
    calibrated_on integer NOT NULL,
    trained_by text NOT NULL,
    active boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE UNIQUE INDEX triage_models_one_active ON triage_models (active) WHERE active`,
  `CREATE TABLE triage_examples (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    text text NOT NULL,
    features jsonb NOT NULL DEFAULT '{}'::jsonb,
    category text NOT NULL,
    source text NOT NULL CHECK (source IN ('review','exception','import')),
    source_ref text UNIQUE,
    decided_by text,
    instance_id uuid,
    predicted_category text,
    predicted_confidence double precision,
    model_version text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX triage_examples_created ON triage_examples (created_at)`,
];

const down = ['DROP TABLE IF EXISTS triage_examples', 'DROP TABLE IF EXISTS triage_models'];

async function runAll(db: Kysely<unknown>, statements: string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

export const triage: Migration = {
  up: (db) => runAll(db, up),
  down: (db) => runAll(db, down),
};
