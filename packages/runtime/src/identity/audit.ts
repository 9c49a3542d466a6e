/**
 * Audit rows for identity and authorization: who acted, on what, with the state before and
 * after. The audit log is append-only (a trigger refuses updates and deletes).
 * @module
 */
import type { Kysely } from 'kysely';
import { jsonb, type Database } from '../db/schema.ts';

/** One audited identity or authorization event. */
export interface AuditEntry {
  /** Username of who acted (`system`, or `anonymous` before sign-in). */
  actor: string;
  /** `user.created`, `user.roles.changed`, `auth.signed_in`, `access.denied`, … */
  kind: string;
  /** What it is about: `user:<username>`, `group:<key>`, `trpc:<path>`, `http:<METHOD> <route>`. */
  subject: string;
  before?: unknown;
  after?: unknown;
  /** Anything else worth keeping (reason, permission, ip). */
  details?: Record<string, unknown>;
}

/**
 * Appends one audit row.
 *
 * ```ts
 * await audit(db, { actor: 'root', kind: 'user.roles.changed', subject: 'user:ana', before: ['credit'], after: ['credit', 'finance'] });
 * ```
 */
export async function audit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      instance_id: null,
      kind: entry.kind,
      flow_key: null,
      from_nodes: null,
      to_nodes: null,
      event_type: null,
      details: jsonb({
        subject: entry.subject,
        before: entry.before ?? null,
        after: entry.after ?? null,
        ...entry.details,
      }),
    })
    .execute();
}
