/**
 * The seam for single sign-on. Waybill signs users in with passwords out of the box; an OpenID
 * Connect provider (Entra ID, Okta, Keycloak, Google Workspace) plugs in by implementing
 * {@link IdentityProvider}, and the platform mounts two routes for it:
 * `GET /auth/oidc/<id>/start` (redirect to the provider with `state`, `nonce` and a PKCE
 * challenge kept in a short-lived HTTP-only cookie) and `GET /auth/oidc/<id>/callback` (checks
 * `state`, exchanges the code, verifies the ID token, then calls {@link externalPrincipal} and
 * opens an ordinary session). Sessions, CSRF, roles, groups and authorization are the same as
 * for passwords. docs/security.md walks through wiring one; no provider is bundled because an
 * installation's provider, client id and secret are its own.
 * @module
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { IdentityError } from './identity.error.ts';
import { createUser, loadPrincipal, updateUser, type Principal } from './users.ts';

/** What a provider vouches for after a successful sign-in (verified ID token claims). */
export interface ExternalIdentity {
  /** The provider's id (`okta`). */
  provider: string;
  /** The stable subject (`sub`). */
  subject: string;
  /** `preferred_username` or the e-mail address; becomes the Waybill username. */
  username: string;
  displayName: string;
  email: string | null;
  /** Group claims, mapped to Waybill groups by {@link GroupMapping}. */
  groups: readonly string[];
}

/** One OpenID Connect provider. */
export interface IdentityProvider {
  readonly id: string;
  readonly displayName: string;
  /** The provider's authorization URL for this attempt (authorization code flow with PKCE). */
  authorizationUrl(attempt: {
    state: string;
    nonce: string;
    codeChallenge: string;
    redirectUri: string;
  }): URL;
  /** Exchanges the code and verifies the ID token (issuer, audience, expiry, nonce, signature). */
  exchange(callback: {
    code: string;
    codeVerifier: string;
    nonce: string;
    redirectUri: string;
  }): Promise<ExternalIdentity>;
}

/** How provider groups become Waybill roles and groups (unmapped claims are ignored). */
export interface GroupMapping {
  /** Provider group → Waybill roles. */
  roles: Readonly<Record<string, readonly string[]>>;
  /** Provider group → Waybill groups (work queues). */
  groups: Readonly<Record<string, readonly string[]>>;
}

function mapped(
  claims: readonly string[],
  table: Readonly<Record<string, readonly string[]>>,
): string[] {
  return [...new Set(claims.flatMap((claim) => table[claim] ?? []))].sort();
}

/**
 * The principal for a verified external identity: the user is created on first sign-in (with no
 * password, so only the provider can sign them in), and their roles and groups follow the
 * provider's group claims on every sign-in. Audited like any admin change (actor `oidc:<id>`).
 *
 * ```ts
 * const principal = await externalPrincipal(db, identity, { roles: { 'wb-credit': ['credit'] }, groups: { 'wb-credit': ['credit'] } });
 * ```
 * @throws IdentityError `ACCOUNT_DISABLED` when an administrator disabled the user
 */
export async function externalPrincipal(
  db: Kysely<Database>,
  identity: ExternalIdentity,
  mapping: GroupMapping,
): Promise<Principal> {
  const actor = `oidc:${identity.provider}`;
  const roles = mapped(identity.groups, mapping.roles);
  const groups = mapped(identity.groups, mapping.groups);
  const username = identity.username.trim().toLowerCase();
  const existing = await db
    .selectFrom('users')
    .select(['id', 'disabled_at'])
    .where('username', '=', username)
    .executeTakeFirst();
  let userId: string;
  if (existing) {
    if (existing.disabled_at !== null)
      throw new IdentityError(
        'ACCOUNT_DISABLED',
        'This account is disabled; ask an administrator to enable it.',
      );
    userId = (
      await updateUser(
        db,
        existing.id,
        { displayName: identity.displayName, email: identity.email, roles, groups },
        { actor },
      )
    ).id;
  } else {
    userId = (
      await createUser(
        db,
        { username, displayName: identity.displayName, email: identity.email, roles, groups },
        { actor },
      )
    ).id;
  }
  const principal = await loadPrincipal(db, userId);
  if (!principal) throw new IdentityError('ACCOUNT_DISABLED', 'This account is disabled.');
  return principal;
}
