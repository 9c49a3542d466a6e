/**
 * The first administrator, and the demo's users. Without any user nobody could sign in, so the
 * first start creates `admin` with a random password (printed once and saved, mode 600, to
 * `$WAYBILL_DATA_DIR/admin-password`), or with `WAYBILL_ADMIN_PASSWORD`.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { hashPassword } from './passwords.ts';
import type { Role } from './roles.ts';
import { createGroup, createUser } from './users.ts';

/** The bootstrap administrator and how its password is known. */
export interface AdminBootstrap {
  username: string;
  /** The password when this start created the user (or read it from its file); null otherwise. */
  password: string | null;
  source: 'env' | 'file' | 'created' | 'existing';
  file: string | null;
}

/**
 * Makes sure an administrator exists: when no user holds `admin`, creates `admin` with
 * `envPassword` (`WAYBILL_ADMIN_PASSWORD`) or a random one saved under `dataDir`.
 *
 * ```ts
 * const admin = await ensureAdmin(db, { dataDir: './.waybill' });
 * if (admin.password) console.log(`sign in as ${admin.username} / ${admin.password}`);
 * ```
 */
export async function ensureAdmin(
  db: Kysely<Database>,
  options: { dataDir: string | null; envPassword?: string | undefined },
): Promise<AdminBootstrap> {
  const file = options.dataDir === null ? null : join(options.dataDir, 'admin-password');
  const existing = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('users.username')
    .where('user_roles.role', '=', 'admin')
    .orderBy('users.created_at')
    .executeTakeFirst();
  if (existing) {
    const saved = file !== null && existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
    return {
      username: existing.username,
      password: saved,
      source: saved === null ? 'existing' : 'file',
      file: saved === null ? null : file,
    };
  }
  const envPassword = options.envPassword ?? process.env.WAYBILL_ADMIN_PASSWORD;
  const password = envPassword ?? randomBytes(12).toString('base64url');
  await createUser(
    db,
    { username: 'admin', displayName: 'Administrator', password, roles: ['admin'] },
    { actor: 'system' },
  );
  if (envPassword !== undefined) return { username: 'admin', password, source: 'env', file: null };
  if (file !== null) {
    mkdirSync(options.dataDir ?? '.', { recursive: true });
    writeFileSync(file, password + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return { username: 'admin', password, source: 'created', file };
}

/** The groups (work queues) the templates' human tasks name, and who works them in the demo. */
export const DEMO_GROUPS: readonly { key: string; name: string; role: Role }[] = [
  { key: 'finance', name: 'Finance', role: 'finance' },
  { key: 'tax', name: 'Tax', role: 'finance' },
  { key: 'accounts-receivable', name: 'Accounts receivable', role: 'finance' },
  { key: 'warehouse', name: 'Warehouse', role: 'warehouse' },
  { key: 'credit', name: 'Credit', role: 'credit' },
  { key: 'logistics', name: 'Logistics', role: 'logistics' },
  { key: 'transportation', name: 'Transportation', role: 'logistics' },
  { key: 'customer-service', name: 'Customer service', role: 'customer-service' },
  { key: 'sales', name: 'Sales', role: 'sales' },
  { key: 'pricing', name: 'Pricing', role: 'sales' },
];

/** A demo user: username, display name, roles; the password is {@link DEMO_PASSWORD} for all. */
export interface DemoUser {
  username: string;
  displayName: string;
  roles: Role[];
  /** The demo's escalation target for this user's tasks. */
  manager?: string;
}

/** The demo's one password (the banner prints it; never use the demo seed in production). */
export const DEMO_PASSWORD = 'waybill-demo-2026';

/** Two approvers per approver role (a lead and a clerk who reports to them), an owner, an operator. */
export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'owner', displayName: 'Olivia Owner', roles: ['process-owner'] },
  { username: 'operator', displayName: 'Oscar Operator', roles: ['operator'] },
  { username: 'fiona.finance', displayName: 'Fiona (finance lead)', roles: ['finance'] },
  {
    username: 'frank.finance',
    displayName: 'Frank (finance)',
    roles: ['finance'],
    manager: 'fiona.finance',
  },
  { username: 'wanda.warehouse', displayName: 'Wanda (warehouse lead)', roles: ['warehouse'] },
  {
    username: 'walt.warehouse',
    displayName: 'Walt (warehouse)',
    roles: ['warehouse'],
    manager: 'wanda.warehouse',
  },
  { username: 'cora.credit', displayName: 'Cora (credit lead)', roles: ['credit'] },
  {
    username: 'carl.credit',
    displayName: 'Carl (credit)',
    roles: ['credit'],
    manager: 'cora.credit',
  },
  { username: 'lena.logistics', displayName: 'Lena (logistics lead)', roles: ['logistics'] },
  {
    username: 'leo.logistics',
    displayName: 'Leo (logistics)',
    roles: ['logistics'],
    manager: 'lena.logistics',
  },
  {
    username: 'cindy.service',
    displayName: 'Cindy (customer service lead)',
    roles: ['customer-service'],
  },
  {
    username: 'cole.service',
    displayName: 'Cole (customer service)',
    roles: ['customer-service'],
    manager: 'cindy.service',
  },
  { username: 'sara.sales', displayName: 'Sara (sales lead)', roles: ['sales'] },
  { username: 'sam.sales', displayName: 'Sam (sales)', roles: ['sales'], manager: 'sara.sales' },
];

/**
 * Seeds the demo's groups and users (idempotent: existing ones are left as they are). Each
 * approver joins the groups of their role. Returns the usernames created.
 *
 * ```ts
 * await seedDemoUsers(db); // then sign in as cora.credit / waybill-demo-2026
 * ```
 */
export async function seedDemoUsers(
  db: Kysely<Database>,
  options: { password?: string; users?: readonly DemoUser[] } = {},
): Promise<string[]> {
  const users = options.users ?? DEMO_USERS;
  const knownGroups = new Set(
    (await db.selectFrom('groups').select('key').execute()).map((g) => g.key),
  );
  for (const group of DEMO_GROUPS)
    if (!knownGroups.has(group.key))
      await createGroup(db, { key: group.key, name: group.name }, { actor: 'system' });
  const existing = new Map(
    (await db.selectFrom('users').select(['id', 'username']).execute()).map((u) => [
      u.username,
      u.id,
    ]),
  );
  // One hash for the shared demo password: seeding stays fast at the full scrypt cost.
  const passwordHash = await hashPassword(options.password ?? DEMO_PASSWORD);
  const created: string[] = [];
  for (const user of users) {
    if (existing.has(user.username)) continue;
    const managerId = user.manager === undefined ? null : (existing.get(user.manager) ?? null);
    const view = await createUser(
      db,
      {
        username: user.username,
        displayName: user.displayName,
        roles: user.roles,
        groups: DEMO_GROUPS.filter((g) => user.roles.includes(g.role)).map((g) => g.key),
        managerId,
        email: `${user.username}@demo.waybill.local`,
      },
      { actor: 'system', passwordHash },
    );
    existing.set(user.username, view.id);
    created.push(user.username);
  }
  return created;
}
