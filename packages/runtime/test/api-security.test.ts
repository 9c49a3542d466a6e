import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiKeyError,
  createApiKey,
  listApiKeys,
  registerApiKey,
  revokeApiKeyById,
} from '../src/api/api-keys.ts';
import { apiRoutesOf, createHttpApp, trustProxyFromEnv } from '../src/api/app.ts';
import { RateLimiter, rateLimitFromEnv, signInThrottleFromEnv } from '../src/api/rate-limit.ts';
import { createLogger } from '../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

let testDb: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;
const logLines: Record<string, unknown>[] = [];
const keys = {
  admin: 'wb_sec_admin',
  writer: 'wb_sec_writer',
  reader: 'wb_sec_reader',
  limited: 'wb_sec_limited',
};

beforeAll(async () => {
  testDb = await createTestDatabase();
  await registerApiKey(testDb.db, { key: keys.admin, name: 'ops', scopes: ['admin'] });
  await registerApiKey(testDb.db, { key: keys.writer, name: 'wms', scopes: ['events:write'] });
  await registerApiKey(testDb.db, { key: keys.reader, name: 'bi', scopes: ['instances:read'] });
  await registerApiKey(testDb.db, { key: keys.limited, name: 'chatty', scopes: ['admin'] });
  app = await createHttpApp({
    connection: testDb.connection,
    logger: createLogger({
      level: 'info',
      write: (line) => logLines.push(JSON.parse(line) as Record<string, unknown>),
    }),
    version: 'test',
    maxEventBytes: 4096,
    maxBodyBytes: 64 * 1024,
    // One key gets a tiny budget through its own bucket; the others never come near it.
    rateLimit: { ratePerSecond: 0.5, burst: 8 },
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
  await testDb.drop();
});

function postEvent(key: string, idempotencyKey: string, extra: Record<string, string> = {}) {
  return fetch(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
      'idempotency-key': idempotencyKey,
      ...extra,
    },
    body: JSON.stringify({ type: 'order.released', correlationKey: 'SO-7', payload: {} }),
  });
}

function getInstances(key: string) {
  return fetch(`${baseUrl}/api/v1/instances?correlationKey=SO-7`, {
    headers: { authorization: `Bearer ${key}` },
  });
}

describe('scoped API keys', () => {
  it('lets each key do what its scopes allow and answers 403 naming the missing scope', async () => {
    expect((await postEvent(keys.writer, 'scope-1')).status).toBe(202);
    const forbidden = await getInstances(keys.writer);
    expect(forbidden.status).toBe(403);
    const body = (await forbidden.json()) as { error: string; message: string };
    expect(body.error).toBe('forbidden');
    expect(body.message).toContain('instances:read');

    expect((await getInstances(keys.reader)).status).toBe(200);
    const readerPost = await postEvent(keys.reader, 'scope-2');
    expect(readerPost.status).toBe(403);
    expect(await readerPost.json()).toMatchObject({ requiredScope: 'events:write' });
    // A refused request stores nothing.
    const stored = await testDb.db
      .selectFrom('events')
      .select('id')
      .where('idempotency_key', '=', 'scope-2')
      .execute();
    expect(stored).toEqual([]);

    expect((await postEvent(keys.admin, 'scope-3')).status).toBe(202);
    expect((await getInstances(keys.admin)).status).toBe(200);
  });

  it('creates keys shown once, lists them without the key, and revokes them by id', async () => {
    const created = await createApiKey(testDb.db, {
      name: 'edi-gateway',
      scopes: ['events:write'],
    });
    expect(created.key).toMatch(/^wb_[0-9a-f]{40}$/);
    expect((await postEvent(created.key, 'created-1')).status).toBe(202);

    const listed = await listApiKeys(testDb.db);
    const mine = listed.find((k) => k.id === created.id);
    expect(mine).toMatchObject({ name: 'edi-gateway', scopes: ['events:write'], revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(created.key);

    expect(await revokeApiKeyById(testDb.db, created.id)).toBe(true);
    expect(await revokeApiKeyById(testDb.db, created.id)).toBe(false);
    expect((await postEvent(created.key, 'created-2')).status).toBe(401);
    expect((await listApiKeys(testDb.db)).some((k) => k.id === created.id)).toBe(false);
    const all = await listApiKeys(testDb.db, { includeRevoked: true });
    expect(all.find((k) => k.id === created.id)?.revokedAt).toEqual(expect.any(String));
  });

  it('refuses unknown scopes with the list of valid ones', async () => {
    const refused = await createApiKey(testDb.db, { name: 'x', scopes: ['events:read'] }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiKeyError);
    expect(refused).toMatchObject({ code: 'INVALID_SCOPE' });
    expect((refused as Error).message).toContain('incidents:write');
  });
});

describe('per-key rate limiting', () => {
  it('answers 429 with Retry-After once a key spent its burst, without slowing other keys', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await getInstances(keys.limited)).status);
    expect(statuses).toEqual(Array.from({ length: 8 }, () => 200));
    const limited = await getInstances(keys.limited);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
    expect((await getInstances(keys.reader)).status).toBe(200);
  });

  it('refills the bucket at the configured rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 2 }, { now: () => now });
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    now += 500; // half a second buys one token at 2/s
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k').allowed).toBe(false);
    expect(new RateLimiter({ ratePerSecond: 0, burst: 1 }).take('k').allowed).toBe(true);
  });

  it('peeks without taking: a bucket no one took from is full, a spent one says when to retry', () => {
    let now = 0;
    const limiter = new RateLimiter({ ratePerSecond: 1 / 30, burst: 2 }, { now: () => now });
    expect(limiter.peek('a').allowed).toBe(true);
    expect(limiter.peek('a').allowed).toBe(true);
    limiter.take('a');
    expect(limiter.peek('a').allowed).toBe(true);
    limiter.take('a');
    expect(limiter.peek('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    now += 20_000;
    expect(limiter.peek('a')).toEqual({ allowed: false, retryAfterSeconds: 10 });
    now += 10_000;
    expect(limiter.peek('a').allowed).toBe(true);
    expect(limiter.peek('b').allowed).toBe(true);
  });

  it('reads the sign-in failure limit and the trusted proxies from the environment', () => {
    expect(signInThrottleFromEnv({})).toEqual({ ratePerSecond: 1 / 30, burst: 20 });
    expect(
      signInThrottleFromEnv({
        WAYBILL_SIGN_IN_FAILURES: '5',
        WAYBILL_SIGN_IN_FAILURE_INTERVAL: '60',
      }),
    ).toEqual({ ratePerSecond: 1 / 60, burst: 5 });
    expect(signInThrottleFromEnv({ WAYBILL_SIGN_IN_FAILURES: '0' }).ratePerSecond).toBe(0);
    expect(() => signInThrottleFromEnv({ WAYBILL_SIGN_IN_FAILURES: 'many' })).toThrow(
      /WAYBILL_SIGN_IN_FAILURES/,
    );
    expect(trustProxyFromEnv({})).toBe(false);
    expect(trustProxyFromEnv({ WAYBILL_TRUST_PROXY: 'true' })).toBe(true);
    expect(trustProxyFromEnv({ WAYBILL_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' })).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
    ]);
  });

  it('reads WAYBILL_RATE_LIMIT and WAYBILL_RATE_LIMIT_BURST', () => {
    expect(rateLimitFromEnv({})).toEqual({ ratePerSecond: 1000, burst: 2000 });
    expect(rateLimitFromEnv({ WAYBILL_RATE_LIMIT: '50' })).toEqual({
      ratePerSecond: 50,
      burst: 100,
    });
    expect(rateLimitFromEnv({ WAYBILL_RATE_LIMIT: '5', WAYBILL_RATE_LIMIT_BURST: '7' })).toEqual({
      ratePerSecond: 5,
      burst: 7,
    });
    expect(() => rateLimitFromEnv({ WAYBILL_RATE_LIMIT: 'fast' })).toThrow(/WAYBILL_RATE_LIMIT/);
  });
});

describe('request size limits and request ids', () => {
  it('answers 413 with a JSON error for oversized bodies on every route, not only events', async () => {
    const big = JSON.stringify({ definition: { notes: 'x'.repeat(100 * 1024) } });
    const res = await fetch(`${baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${keys.admin}`,
        'idempotency-key': 'big',
      },
      body: big,
    });
    expect(res.status).toBe(413);
    // Other routes that take a body are bounded by the global limit (64 KiB here).
    const other = await fetch(
      `${baseUrl}/api/v1/incidents/00000000-0000-0000-0000-000000000000/resolve`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.admin}` },
        body: JSON.stringify({ action: 'cancel', reason: 'x'.repeat(100 * 1024) }),
      },
    );
    expect(other.status).toBe(413);
    expect(await other.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('echoes a client X-Request-Id, makes one up otherwise, and logs it with the event', async () => {
    const res = await postEvent(keys.admin, 'rid-1', { 'x-request-id': 'erp-batch-42.7' });
    expect(res.headers.get('x-request-id')).toBe('erp-batch-42.7');
    const accepted = logLines.find(
      (line) => line.msg === 'event accepted' && line.requestId === 'erp-batch-42.7',
    );
    expect(accepted).toMatchObject({
      correlationKey: 'SO-7',
      eventType: 'order.released',
      apiKey: 'ops',
    });
    const generated = await getInstances(keys.admin);
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await fetch(`${baseUrl}/healthz`, { headers: { 'x-request-id': 'a b\tc' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      logLines.some((l) => l.msg === 'request completed' && l.requestId === 'erp-batch-42.7'),
    ).toBe(true);
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('documents every route the app registers under /api/v1, with its method', async () => {
    const doc = (await (await fetch(`${baseUrl}/api/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const routes = apiRoutesOf(app);
    expect(routes.length).toBeGreaterThanOrEqual(4);
    const missing = routes.filter((route) => {
      const path = route.url.replace(/:(\w+)/g, '{$1}');
      return !doc.paths[path]?.[route.method.toLowerCase()];
    });
    expect(missing).toEqual([]);
    for (const path of ['/healthz', '/metrics']) expect(doc.paths[path]?.get).toBeDefined();
  });

  it('describes the event body from the schema the route validates with', async () => {
    const doc = (await (await fetch(`${baseUrl}/api/v1/openapi.json`)).json()) as {
      paths: Record<
        string,
        { post?: { requestBody: { content: Record<string, { schema: unknown }> } } }
      >;
    };
    const schema = doc.paths['/api/v1/events']?.post?.requestBody.content['application/json']
      ?.schema as {
      required: string[];
      properties: Record<string, unknown>;
      additionalProperties: unknown;
    };
    expect(schema.required.sort()).toEqual(['correlationKey', 'payload', 'type']);
    expect(Object.keys(schema.properties).sort()).toEqual([
      'correlationKey',
      'occurredAt',
      'payload',
      'type',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });
});

describe('waybill keys (CLI)', () => {
  const cli = resolve(import.meta.dirname, '..', 'src', 'cli.ts');
  const dataDir = mkdtempSync(join(tmpdir(), 'waybill-keys-'));
  const run = (...args: string[]) => {
    // Postgres when the suite runs on it (the test database), else an embedded one on disk.
    const env: Record<string, string | undefined> = { ...process.env, WAYBILL_DATA_DIR: dataDir };
    if (testDb.url.startsWith('postgres')) env.DATABASE_URL = testDb.url;
    else delete env.DATABASE_URL;
    const result = spawnSync(process.execPath, [cli, 'keys', ...args], { env, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('creates, lists and revokes keys', () => {
    const created = run('create', '--name', 'wms-dallas', '--scope', 'events:write');
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    const key = /\b(wb_[0-9a-f]{40})\b/.exec(created.stdout)?.[1];
    const id = /Created API key ([0-9a-f-]{36})/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect(id).toBeDefined();

    const listed = run('list');
    expect(listed.stdout).toContain('wms-dallas');
    expect(listed.stdout).toContain('events:write');
    expect(listed.stdout).not.toContain(key);

    expect(run('revoke', id ?? '').status).toBe(0);
    expect(run('list', '--all').stdout).toMatch(/wms-dallas.*revoked/);
    const bad = run('create', '--name', 'x', '--scope', 'everything');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Unknown scope everything');
  }, 240_000);
});
