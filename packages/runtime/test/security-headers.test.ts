import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, HSTS, createHttpApp } from '../src/api/app.ts';
import { createLogger } from '../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

let testDb: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const designerDir = mkdtempSync(join(tmpdir(), 'waybill-designer-'));
  writeFileSync(join(designerDir, 'index.html'), '<!doctype html><div id="root"></div>');
  mkdirSync(join(designerDir, 'assets'));
  writeFileSync(join(designerDir, 'assets', 'index.js'), 'export {};');
  app = await createHttpApp({
    connection: testDb.connection,
    logger: createLogger({ level: 'error', write: () => {} }),
    version: 'test',
    designerDir,
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
  await testDb.drop();
});

const pages: [string, string, number][] = [
  ['the designer page', '/', 200],
  ['a designer deep link', '/flows/order-to-cash', 200],
  ['a designer asset', '/assets/index.js', 200],
  ['an API route', '/api/v1/instances', 401],
  ['the OpenAPI document', '/api/v1/openapi.json', 200],
  ['the health check', '/healthz', 200],
  ['an unknown API path', '/api/v1/nothing-here', 404],
];

describe('security headers', () => {
  it.each(pages)('%s carries the policy and the hardening headers', async (_name, path, status) => {
    const response = await fetch(`${baseUrl}${path}`);
    expect(response.status).toBe(status);
    const csp = response.headers.get('content-security-policy');
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('same-origin');
    expect(response.headers.get('x-powered-by')).toBeNull();
    // Plain HTTP: no HSTS (browsers would ignore it anyway).
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('the policy allows only the own origin: no CDN, no inline or eval scripts, no framing', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split('; ').map((part) => {
        const [name = '', ...sources] = part.split(' ');
        return [name, sources] as const;
      }),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    for (const sources of directives.values()) {
      for (const source of sources)
        expect(source).toMatch(/^('self'|'none'|'unsafe-inline'|data:)$/);
    }
  });

  it('sends Strict-Transport-Security when the request came over HTTPS', async () => {
    const response = await fetch(`${baseUrl}/healthz`, {
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(response.headers.get('strict-transport-security')).toBe(HSTS);
  });
});
