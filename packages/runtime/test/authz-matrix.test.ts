/**
 * The authorization matrix: every role × every tRPC procedure and every HTTP route, over real
 * HTTP with real sessions. Procedures and routes are enumerated from the router and the app, so
 * one added without a rule here fails this test. Also: sessions never reach the external API,
 * API keys never reach tRPC, mutations need the CSRF token, refusals are audited.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutesOf } from '../src/api/app.ts';
import { appRouter } from '../src/api/routers/_app.ts';
import type { Access } from '../src/api/trpc.ts';
import { hashPassword } from '../src/identity/passwords.ts';
import { permissionsOf, ROLE_NAMES, type Role } from '../src/identity/roles.ts';
import { signInOverHttp, type HttpSession } from '../src/identity/testing.ts';
import { createGroup, createUser } from '../src/identity/users.ts';
import { silentLogger } from '../src/log.ts';
import { createPlatform, type Platform } from '../src/platform.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

/** The rule every procedure must state (docs/security.md prints the same table). */
const PROCEDURES: Record<string, Access> = {
  health: 'public',
  'auth.me': 'signed-in',
  'flows.list': 'flows:read',
  'flows.get': 'flows:read',
  'flows.validate': 'flows:read',
  'flows.getVersion': 'flows:read',
  'flows.create': 'flows:edit',
  'flows.saveDraft': 'flows:edit',
  'flows.publish': 'flows:publish',
  'connectors.list': 'flows:read',
  'connectors.configs': 'connectors:manage',
  'connectors.config': 'connectors:manage',
  'connectors.saveConfig': 'connectors:manage',
  'connectors.triggers': 'connectors:manage',
  'instances.list': 'instances:read',
  'instances.get': 'instances:read',
  'instances.migrate': 'instances:migrate',
  'incidents.list': 'incidents:read',
  'incidents.get': 'incidents:read',
  'incidents.retry': 'incidents:act',
  'incidents.resolve': 'incidents:act',
  'overlay.nodeStats': 'instances:read',
  'overlay.instancesAt': 'instances:read',
  'overlay.scenarios.list': 'flows:read',
  'overlay.scenarios.save': 'flows:edit',
  'overlay.scenarios.remove': 'flows:edit',
  'tasks.list': 'tasks:work',
  'tasks.inbox': 'tasks:work',
  'tasks.facets': 'tasks:work',
  'tasks.get': 'tasks:work',
  'tasks.claim': 'tasks:work',
  'tasks.unclaim': 'tasks:work',
  'tasks.complete': 'tasks:work',
  'tasks.comment': 'tasks:work',
  'tasks.attach': 'tasks:work',
  'tasks.attachment': 'tasks:work',
  'tasks.delegate': 'tasks:work',
  'tasks.reassign': 'tasks:work',
  'tasks.bulkApprove': 'tasks:work',
  'templates.list': 'flows:read',
  'templates.deploy': 'flows:publish',
  'intelligence.report': 'instances:read',
  'intelligence.csv': 'instances:read',
  'intelligence.dimensions': 'instances:read',
  'admin.roles': 'users:manage',
  'admin.users.list': 'users:manage',
  'admin.users.get': 'users:manage',
  'admin.users.create': 'users:manage',
  'admin.users.update': 'users:manage',
  'admin.users.unlock': 'users:manage',
  'admin.groups.list': 'users:manage',
  'admin.groups.create': 'users:manage',
  'admin.groups.setMembers': 'users:manage',
  'admin.audit': 'audit:read',
};

/**
 * Who may reach each HTTP route: anyone (`public`), an API key with a scope (`key:<scope>`), the
 * session rules of the procedure (`trpc`), or a connector's own webhook check (`webhook`).
 */
const ROUTES: Record<string, string> = {
  'GET /healthz': 'public',
  'GET /metrics': 'public',
  'GET /api/v1/openapi.json': 'public',
  'POST /api/v1/events': 'key:events:write',
  'POST /api/v1/events/batch': 'key:events:write',
  'GET /api/v1/instances/:id': 'key:instances:read',
  'GET /api/v1/instances': 'key:instances:read',
  'POST /api/v1/instances/migrate': 'key:admin',
  'GET /api/v1/incidents': 'key:instances:read',
  'GET /api/v1/incidents/:id': 'key:instances:read',
  'POST /api/v1/incidents/:id/retry': 'key:incidents:write',
  'POST /api/v1/incidents/:id/resolve': 'key:incidents:write',
  'GET /api/v1/intelligence': 'key:instances:read',
  'GET /api/v1/intelligence/export/:figure': 'key:instances:read',
  'POST /auth/sign-in': 'public',
  'POST /auth/sign-out': 'public',
  'GET /auth/session': 'public',
  // The tRPC adapter answers every method; each procedure states its own rule (above).
  '* /trpc/:path': 'trpc',
  'POST /hooks/*': 'webhook',
  'GET /*': 'public',
};

type Who = Role | 'anonymous' | 'api-key';

let testDb: TestDatabase;
let platform: Platform;
let baseUrl: string;
const sessions = new Map<Role, HttpSession>();
const PASSWORD = 'matrix test passphrase';

beforeAll(async () => {
  testDb = await createTestDatabase();
  const designerDir = mkdtempSync(join(tmpdir(), 'waybill-authz-'));
  writeFileSync(join(designerDir, 'index.html'), '<!doctype html><title>Waybill</title>');
  platform = await createPlatform({
    connection: testDb.connection,
    logger: silentLogger,
    worker: false,
    designerDir,
    apiKey: 'wb_authz_matrix_key',
    adminPassword: 'bootstrap admin passphrase',
  });
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  await createGroup(testDb.db, { key: 'credit', name: 'Credit' }, { actor: 'test' });
  const passwordHash = await hashPassword(PASSWORD);
  for (const role of ROLE_NAMES) {
    await createUser(
      testDb.db,
      { username: `u-${role}`, displayName: role, roles: [role], groups: ['credit'] },
      { actor: 'test', passwordHash },
    );
    sessions.set(role, await signInOverHttp(baseUrl, `u-${role}`, PASSWORD));
  }
}, 120_000);

afterAll(async () => {
  await platform.close();
  await testDb.drop();
});

function procedures(): { path: string; type: string; access: unknown }[] {
  return Object.entries(appRouter._def.procedures).map(([path, procedure]) => {
    const def = (procedure as { _def: { type: string; meta?: { access?: unknown } } })._def;
    return { path, type: def.type, access: def.meta?.access };
  });
}

function allowed(who: Who, access: Access): boolean {
  if (access === 'public') return true;
  if (who === 'anonymous' || who === 'api-key') return false;
  return access === 'signed-in' || permissionsOf([who]).has(access);
}

async function call(who: Who, path: string, type: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (who === 'api-key') headers.authorization = `Bearer ${platform.apiKey.key}`;
  else if (who !== 'anonymous') Object.assign(headers, sessions.get(who)?.headers);
  const response =
    type === 'query'
      ? await fetch(`${baseUrl}/trpc/${path}?input=${encodeURIComponent('{}')}`, { headers })
      : await fetch(`${baseUrl}/trpc/${path}`, { method: 'POST', headers, body: '{}' });
  await response.arrayBuffer();
  return response.status;
}

describe('authorization matrix', () => {
  it('every tRPC procedure states the access rule the matrix expects', () => {
    const list = procedures();
    expect(list.length).toBeGreaterThan(20);
    for (const { path, access } of list) {
      expect(PROCEDURES[path], `${path} has no rule in the matrix`).toBeDefined();
      expect(access, `${path}: meta.access`).toBe(PROCEDURES[path]);
    }
  });

  it('every HTTP route has a rule', () => {
    for (const { method, url } of allRoutesOf(platform.app))
      expect(
        ROUTES[`${method} ${url}`] ?? ROUTES[`* ${url}`],
        `${method} ${url} has no rule`,
      ).toBeDefined();
  });

  it('every role × every procedure is allowed or refused as the matrix says', async () => {
    const who: Who[] = ['anonymous', 'api-key', ...ROLE_NAMES];
    const wrong: string[] = [];
    for (const { path, type } of procedures()) {
      const access = PROCEDURES[path] ?? 'public';
      for (const w of who) {
        const status = await call(w, path, type);
        const expected = allowed(w, access);
        const refused = status === 401 || status === 403;
        if (expected === refused) wrong.push(`${w} ${path}: ${status}`);
        if (!expected && (w === 'anonymous' || w === 'api-key') && status !== 401)
          wrong.push(`${w} ${path}: ${status}, expected 401`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('sessions never reach the external API; API keys never reach the designer API', async () => {
    const owner = sessions.get('operator')?.headers ?? {};
    const viaSession = await fetch(`${baseUrl}/api/v1/instances?correlationKey=x`, {
      headers: owner,
    });
    expect(viaSession.status).toBe(401);
    const viaKey = await fetch(`${baseUrl}/trpc/instances.list`, {
      headers: { authorization: `Bearer ${platform.apiKey.key}` },
    });
    expect(viaKey.status).toBe(401);
  });

  it('refuses a mutation without the CSRF token or from another origin, and audits it', async () => {
    const session = sessions.get('process-owner');
    if (!session) throw new Error('no session');
    const body = JSON.stringify({ key: 'csrf-probe', name: 'Probe' });
    const noToken = await fetch(`${baseUrl}/trpc/flows.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: session.cookie },
      body,
    });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('CSRF');
    const otherOrigin = await fetch(`${baseUrl}/trpc/flows.create`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: 'https://evil.example',
        ...session.headers,
      },
      body,
    });
    expect(otherOrigin.status).toBe(403);
    const ok = await fetch(`${baseUrl}/trpc/flows.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...session.headers },
      body,
    });
    expect(ok.status).toBe(200);
    const denied = await testDb.db
      .selectFrom('audit_log')
      .select(['actor', 'details'])
      .where('kind', '=', 'access.denied')
      .where('actor', '=', 'u-process-owner')
      .execute();
    expect(denied.map((d) => d.details)).toContainEqual(
      expect.objectContaining({ subject: 'trpc:flows.create', reason: 'csrf' }),
    );
  });
});
