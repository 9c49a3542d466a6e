/**
 * `admin.*`: users, roles, groups and the audit log, for administrators (`users:manage`,
 * `audit:read`). Every change is audited with the state before and after.
 */
import { z } from 'zod';
import { Permissions, Roles, ROLE_NAMES } from '../../identity/roles.ts';
import {
  createGroup,
  createUser,
  getUser,
  listGroups,
  listUsers,
  setGroupMembers,
  unlockUser,
  updateUser,
} from '../../identity/users.ts';
import { iso } from '../../util.ts';
import { requires, router } from '../trpc.ts';

const userRef = z.string().min(1).max(100);
const roleList = z.array(z.string().min(1).max(50)).max(20);
const groupList = z.array(z.string().min(1).max(100)).max(100);

export const adminRouter = router({
  /** Every role with its label and permissions. */
  roles: requires('users:manage').query(() =>
    ROLE_NAMES.map((name) => ({
      name,
      label: Roles[name].label,
      permissions: Roles[name].permissions.map((p) => ({ name: p, label: Permissions[p] })),
    })),
  ),
  users: router({
    list: requires('users:manage').query(({ ctx }) => listUsers(ctx.db)),
    get: requires('users:manage')
      .input(z.object({ user: userRef }))
      .query(({ ctx, input }) => getUser(ctx.db, input.user)),
    create: requires('users:manage')
      .input(
        z.object({
          username: z.string().min(1).max(100),
          displayName: z.string().max(200),
          email: z.email().max(300).nullish(),
          password: z.string().max(1000).nullish(),
          roles: roleList.optional(),
          groups: groupList.optional(),
          managerId: z.string().max(100).nullish(),
        }),
      )
      .mutation(({ ctx, input }) => createUser(ctx.db, input, { actor: ctx.actor })),
    update: requires('users:manage')
      .input(
        z.object({
          user: userRef,
          displayName: z.string().max(200).optional(),
          email: z.email().max(300).nullish(),
          password: z.string().max(1000).optional(),
          roles: roleList.optional(),
          groups: groupList.optional(),
          managerId: z.string().max(100).nullish(),
          disabled: z.boolean().optional(),
        }),
      )
      .mutation(({ ctx, input }) => {
        const { user, ...patch } = input;
        return updateUser(ctx.db, user, patch, { actor: ctx.actor });
      }),
    /** Lifts a lockout after failed sign-ins. */
    unlock: requires('users:manage')
      .input(z.object({ user: userRef }))
      .mutation(({ ctx, input }) => unlockUser(ctx.db, input.user, { actor: ctx.actor })),
  }),
  groups: router({
    list: requires('users:manage').query(({ ctx }) => listGroups(ctx.db)),
    create: requires('users:manage')
      .input(z.object({ key: z.string().min(1).max(100), name: z.string().max(200) }))
      .mutation(({ ctx, input }) => createGroup(ctx.db, input, { actor: ctx.actor })),
    setMembers: requires('users:manage')
      .input(z.object({ key: z.string().min(1).max(100), members: z.array(userRef).max(1000) }))
      .mutation(({ ctx, input }) =>
        setGroupMembers(ctx.db, input.key, input.members, { actor: ctx.actor }),
      ),
  }),
  /** The newest audit rows, optionally of one kind prefix (`user.`, `auth.`, `access.`) or actor. */
  audit: requires('audit:read')
    .input(
      z
        .object({
          kindPrefix: z.string().max(100).optional(),
          actor: z.string().max(200).optional(),
          limit: z.number().int().min(1).max(500).optional(),
        })
        .optional(),
    )
    .query(async ({ ctx, input }) => {
      let query = ctx.db
        .selectFrom('audit_log')
        .select(['id', 'at', 'actor', 'kind', 'instance_id', 'flow_key', 'details'])
        .orderBy('id', 'desc')
        .limit(input?.limit ?? 100);
      if (input?.kindPrefix)
        query = query.where('kind', 'like', `${input.kindPrefix.replace(/[\\%_]/g, '\\$&')}%`);
      if (input?.actor) query = query.where('actor', '=', input.actor);
      const rows = await query.execute();
      return rows.map((row) => ({
        id: Number(row.id),
        at: iso(row.at) ?? '',
        actor: row.actor,
        kind: row.kind,
        instanceId: row.instance_id,
        flowKey: row.flow_key,
        details: row.details,
      }));
    }),
});
