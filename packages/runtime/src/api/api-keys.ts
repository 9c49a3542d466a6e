/**
 * API keys for the external HTTP API. Keys look like `wb_<40 hex>`; only their sha256 is stored.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { jsonb } from '../db/schema.ts';
import { isUuid } from '../engine/queries.ts';
import { iso, sha256Hex } from '../util.ts';

/**
 * What a key may do. `admin` implies every other scope.
 *
 * ```ts
 * const scopes: ApiScope[] = ['events:write']; // an ERP integration that only posts events
 * ```
 */
export const ApiScopes = {
  /** `POST /api/v1/events`. */
  'events:write': 'Post business events.',
  /** `GET /api/v1/instances…` and `GET /api/v1/incidents`. */
  'instances:read': 'Read instances and incidents.',
  /** `POST /api/v1/incidents/:id/retry|resolve`. */
  'incidents:write': 'Retry and resolve incidents.',
  /** Everything above, and migrating instances between versions. */
  admin: 'Every scope; migrate instances.',
} as const;
export type ApiScope = keyof typeof ApiScopes;

/** Scopes of keys created without an explicit list (an integration that posts and reads). */
export const DEFAULT_API_SCOPES: readonly ApiScope[] = ['events:write', 'instances:read'];

/** True when `value` names a scope. */
export function isApiScope(value: string): value is ApiScope {
  return Object.hasOwn(ApiScopes, value);
}

/** A key that authenticated a request. */
export interface ApiKeyIdentity {
  id: string;
  name: string;
  scopes: string[];
}

/**
 * Whether a key may act with `scope` (`admin` may do everything).
 *
 * ```ts
 * if (!hasScope(identity, 'incidents:write')) reply.code(403);
 * ```
 */
export function hasScope(identity: ApiKeyIdentity, scope: ApiScope): boolean {
  return identity.scopes.includes(scope) || identity.scopes.includes('admin');
}

/** A refused key operation (`INVALID_SCOPE`, `INVALID_NAME`). */
export class ApiKeyError extends Error {
  override readonly name = 'ApiKeyError';
  readonly code: 'INVALID_SCOPE' | 'INVALID_NAME';
  constructor(code: 'INVALID_SCOPE' | 'INVALID_NAME', message: string) {
    super(message);
    this.code = code;
  }
}

function checkScopes(scopes: readonly string[]): ApiScope[] {
  const unknown = scopes.filter((scope) => !isApiScope(scope));
  if (unknown.length > 0 || scopes.length === 0) {
    throw new ApiKeyError(
      'INVALID_SCOPE',
      scopes.length === 0
        ? `Give at least one scope (${Object.keys(ApiScopes).join(', ')}).`
        : `Unknown scope ${unknown.join(', ')}; the scopes are ${Object.keys(ApiScopes).join(', ')}.`,
    );
  }
  return [...new Set(scopes.filter(isApiScope))];
}

/**
 * Generates a new random API key (not yet stored).
 *
 * ```ts
 * const key = generateApiKey(); // 'wb_3f9c…'
 * ```
 */
export function generateApiKey(): string {
  return `wb_${randomBytes(20).toString('hex')}`;
}

/**
 * Stores a key (by hash) if it is not stored yet; returns its id.
 *
 * ```ts
 * const id = await registerApiKey(db, { key: 'wb_…', name: 'erp-integration' });
 * ```
 */
export async function registerApiKey(
  db: Kysely<Database>,
  options: { key: string; name: string; scopes?: readonly string[] },
): Promise<string> {
  const keyHash = sha256Hex(options.key);
  const scopes = checkScopes(options.scopes ?? DEFAULT_API_SCOPES);
  await db
    .insertInto('api_keys')
    .values({
      name: options.name,
      key_hash: keyHash,
      prefix: options.key.slice(0, 10),
      scopes: jsonb(scopes),
    })
    .onConflict((oc) => oc.column('key_hash').doNothing())
    .execute();
  const row = await db
    .selectFrom('api_keys')
    .select('id')
    .where('key_hash', '=', keyHash)
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Marks a key revoked; later requests with it get 401.
 *
 * ```ts
 * await revokeApiKey(db, 'wb_…');
 * ```
 */
export async function revokeApiKey(db: Kysely<Database>, key: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('key_hash', '=', sha256Hex(key))
    .where('revoked_at', 'is', null)
    .execute();
}

/** A stored key as `waybill keys list` shows it (never the key itself). */
export interface ApiKeyInfo {
  id: string;
  name: string;
  /** The first characters of the key, to recognise it. */
  prefix: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

/**
 * Creates and stores a new key; the only time the key itself is seen.
 *
 * ```ts
 * const { key, id } = await createApiKey(db, { name: 'wms-dallas', scopes: ['events:write'] });
 * ```
 */
export async function createApiKey(
  db: Kysely<Database>,
  options: { name: string; scopes?: readonly string[] },
): Promise<ApiKeyInfo & { key: string }> {
  const name = options.name.trim();
  if (name === '' || name.length > 200)
    throw new ApiKeyError('INVALID_NAME', 'A key needs a name of 1–200 characters.');
  const key = generateApiKey();
  const id = await registerApiKey(db, { key, name, scopes: options.scopes ?? DEFAULT_API_SCOPES });
  const info = (await listApiKeys(db, { includeRevoked: true })).find((k) => k.id === id);
  if (!info) throw new Error(`API key ${id} vanished after insert`);
  return { ...info, key };
}

/**
 * Stored keys, newest first (revoked ones only with `includeRevoked`).
 *
 * ```ts
 * for (const k of await listApiKeys(db)) console.log(k.prefix, k.name, k.scopes.join(' '));
 * ```
 */
export async function listApiKeys(
  db: Kysely<Database>,
  options: { includeRevoked?: boolean } = {},
): Promise<ApiKeyInfo[]> {
  let query = db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'scopes', 'created_at', 'revoked_at']);
  if (!options.includeRevoked) query = query.where('revoked_at', 'is', null);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    createdAt: iso(row.created_at) ?? '',
    revokedAt: iso(row.revoked_at),
  }));
}

/**
 * Revokes a key by its id (as `waybill keys list` prints it); returns whether a live key was
 * revoked. Requests with it get 401 from then on.
 *
 * ```ts
 * await revokeApiKeyById(db, '6f1c…');
 * ```
 */
export async function revokeApiKeyById(db: Kysely<Database>, id: string): Promise<boolean> {
  if (!isUuid(id)) return false;
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Looks a presented key up; null when unknown or revoked. */
export async function authenticateApiKey(
  db: Kysely<Database>,
  key: string,
): Promise<ApiKeyIdentity | null> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'name', 'scopes'])
    .where('key_hash', '=', sha256Hex(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, name: row.name, scopes: row.scopes } : null;
}

export interface EnsureApiKeyResult {
  key: string;
  /** Where the key came from. */
  source: 'env' | 'file' | 'created';
  /** The file the key is saved in (when not from the environment). */
  file: string | null;
}

/**
 * Makes sure the platform has a usable key: `WAYBILL_API_KEY` when set; otherwise the one saved
 * in `<dataDir>/api-key`; otherwise a new one, saved there with mode 600. The bootstrap key has
 * the `admin` scope; create narrower keys for integrations with `waybill keys create`.
 *
 * ```ts
 * const { key, source } = await ensureApiKey(db, { dataDir: './.waybill' });
 * ```
 */
export async function ensureApiKey(
  db: Kysely<Database>,
  options: { dataDir: string | null; envKey?: string | undefined },
): Promise<EnsureApiKeyResult> {
  const envKey = options.envKey ?? process.env.WAYBILL_API_KEY;
  if (envKey) {
    await registerBootstrapKey(db, envKey, 'bootstrap (WAYBILL_API_KEY)');
    return { key: envKey, source: 'env', file: null };
  }
  if (options.dataDir === null) {
    const key = generateApiKey();
    await registerBootstrapKey(db, key, 'bootstrap');
    return { key, source: 'created', file: null };
  }
  const file = join(options.dataDir, 'api-key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    await registerBootstrapKey(db, key, 'bootstrap');
    return { key, source: 'file', file };
  }
  const key = generateApiKey();
  await registerBootstrapKey(db, key, 'bootstrap');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, key + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return { key, source: 'created', file };
}

async function registerBootstrapKey(
  db: Kysely<Database>,
  key: string,
  name: string,
): Promise<void> {
  await registerApiKey(db, { key, name, scopes: ['admin'] });
  // A bootstrap key stored before scopes existed got the default scopes; it is the operator's key.
  await db
    .updateTable('api_keys')
    .set({ scopes: jsonb(['admin']) })
    .where('key_hash', '=', sha256Hex(key))
    .where('name', '=', name)
    .execute();
}
