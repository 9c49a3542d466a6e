/**
 * Users, their roles and group membership; password sign-in with lockout. Every change is
 * audited with the user's state before and after.
 * @module
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, UsersTable } from '../db/schema.ts';
import { isUuid } from '../engine/queries.ts';
import { iso } from '../util.ts';
import { audit } from './audit.ts';
import { IdentityError } from './identity.error.ts';
import { hashPassword, MIN_PASSWORD_LENGTH, needsRehash, verifyPassword } from './passwords.ts';
import { isRole, permissionsOf, type Permission, type Role } from './roles.ts';

/** A user as the admin screen shows it (never the password hash). */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  roles: Role[];
  groups: string[];
  managerId: string | null;
  /** Set while the account is locked after failed sign-ins. */
  lockedUntil: string | null;
  failedAttempts: number;
  disabled: boolean;
  hasPassword: boolean;
  lastSignInAt: string | null;
  createdAt: string;
}

/** Who is signed in, as procedures and routes see it. */
export interface Principal {
  id: string;
  username: string;
  displayName: string;
  roles: Role[];
  /** The groups (work queues) the user belongs to. */
  groups: string[];
  permissions: ReadonlySet<Permission>;
}

/** Sign-in lockout: `WAYBILL_LOCKOUT_ATTEMPTS` failures (default 5) lock for `WAYBILL_LOCKOUT_MINUTES` (default 15). */
export const LOCKOUT = {
  attempts: intFromEnv('WAYBILL_LOCKOUT_ATTEMPTS') ?? 5,
  minutes: intFromEnv('WAYBILL_LOCKOUT_MINUTES') ?? 15,
};

function intFromEnv(name: string): number | null {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : null;
}

const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,99}$/;

/** Lower-cases and checks a username. */
export function normalizeUsername(username: string): string {
  const value = username.trim().toLowerCase();
  if (!USERNAME.test(value))
    throw new IdentityError(
      'INVALID_USERNAME',
      `"${username}" is not a valid username (letters, digits, . _ @ -; at most 100).`,
      { field: 'username' },
    );
  return value;
}

function checkRoles(roles: readonly string[]): Role[] {
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length > 0)
    throw new IdentityError('INVALID_ROLE', `Unknown role(s): ${unknown.join(', ')}.`, {
      field: 'roles',
      roles: unknown,
    });
  return [...new Set(roles.filter(isRole))].sort();
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new IdentityError(
      'WEAK_PASSWORD',
      `The password must have at least ${MIN_PASSWORD_LENGTH} characters.`,
      { field: 'password' },
    );
}

async function rolesOf(db: Kysely<Database>, userIds: string[]): Promise<Map<string, Role[]>> {
  const map = new Map<string, Role[]>();
  if (userIds.length === 0) return map;
  const rows = await db
    .selectFrom('user_roles')
    .select(['user_id', 'role'])
    .where('user_id', 'in', userIds)
    .orderBy('role')
    .execute();
  for (const row of rows) {
    if (!isRole(row.role)) continue;
    const list = map.get(row.user_id) ?? [];
    list.push(row.role);
    map.set(row.user_id, list);
  }
  return map;
}

async function groupsOf(db: Kysely<Database>, userIds: string[]): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  if (userIds.length === 0) return map;
  const rows = await db
    .selectFrom('group_members')
    .select(['user_id', 'group_key'])
    .where('user_id', 'in', userIds)
    .orderBy('group_key')
    .execute();
  for (const row of rows) {
    const list = map.get(row.user_id) ?? [];
    list.push(row.group_key);
    map.set(row.user_id, list);
  }
  return map;
}

function viewOf(row: Selectable<UsersTable>, roles: Role[], groups: string[]): UserView {
  const locked = row.locked_until === null ? null : new Date(row.locked_until);
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    roles,
    groups,
    managerId: row.manager_id,
    lockedUntil: locked && locked.getTime() > Date.now() ? locked.toISOString() : null,
    failedAttempts: row.failed_attempts,
    disabled: row.disabled_at !== null,
    hasPassword: row.password_hash !== null,
    lastSignInAt: iso(row.last_sign_in_at),
    createdAt: iso(row.created_at) ?? '',
  };
}

/** Every user, by username. */
export async function listUsers(db: Kysely<Database>): Promise<UserView[]> {
  const rows = await db.selectFrom('users').selectAll().orderBy('username').execute();
  const ids = rows.map((r) => r.id);
  const [roles, groups] = await Promise.all([rolesOf(db, ids), groupsOf(db, ids)]);
  return rows.map((r) => viewOf(r, roles.get(r.id) ?? [], groups.get(r.id) ?? []));
}

/**
 * One user by id or username.
 * @throws IdentityError `USER_NOT_FOUND`
 */
export async function getUser(db: Kysely<Database>, idOrUsername: string): Promise<UserView> {
  const row = await findUserRow(db, idOrUsername);
  if (!row) throw new IdentityError('USER_NOT_FOUND', `No user ${idOrUsername}.`);
  const [roles, groups] = await Promise.all([rolesOf(db, [row.id]), groupsOf(db, [row.id])]);
  return viewOf(row, roles.get(row.id) ?? [], groups.get(row.id) ?? []);
}

async function findUserRow(
  db: Kysely<Database>,
  idOrUsername: string,
): Promise<Selectable<UsersTable> | undefined> {
  const query = db.selectFrom('users').selectAll();
  return isUuid(idOrUsername)
    ? query.where('id', '=', idOrUsername).executeTakeFirst()
    : query.where('username', '=', idOrUsername.trim().toLowerCase()).executeTakeFirst();
}

/** What an administrator gives a new user. */
export interface NewUser {
  username: string;
  displayName: string;
  email?: string | null | undefined;
  /** Null or absent: the user can only sign in through single sign-on. */
  password?: string | null | undefined;
  roles?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
  managerId?: string | null | undefined;
}

/**
 * Creates a user with roles and groups (groups must exist).
 *
 * ```ts
 * await createUser(db, { username: 'ana', displayName: 'Ana', password: 'a long passphrase', roles: ['credit'], groups: ['credit'] }, { actor: 'root' });
 * ```
 * @throws IdentityError `USER_EXISTS`, `INVALID_ROLE`, `WEAK_PASSWORD`, `GROUP_NOT_FOUND`, `INVALID_MANAGER`
 */
export async function createUser(
  db: Kysely<Database>,
  input: NewUser,
  options: { actor: string; passwordHash?: string },
): Promise<UserView> {
  const username = normalizeUsername(input.username);
  const roles = checkRoles(input.roles ?? []);
  if (input.password != null) checkPassword(input.password);
  const passwordHash =
    options.passwordHash ?? (input.password != null ? await hashPassword(input.password) : null);
  const id = await db.transaction().execute(async (trx) => {
    const exists = await trx
      .selectFrom('users')
      .select('id')
      .where('username', '=', username)
      .executeTakeFirst();
    if (exists)
      throw new IdentityError('USER_EXISTS', `A user "${username}" exists already.`, {
        field: 'username',
      });
    if (input.managerId != null) await checkManager(trx, null, input.managerId);
    const row = await trx
      .insertInto('users')
      .values({
        username,
        display_name: input.displayName.trim() || username,
        email: input.email ?? null,
        password_hash: passwordHash,
        manager_id: input.managerId ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (roles.length > 0)
      await trx
        .insertInto('user_roles')
        .values(roles.map((role) => ({ user_id: row.id, role })))
        .execute();
    await writeGroups(trx, row.id, input.groups ?? []);
    return row.id;
  });
  const user = await getUser(db, id);
  await audit(db, {
    actor: options.actor,
    kind: 'user.created',
    subject: `user:${username}`,
    after: user,
  });
  return user;
}

async function checkManager(
  db: Kysely<Database>,
  userId: string | null,
  managerId: string,
): Promise<void> {
  const manager = isUuid(managerId)
    ? await db.selectFrom('users').select('id').where('id', '=', managerId).executeTakeFirst()
    : undefined;
  if (!manager || manager.id === userId)
    throw new IdentityError(
      'INVALID_MANAGER',
      `Manager ${managerId} is unknown or the user themself.`,
      {
        field: 'managerId',
      },
    );
}

async function writeGroups(
  db: Kysely<Database>,
  userId: string,
  groups: readonly string[],
): Promise<void> {
  const wanted = [...new Set(groups)];
  if (wanted.length > 0) {
    const known = await db.selectFrom('groups').select('key').where('key', 'in', wanted).execute();
    const missing = wanted.filter((g) => !known.some((k) => k.key === g));
    if (missing.length > 0)
      throw new IdentityError('GROUP_NOT_FOUND', `Unknown group(s): ${missing.join(', ')}.`, {
        field: 'groups',
        groups: missing,
      });
  }
  await db.deleteFrom('group_members').where('user_id', '=', userId).execute();
  if (wanted.length > 0)
    await db
      .insertInto('group_members')
      .values(wanted.map((group_key) => ({ group_key, user_id: userId })))
      .execute();
}

/** What an administrator may change on a user (absent fields stay). */
export interface UserPatch {
  displayName?: string | undefined;
  email?: string | null | undefined;
  roles?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
  managerId?: string | null | undefined;
  disabled?: boolean | undefined;
  /** A new password (the user's sessions end). */
  password?: string | undefined;
}

/**
 * Changes a user; audited with before and after. Disabling a user or setting a password ends
 * the user's sessions.
 * @throws IdentityError `USER_NOT_FOUND`, `INVALID_ROLE`, `GROUP_NOT_FOUND`, `WEAK_PASSWORD`, `INVALID_MANAGER`
 */
export async function updateUser(
  db: Kysely<Database>,
  idOrUsername: string,
  patch: UserPatch,
  options: { actor: string },
): Promise<UserView> {
  const before = await getUser(db, idOrUsername);
  const roles = patch.roles === undefined ? undefined : checkRoles(patch.roles);
  if (patch.password !== undefined) checkPassword(patch.password);
  const passwordHash =
    patch.password === undefined ? undefined : await hashPassword(patch.password);
  await db.transaction().execute(async (trx) => {
    if (patch.managerId != null) await checkManager(trx, before.id, patch.managerId);
    await trx
      .updateTable('users')
      .set({
        updated_at: new Date(),
        ...(patch.displayName === undefined ? {} : { display_name: patch.displayName.trim() }),
        ...(patch.email === undefined ? {} : { email: patch.email }),
        ...(patch.managerId === undefined ? {} : { manager_id: patch.managerId }),
        ...(patch.disabled === undefined
          ? {}
          : { disabled_at: patch.disabled ? new Date() : null }),
        ...(passwordHash === undefined
          ? {}
          : { password_hash: passwordHash, failed_attempts: 0, locked_until: null }),
      })
      .where('id', '=', before.id)
      .execute();
    if (roles !== undefined) {
      await trx.deleteFrom('user_roles').where('user_id', '=', before.id).execute();
      if (roles.length > 0)
        await trx
          .insertInto('user_roles')
          .values(roles.map((role) => ({ user_id: before.id, role })))
          .execute();
    }
    if (patch.groups !== undefined) await writeGroups(trx, before.id, patch.groups);
    if (patch.disabled === true || passwordHash !== undefined)
      await trx
        .updateTable('sessions')
        .set({ revoked_at: new Date() })
        .where('user_id', '=', before.id)
        .where('revoked_at', 'is', null)
        .execute();
  });
  const after = await getUser(db, before.id);
  await audit(db, {
    actor: options.actor,
    kind: 'user.updated',
    subject: `user:${before.username}`,
    before,
    after,
    // The password itself never reaches the log; that it changed does.
    details: { changed: Object.keys(patch) },
  });
  return after;
}

/**
 * Lifts a lockout now (an administrator; lockouts also end by themselves).
 * @throws IdentityError `USER_NOT_FOUND`
 */
export async function unlockUser(
  db: Kysely<Database>,
  idOrUsername: string,
  options: { actor: string },
): Promise<UserView> {
  const before = await getUser(db, idOrUsername);
  await db
    .updateTable('users')
    .set({ failed_attempts: 0, locked_until: null, updated_at: new Date() })
    .where('id', '=', before.id)
    .execute();
  const after = await getUser(db, before.id);
  await audit(db, {
    actor: options.actor,
    kind: 'user.unlocked',
    subject: `user:${before.username}`,
    before,
    after,
  });
  return after;
}

/** A group (work queue) and its members' usernames. */
export interface GroupView {
  key: string;
  name: string;
  members: string[];
}

/** Every group with its members. */
export async function listGroups(db: Kysely<Database>): Promise<GroupView[]> {
  const groups = await db.selectFrom('groups').select(['key', 'name']).orderBy('key').execute();
  const members = await db
    .selectFrom('group_members')
    .innerJoin('users', 'users.id', 'group_members.user_id')
    .select(['group_members.group_key', 'users.username'])
    .orderBy('users.username')
    .execute();
  return groups.map((g) => ({
    key: g.key,
    name: g.name,
    members: members.filter((m) => m.group_key === g.key).map((m) => m.username),
  }));
}

const GROUP_KEY = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/**
 * Creates a group; its key is what flows name in a human task's `candidateRoles`.
 * @throws IdentityError `GROUP_EXISTS`
 */
export async function createGroup(
  db: Kysely<Database>,
  input: { key: string; name: string },
  options: { actor: string },
): Promise<GroupView> {
  const key = input.key.trim().toLowerCase();
  if (!GROUP_KEY.test(key))
    throw new IdentityError(
      'INVALID_GROUP_KEY',
      `"${input.key}" is not a valid group key (letters, digits, . _ -).`,
      { field: 'key' },
    );
  const inserted = await db
    .insertInto('groups')
    .values({ key, name: input.name.trim() || key })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .executeTakeFirst();
  if (!inserted)
    throw new IdentityError('GROUP_EXISTS', `A group "${key}" exists already.`, { field: 'key' });
  const after = { key, name: input.name.trim() || key, members: [] };
  await audit(db, { actor: options.actor, kind: 'group.created', subject: `group:${key}`, after });
  return after;
}

/**
 * Sets a group's members (usernames); audited with before and after.
 * @throws IdentityError `GROUP_NOT_FOUND`, `USER_NOT_FOUND`
 */
export async function setGroupMembers(
  db: Kysely<Database>,
  key: string,
  usernames: readonly string[],
  options: { actor: string },
): Promise<GroupView> {
  const before = (await listGroups(db)).find((g) => g.key === key);
  if (!before) throw new IdentityError('GROUP_NOT_FOUND', `No group ${key}.`, { field: 'key' });
  const wanted = [...new Set(usernames.map((u) => u.trim().toLowerCase()))];
  const users =
    wanted.length === 0
      ? []
      : await db
          .selectFrom('users')
          .select(['id', 'username'])
          .where('username', 'in', wanted)
          .execute();
  const missing = wanted.filter((u) => !users.some((r) => r.username === u));
  if (missing.length > 0)
    throw new IdentityError('USER_NOT_FOUND', `Unknown user(s): ${missing.join(', ')}.`, {
      field: 'members',
      users: missing,
    });
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('group_members').where('group_key', '=', key).execute();
    if (users.length > 0)
      await trx
        .insertInto('group_members')
        .values(users.map((u) => ({ group_key: key, user_id: u.id })))
        .execute();
  });
  const after = (await listGroups(db)).find((g) => g.key === key) ?? before;
  await audit(db, {
    actor: options.actor,
    kind: 'group.members.changed',
    subject: `group:${key}`,
    before,
    after,
  });
  return after;
}

/**
 * The principal of a user id (roles, groups, permissions); null when unknown or disabled.
 */
export async function loadPrincipal(
  db: Kysely<Database>,
  userId: string,
): Promise<Principal | null> {
  const row = await db
    .selectFrom('users')
    .select(['id', 'username', 'display_name', 'disabled_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!row || row.disabled_at !== null) return null;
  const [roles, groups] = await Promise.all([rolesOf(db, [row.id]), groupsOf(db, [row.id])]);
  const userRoles = roles.get(row.id) ?? [];
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    roles: userRoles,
    groups: groups.get(row.id) ?? [],
    permissions: permissionsOf(userRoles),
  };
}

/**
 * Checks a username and password. Five failures in a row (see {@link LOCKOUT}) lock the account
 * for fifteen minutes; an unknown user costs as much time as a wrong password. Audited.
 *
 * ```ts
 * const principal = await authenticatePassword(db, { username: 'ana', password }, { ip });
 * ```
 * @throws IdentityError `SIGN_IN_FAILED`, `ACCOUNT_LOCKED`, `ACCOUNT_DISABLED`
 */
export async function authenticatePassword(
  db: Kysely<Database>,
  credentials: { username: string; password: string },
  context: { ip?: string | null } = {},
): Promise<Principal> {
  const username = credentials.username.trim().toLowerCase();
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('username', '=', username)
    .executeTakeFirst();
  const ok = await verifyPassword(credentials.password, row?.password_hash ?? null);
  const subject = `user:${username}`;
  const ip = context.ip ?? null;
  if (!row) {
    await audit(db, {
      actor: 'anonymous',
      kind: 'auth.sign_in_failed',
      subject,
      details: { reason: 'unknown user', ip },
    });
    throw new IdentityError('SIGN_IN_FAILED', 'Unknown user or wrong password.');
  }
  const lockedUntil = row.locked_until === null ? null : new Date(row.locked_until);
  if (lockedUntil && lockedUntil.getTime() > Date.now()) {
    await audit(db, {
      actor: 'anonymous',
      kind: 'auth.sign_in_refused',
      subject,
      details: { reason: 'locked', lockedUntil: lockedUntil.toISOString(), ip },
    });
    throw lockedError(lockedUntil);
  }
  if (!ok) {
    // One statement, so concurrent attempts cannot each read a stale count.
    const updated = await db
      .updateTable('users')
      .set({
        failed_attempts: sql`CASE WHEN locked_until IS NOT NULL AND locked_until <= now() THEN 1 ELSE failed_attempts + 1 END`,
        locked_until: sql`CASE WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= now() THEN 1 ELSE failed_attempts + 1 END) >= ${LOCKOUT.attempts} THEN now() + make_interval(mins => ${LOCKOUT.minutes}) ELSE NULL END`,
      })
      .where('id', '=', row.id)
      .returning(['failed_attempts', 'locked_until'])
      .executeTakeFirstOrThrow();
    const lockedNow = updated.locked_until === null ? null : new Date(updated.locked_until);
    await audit(db, {
      actor: 'anonymous',
      kind: lockedNow ? 'auth.locked_out' : 'auth.sign_in_failed',
      subject,
      before: { failedAttempts: row.failed_attempts },
      after: { failedAttempts: updated.failed_attempts, lockedUntil: iso(lockedNow) },
      details: { reason: 'wrong password', ip },
    });
    if (lockedNow) throw lockedError(lockedNow);
    throw new IdentityError('SIGN_IN_FAILED', 'Unknown user or wrong password.');
  }
  if (row.disabled_at !== null) {
    await audit(db, {
      actor: 'anonymous',
      kind: 'auth.sign_in_refused',
      subject,
      details: { reason: 'disabled', ip },
    });
    throw new IdentityError(
      'ACCOUNT_DISABLED',
      'This account is disabled; ask an administrator to enable it.',
    );
  }
  const rehash =
    row.password_hash !== null && needsRehash(row.password_hash)
      ? await hashPassword(credentials.password)
      : null;
  await db
    .updateTable('users')
    .set({
      failed_attempts: 0,
      locked_until: null,
      last_sign_in_at: new Date(),
      ...(rehash === null ? {} : { password_hash: rehash }),
    })
    .where('id', '=', row.id)
    .execute();
  const principal = await loadPrincipal(db, row.id);
  if (!principal) throw new IdentityError('SIGN_IN_FAILED', 'Unknown user or wrong password.');
  return principal;
}

function lockedError(until: Date): IdentityError {
  const time = until.toISOString().slice(11, 16);
  return new IdentityError(
    'ACCOUNT_LOCKED',
    `Too many failed sign-ins: this account is locked until ${time} UTC. Try again then, or ask an administrator to unlock it.`,
    { lockedUntil: until.toISOString() },
  );
}

/**
 * A principal that is not loaded from the database: for trusted in-process callers (the CLI,
 * tests calling procedures through `createCaller`).
 *
 * ```ts
 * createCallerFactory(appRouter)({ ...context, principal: principalFor('ana', ['process-owner']), csrfOk: true });
 * ```
 */
export function principalFor(
  username: string,
  roles: readonly Role[],
  groups: readonly string[] = [],
): Principal {
  return {
    id: username,
    username,
    displayName: username,
    roles: [...roles],
    groups: [...groups],
    permissions: permissionsOf(roles),
  };
}
