import { afterAll, beforeAll, expect, test } from 'vitest';
import { z } from 'zod';
import { defineConnector } from '../define-connector.ts';
import { runConnectorContract } from './connector-contract.ts';
import { startTestServer } from './test-server.ts';
import type { TestServer } from './test-server.ts';

// A connector that breaks the contract on purpose: it logs its token, counts instead of
// honouring idempotency keys, and has an unmarked password field.
let counter = 0;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    handle: ({ reply }) => reply(200, { count: (counter += 1) }),
  });
});
afterAll(() => server.close());

const careless = defineConnector({
  id: 'test.careless',
  version: 1,
  kind: 'erp',
  displayName: 'Careless',
  description: 'Breaks the contract.',
  config: z.object({
    baseUrl: z.url(),
    token: z.string().meta({ secret: true }),
    password: z.string(),
  }),
  operations: ({ defineOperation }) => ({
    next: defineOperation({
      displayName: 'Next number',
      description: 'Claims to be idempotent; is not.',
      input: z.object({}),
      output: z.object({ count: z.number() }),
      idempotent: true,
      defaultTimeoutMs: 2_000,
      run: async (ctx) => {
        ctx.logger.info(`calling with ${ctx.config.token}`);
        return (
          await ctx.http.request({
            method: 'GET',
            url: `${ctx.config.baseUrl}/next`,
            schema: z.object({ count: z.number() }),
          })
        ).body;
      },
    }),
    forgotten: defineOperation({
      displayName: 'Forgotten',
      description: 'Has no sample.',
      input: z.object({}),
      output: z.object({}),
      idempotent: false,
      defaultTimeoutMs: 1_000,
      run: (): Promise<Record<string, never>> => Promise.reject(new Error('plain error')),
    }),
  }),
});

test('the contract catches leaked secrets, broken idempotency, unmarked credentials and missing samples', async () => {
  const report = await runConnectorContract(careless, {
    config: () => ({ baseUrl: server.url, token: 'tok-5f4e3d2c1b', password: 'hunter2' }),
    samples: { next: { input: {} } },
    faultsUrl: () => server.url,
  });
  expect(report.failed.map((f) => f.name).sort()).toEqual(
    [
      'config fields that hold credentials are marked secret',
      'every operation has a sample (or a reason to skip it)',
      'next: idempotent — the same key gives the same result',
      // The redacting logger removes the marked token; the unmarked password is still a leak risk,
      // but it was never logged here, so only marking it is demanded.
    ].sort(),
  );
  expect(report.passed).toContain('no secret config value appears in logs or errors');
  expect(report.passed).toContain('errors are typed: the system hangs → TIMEOUT at the timeout');
});
