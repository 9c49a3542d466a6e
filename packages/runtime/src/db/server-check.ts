/**
 * Server settings the runtime depends on, checked when a platform or worker starts on
 * PostgreSQL: what is wrong is logged as a warning with what to do about it.
 * @module
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** The settings read from the server. */
export interface ServerSettings {
  autovacuum: string;
}

/** A setting that will hurt, and what to do about it. */
export interface ServerWarning {
  setting: keyof ServerSettings;
  value: string;
  message: string;
}

/**
 * What is wrong with these settings.
 *
 * ```ts
 * serverWarningsOf({ autovacuum: 'off' }); // [{ setting: 'autovacuum', value: 'off', message: '…' }]
 * ```
 */
export function serverWarningsOf(settings: ServerSettings): ServerWarning[] {
  const warnings: ServerWarning[] = [];
  if (settings.autovacuum !== 'on') {
    warnings.push({
      setting: 'autovacuum',
      value: settings.autovacuum,
      message:
        'autovacuum is off on this PostgreSQL server: the work queues (events, inbox, effects, ' +
        'timers) keep every dead row version and the planner works from stale statistics, so ' +
        'claiming work slows down as they grow. Turn it back on (autovacuum = on, the default), ' +
        'or VACUUM ANALYZE those tables on a schedule.',
    });
  }
  return warnings;
}

/**
 * Reads the settings from the server and returns its warnings.
 *
 * ```ts
 * for (const w of await serverWarnings(db)) logger.warn(w.message, { setting: w.setting, value: w.value });
 * ```
 */
export async function serverWarnings(db: Kysely<Database>): Promise<ServerWarning[]> {
  const { rows } = await sql<ServerSettings>`
    select current_setting('autovacuum') as autovacuum`.execute(db);
  const settings = rows[0];
  return settings ? serverWarningsOf(settings) : [];
}
