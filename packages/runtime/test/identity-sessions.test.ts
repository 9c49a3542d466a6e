/** Session lifetimes and the single-sign-on mapping, against the database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { externalPrincipal, type ExternalIdentity } from '../src/identity/oidc.ts';
import { createSession, resolveSession, SESSION_LIFETIME } from '../src/identity/sessions.ts';
import { createGroup, createUser, updateUser } from '../src/identity/users.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await createGroup(testDb.db, { key: 'credit', name: 'Credit' }, { actor: 'test' });
});
afterAll(() => testDb.drop());

describe('sessions', () => {
  it('end when idle too long, when expired, and when the user is disabled', async () => {
    const user = await createUser(
      testDb.db,
      { username: 'ida', displayName: 'Ida', roles: ['credit'] },
      { actor: 'test' },
    );
    const idle = await createSession(testDb.db, user.id);
    const expired = await createSession(testDb.db, user.id);
    const live = await createSession(testDb.db, user.id);
    expect(await resolveSession(testDb.db, live.token)).toMatchObject({
      principal: { username: 'ida', roles: ['credit'] },
      csrfToken: live.csrfToken,
    });
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    await testDb.db
      .updateTable('sessions')
      .set({ last_seen_at: ago(SESSION_LIFETIME.idleMinutes + 1) })
      .where('csrf_token', '=', idle.csrfToken)
      .execute();
    await testDb.db
      .updateTable('sessions')
      .set({ expires_at: ago(1) })
      .where('csrf_token', '=', expired.csrfToken)
      .execute();
    expect(await resolveSession(testDb.db, idle.token)).toBeNull();
    expect(await resolveSession(testDb.db, expired.token)).toBeNull();
    expect(await resolveSession(testDb.db, 'not-a-session-token-at-all')).toBeNull();
    await updateUser(testDb.db, 'ida', { disabled: true }, { actor: 'test' });
    expect(await resolveSession(testDb.db, live.token)).toBeNull();
  });
});

describe('single sign-on mapping', () => {
  const identity: ExternalIdentity = {
    provider: 'okta',
    subject: '00u1',
    username: 'Olga@Example.com',
    displayName: 'Olga',
    email: 'olga@example.com',
    groups: ['wb-credit-approvers', 'everyone'],
  };
  const mapping = {
    roles: { 'wb-credit-approvers': ['credit'], 'wb-owners': ['process-owner'] },
    groups: { 'wb-credit-approvers': ['credit'] },
  };

  it('creates the user on first sign-in and follows the provider groups afterwards', async () => {
    const first = await externalPrincipal(testDb.db, identity, mapping);
    expect(first).toMatchObject({
      username: 'olga@example.com',
      roles: ['credit'],
      groups: ['credit'],
    });
    expect(first.permissions.has('tasks:work')).toBe(true);
    const row = await testDb.db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', 'olga@example.com')
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toBeNull();

    const moved = await externalPrincipal(
      testDb.db,
      { ...identity, groups: ['wb-owners'] },
      mapping,
    );
    expect(moved).toMatchObject({ roles: ['process-owner'], groups: [] });
    const audit = await testDb.db
      .selectFrom('audit_log')
      .select(['actor', 'kind'])
      .where('actor', '=', 'oidc:okta')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.kind)).toEqual(['user.created', 'user.updated']);

    await updateUser(testDb.db, 'olga@example.com', { disabled: true }, { actor: 'test' });
    await expect(externalPrincipal(testDb.db, identity, mapping)).rejects.toMatchObject({
      code: 'ACCOUNT_DISABLED',
    });
  });
});
