/**
 * Identity over real HTTP: password hashing, sign-in and lockout with an administrator's unlock,
 * session cookies, sign-out, admin changes audited with before and after, and approvers limited
 * to their groups' tasks.
 */
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/routers/_app.ts';
import { hashPassword, needsRehash, verifyPassword } from '../src/identity/passwords.ts';
import { signInOverHttp, type HttpSession } from '../src/identity/testing.ts';
import { createGroup, createUser, LOCKOUT } from '../src/identity/users.ts';
import { silentLogger } from '../src/log.ts';
import { createPlatform, type Platform } from '../src/platform.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { approveThenPodFlow } from './flows.ts';

let testDb: TestDatabase;
let platform: Platform;
let baseUrl: string;
let admin: HttpSession;
const PASSWORD = 'identity test passphrase';

beforeAll(async () => {
  testDb = await createTestDatabase();
  platform = await createPlatform({
    connection: testDb.connection,
    logger: silentLogger,
    worker: false,
    designerDir: null,
    apiKey: 'wb_identity_test_key',
    adminPassword: 'bootstrap admin passphrase',
  });
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  admin = await signInOverHttp(baseUrl, 'admin', 'bootstrap admin passphrase');
});

afterAll(async () => {
  await platform.close();
  await testDb.drop();
});

function client(session: HttpSession) {
  return createTRPCClient<AppRouter>({
    links: [httpBatchLink({ url: `${baseUrl}/trpc`, headers: () => session.headers })],
  });
}

async function signIn(username: string, password: string): Promise<Response> {
  return fetch(`${baseUrl}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
}

describe('passwords', () => {
  it('hashes with scrypt and its parameters, verifies, and asks for a rehash of weaker ones', async () => {
    const stored = await hashPassword('correct horse battery staple', { logN: 12, r: 8, p: 1 });
    expect(stored).toMatch(/^scrypt\$12\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', stored)).toBe(false);
    expect(await verifyPassword('anything', null)).toBe(false);
    expect(needsRehash(stored)).toBe(true);
    const again = await hashPassword('correct horse battery staple', { logN: 12, r: 8, p: 1 });
    expect(again).not.toBe(stored);
  });
});

describe('sign-in', () => {
  it('sets an HTTP-only SameSite=Strict session cookie and a readable CSRF cookie', async () => {
    await createUser(
      testDb.db,
      { username: 'ana', displayName: 'Ana', password: PASSWORD, roles: ['process-owner'] },
      { actor: 'test' },
    );
    const response = await signIn('Ana', PASSWORD);
    expect(response.status).toBe(200);
    const cookies = response.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('waybill_session='))).toMatch(
      /; Path=\/; Max-Age=\d+; SameSite=Strict; HttpOnly$/,
    );
    expect(cookies.find((c) => c.startsWith('waybill_csrf='))).not.toContain('HttpOnly');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const stored = await testDb.db.selectFrom('sessions').select('id_hash').execute();
    const token = decodeURIComponent(cookies[0]!.split(';')[0]!.split('=')[1]!);
    expect(stored.map((s) => s.id_hash)).not.toContain(token);
  });

  it('locks an account after repeated failures, says until when, and an admin unlocks it', async () => {
    await createUser(
      testDb.db,
      { username: 'ben', displayName: 'Ben', password: PASSWORD, roles: ['credit'] },
      { actor: 'test' },
    );
    for (let i = 1; i < LOCKOUT.attempts; i++)
      expect((await signIn('ben', 'wrong password!')).status).toBe(401);
    const locked = await signIn('ben', 'wrong password!');
    expect(locked.status).toBe(423);
    expect(((await locked.json()) as { message: string }).message).toMatch(
      /locked until \d\d:\d\d UTC.*administrator/,
    );
    expect((await signIn('ben', PASSWORD)).status).toBe(423);

    const unlocked = await client(admin).admin.users.unlock.mutate({ user: 'ben' });
    expect(unlocked).toMatchObject({ lockedUntil: null, failedAttempts: 0 });
    expect((await signIn('ben', PASSWORD)).status).toBe(200);
    const audit = await testDb.db
      .selectFrom('audit_log')
      .select(['actor', 'kind', 'details'])
      .where('kind', 'in', ['auth.locked_out', 'user.unlocked'])
      .orderBy('id')
      .execute();
    expect(audit).toMatchObject([
      { actor: 'anonymous', kind: 'auth.locked_out', details: { subject: 'user:ben' } },
      {
        actor: 'admin',
        kind: 'user.unlocked',
        details: { before: { failedAttempts: LOCKOUT.attempts }, after: { failedAttempts: 0 } },
      },
    ]);
  });

  it('signs out only with the CSRF token, and the session is gone', async () => {
    const session = await signInOverHttp(baseUrl, 'ana', PASSWORD);
    const forged = await fetch(`${baseUrl}/auth/sign-out`, {
      method: 'POST',
      headers: { cookie: session.cookie },
    });
    expect(forged.status).toBe(403);
    const out = await fetch(`${baseUrl}/auth/sign-out`, {
      method: 'POST',
      headers: session.headers,
    });
    expect(out.status).toBe(200);
    const probe = await fetch(`${baseUrl}/auth/session`, { headers: session.headers });
    expect(probe.status).toBe(401);
    await expect(client(session).flows.list.query()).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });
});

describe('sign-in failures per address', () => {
  it('refuses an address that failed too often, whatever account it tries, and not the others', async () => {
    // Behind a trusted proxy, the client is the address it forwards.
    const guarded = await createPlatform({
      connection: testDb.connection,
      logger: silentLogger,
      worker: false,
      designerDir: null,
      apiKey: 'wb_identity_test_key',
      signInThrottle: { ratePerSecond: 1 / 3600, burst: 3 },
      trustProxy: ['127.0.0.1'],
    });
    try {
      const url = await guarded.listen({ port: 0, host: '127.0.0.1' });
      await createUser(
        testDb.db,
        { username: 'gina', displayName: 'Gina', password: PASSWORD, roles: ['credit'] },
        { actor: 'test' },
      );
      const from = (address: string, username: string, password: string) =>
        fetch(`${url}/auth/sign-in`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
          body: JSON.stringify({ username, password }),
        });
      const guesser = '203.0.113.7';
      // Guesses spread over accounts: each account stays under its own lockout.
      for (const username of ['gina', 'admin', 'nobody-here'])
        expect((await from(guesser, username, 'wrong password!')).status).toBe(401);
      const refused = await from(guesser, 'gina', PASSWORD);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3000);
      expect(await refused.json()).toMatchObject({
        error: 'too_many_sign_in_failures',
        message: expect.stringMatching(/Too many failed sign-ins from this address/),
      });
      // The refused attempt neither signed in nor counted against the account.
      const gina = await testDb.db
        .selectFrom('users')
        .select(['failed_attempts'])
        .where('username', '=', 'gina')
        .executeTakeFirstOrThrow();
      expect(gina.failed_attempts).toBe(1);
      // Another address signs in to the same account.
      expect((await from('198.51.100.20', 'gina', PASSWORD)).status).toBe(200);
    } finally {
      await guarded.close();
    }
  });
});

describe('administration', () => {
  it('audits each change with before and after, and disabling ends the sessions', async () => {
    const api = client(admin);
    await api.admin.groups.create.mutate({ key: 'credit', name: 'Credit' });
    const carl = await api.admin.users.create.mutate({
      username: 'carl',
      displayName: 'Carl',
      password: PASSWORD,
      roles: ['credit'],
      groups: ['credit'],
    });
    expect(carl).toMatchObject({ roles: ['credit'], groups: ['credit'], hasPassword: true });
    const session = await signInOverHttp(baseUrl, 'carl', PASSWORD);
    await api.admin.users.update.mutate({ user: 'carl', roles: ['credit', 'finance'] });
    await api.admin.users.update.mutate({ user: 'carl', disabled: true });
    expect((await fetch(`${baseUrl}/auth/session`, { headers: session.headers })).status).toBe(401);
    const error = await api.admin.users.update
      .mutate({ user: 'carl', roles: ['superuser'] })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ data: { code: 'BAD_REQUEST' } });
    const rows = await api.admin.audit.query({ kindPrefix: 'user.', limit: 10 });
    const carlRows = rows.filter(
      (r) => (r.details as { subject?: string } | null)?.subject === 'user:carl',
    );
    expect(carlRows.map((r) => r.kind)).toEqual(['user.updated', 'user.updated', 'user.created']);
    expect(carlRows[1]).toMatchObject({
      actor: 'admin',
      details: { before: { roles: ['credit'] }, after: { roles: ['credit', 'finance'] } },
    });
    expect(carlRows[0]).toMatchObject({
      details: { before: { disabled: false }, after: { disabled: true } },
    });
  });
});

describe('task visibility', () => {
  it("shows an approver only their groups' tasks and refuses the others", async () => {
    await platform.deploy(approveThenPodFlow);
    await createGroup(testDb.db, { key: 'billing', name: 'Billing' }, { actor: 'test' });
    for (const [username, group] of [
      ['bill', 'billing'],
      ['cleo', 'credit'],
    ] as const)
      await createUser(
        testDb.db,
        {
          username,
          displayName: username,
          password: PASSWORD,
          roles: ['finance'],
          groups: [group],
        },
        { actor: 'test' },
      );
    const res = await fetch(`${baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer wb_identity_test_key',
        'idempotency-key': 'vis-1',
      },
      body: JSON.stringify({
        type: 'order.released',
        correlationKey: 'SO-VIS-1',
        payload: { orderNumber: 'SO-VIS-1' },
      }),
    });
    expect(res.status).toBe(202);
    await platform.worker.runUntilIdle();
    const bill = client(await signInOverHttp(baseUrl, 'bill', PASSWORD));
    const cleo = client(await signInOverHttp(baseUrl, 'cleo', PASSWORD));
    const [task] = await bill.tasks.list.query({ status: 'open' });
    expect(task).toMatchObject({ correlationKey: 'SO-VIS-1', candidateRoles: ['billing'] });
    expect(await cleo.tasks.list.query({ status: 'open' })).toEqual([]);
    await expect(
      cleo.tasks.complete.mutate({ taskId: task!.id, outcome: 'reject', data: { comment: 'no' } }),
    ).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    await bill.tasks.complete.mutate({
      taskId: task!.id,
      outcome: 'reject',
      data: { comment: 'wrong customer' },
    });
    const done = await testDb.db
      .selectFrom('tasks')
      .select(['status', 'completed_by'])
      .where('id', '=', task!.id)
      .executeTakeFirstOrThrow();
    expect(done).toEqual({ status: 'completed', completed_by: 'bill' });
  });
});
