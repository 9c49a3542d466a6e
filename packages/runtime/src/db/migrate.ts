/**
 * Schema migrations, provided in code (no file-system scanning, so the runtime works the same
 * from a checkout, a bundle or a test). Names sort by date; never edit a released migration.
 * @module
 */
import type { Kysely } from 'kysely';
import {
  Migrator,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely/migration';
import { initial } from './migrations/2026112301_initial.ts';
import { incidents } from './migrations/2026112302_incidents.ts';
import { flowKinds } from './migrations/2026112410_flow_kinds.ts';
import { inbox } from './migrations/2026112450_inbox.ts';
import { intelligence } from './migrations/2026112470_intelligence.ts';
import { identity } from './migrations/2026112440_identity.ts';
import { connectorConfigs } from './migrations/2026112430_connector_configs.ts';
import { triage } from './migrations/2026112460_triage.ts';
import { hotLookups } from './migrations/2026112480_hot_lookups.ts';
import type { Database } from './schema.ts';

const migrations: Record<string, Migration> = {
  '2026112301_initial': initial,
  '2026112302_incidents': incidents,
  '2026112410_flow_kinds': flowKinds,
  '2026112450_inbox': inbox,
  '2026112470_intelligence': intelligence,
  '2026112440_identity': identity,
  '2026112430_connector_configs': connectorConfigs,
  '2026112460_triage': triage,
  '2026112480_hot_lookups': hotLookups,
};

const provider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

/** A migration failed; `cause` is the database error, `migration` the one that failed. */
export class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED';
  readonly migration: string | null;
  constructor(migration: string | null, cause: unknown) {
    super(
      `migration ${migration ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = 'MigrationError';
    this.migration = migration;
  }
}

/**
 * Brings the database schema to the latest version. Safe to call on every start.
 *
 * ```ts
 * const { db } = await connect({});
 * const applied = await migrateToLatest(db); // ['2026112301_initial'] on a fresh database
 * ```
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  // Migrations are named by area, not strictly by date: one added later may sort earlier.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error !== undefined) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new MigrationError(failed?.migrationName ?? null, result.error);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
