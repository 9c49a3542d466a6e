import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startFixtureServer } from '../test/fixture-server.ts';
import type { FixtureServer } from '../test/fixture-server.ts';
import { probeConfig, probeConnector } from '../test/probe.connector.ts';
import { ConnectorError, isConnectorError } from './connector.error.ts';
import { parseRetryAfter } from './http-client.ts';
import { invokeOperation } from './invoke-operation.ts';

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(async () => {
  await server.close();
});

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isConnectorError(error)) throw new Error(`expected a ConnectorError, got ${String(error)}`);
  return error;
}

function get(path: string, options: { baseUrl?: string; requestTimeoutMs?: number } = {}) {
  return invokeOperation(probeConnector, 'get', {
    config: probeConfig(options.baseUrl ?? server.url),
    input: { path, requestTimeoutMs: options.requestTimeoutMs },
    idempotencyKey: 'k-1',
    correlationId: 'SO-1',
  });
}

describe('ctx.http maps HTTP outcomes to connector errors', () => {
  test('a 2xx answer resolves with the parsed JSON body', async () => {
    const result = await get('/json');
    expect(result).toEqual({
      status: 200,
      body: { ok: true, authorization: expect.stringMatching(/^Bearer /) },
    });
  });

  test('429 with Retry-After in seconds is RATE_LIMITED with retryAfterMs', async () => {
    const error = await failureOf(get('/status/429?retryAfter=7'));
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterMs: 7000 });
    expect(error.details).toMatchObject({ status: 429 });
    expect(error.message).toContain('GET');
    expect(error.message).toContain('429');
  });

  test('429 with Retry-After as an HTTP date is RATE_LIMITED with a delay until that date', async () => {
    const at = new Date(Date.now() + 120_000).toUTCString();
    const error = await failureOf(get(`/status/429?retryAfter=${encodeURIComponent(at)}`));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryAfterMs).toBeGreaterThan(60_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(120_000);
  });

  test.each([500, 502, 503, 504, 408])('%i is RETRYABLE', async (status) => {
    const error = await failureOf(get(`/status/${status}`));
    expect(error).toMatchObject({ code: 'RETRYABLE', retryable: true, details: { status } });
    expect(error.message).toContain('fixture answered');
  });

  test.each([400, 422])('%i is VALIDATION, not retried', async (status) => {
    const error = await failureOf(get(`/status/${status}`));
    expect(error).toMatchObject({ code: 'VALIDATION', retryable: false, details: { status } });
  });

  test.each([401, 403, 404, 409])('%i is PERMANENT, not retried', async (status) => {
    const error = await failureOf(get(`/status/${status}`));
    expect(error).toMatchObject({ code: 'PERMANENT', retryable: false, details: { status } });
  });

  test('a refused connection is RETRYABLE and names the network error', async () => {
    const closed = await startFixtureServer();
    await closed.close();
    const error = await failureOf(get('/json', { baseUrl: closed.url }));
    expect(error).toMatchObject({ code: 'RETRYABLE', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.cause).toBeInstanceOf(Error);
  });

  test('a request past its own timeoutMs is TIMEOUT', async () => {
    const error = await failureOf(get('/hang', { requestTimeoutMs: 50 }));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(error.message).toContain('/hang');
  });

  test('a request still running when the operation times out is TIMEOUT', async () => {
    const error = await failureOf(
      invokeOperation(probeConnector, 'get', {
        config: probeConfig(server.url),
        input: { path: '/hang' },
        idempotencyKey: 'k-1',
        correlationId: 'SO-1',
        timeoutMs: 50,
      }),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('test.probe@1 get');
  });

  test('a body that does not match the response schema is PERMANENT and names the field', async () => {
    const error = await failureOf(
      invokeOperation(probeConnector, 'getOk', {
        config: probeConfig(server.url),
        input: { path: '/status/200' },
        idempotencyKey: 'k-1',
        correlationId: 'SO-1',
      }),
    );
    expect(error.code).toBe('PERMANENT');
    expect(error.message).toContain('ok:');
    expect(error.details).toMatchObject({ status: 200, issues: [{ path: 'ok' }] });
  });
});

describe('parseRetryAfter', () => {
  test.each([
    ['0', 0],
    ['3', 3000],
    [' 12 ', 12_000],
    ['Thu, 01 Jan 2026 00:00:10 GMT', 10_000],
    ['Thu, 01 Jan 2025 00:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j → %j ms', (header, expected) => {
    expect(parseRetryAfter(header, Date.parse('2026-01-01T00:00:00Z'))).toBe(expected);
  });
});
