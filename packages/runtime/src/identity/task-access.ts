/**
 * Which tasks a user may see and act on: those whose candidate roles name one of the user's
 * groups. Holders of `tasks:manage` (process owners, administrators) see every task.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { isUuid } from '../engine/queries.ts';
import { RuntimeError } from '../engine/runtime.error.ts';
import { IdentityError } from './identity.error.ts';
import type { Principal } from './users.ts';

/**
 * The groups whose tasks the user sees, or null for every group (`tasks:manage`).
 *
 * ```ts
 * const groups = taskGroupsOf(principal); // ['credit'] for a credit approver
 * ```
 */
export function taskGroupsOf(principal: Principal): string[] | null {
  return principal.permissions.has('tasks:manage') ? null : [...principal.groups];
}

/** Whether a task with these candidate roles is in the user's inbox. */
export function canSeeTask(principal: Principal, candidateRoles: readonly string[]): boolean {
  const groups = taskGroupsOf(principal);
  return groups === null || candidateRoles.some((role) => groups.includes(role));
}

/**
 * Refuses a task outside the user's groups (whether or not it exists is not revealed).
 * @throws RuntimeError `TASK_NOT_FOUND` for a malformed id; IdentityError `FORBIDDEN` otherwise
 */
export async function assertCanSeeTask(
  db: Kysely<Database>,
  principal: Principal,
  taskId: string,
): Promise<void> {
  if (!isUuid(taskId)) throw new RuntimeError('TASK_NOT_FOUND', `No task ${taskId}.`);
  const task = await db
    .selectFrom('tasks')
    .select('candidate_roles')
    .where('id', '=', taskId)
    .executeTakeFirst();
  if (!task || !canSeeTask(principal, task.candidate_roles))
    throw new IdentityError(
      'FORBIDDEN',
      `Task ${taskId} is not in ${principal.username}'s inbox (groups: ${principal.groups.join(', ') || 'none'}).`,
      { taskId },
    );
}
