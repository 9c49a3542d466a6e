/** A connector that exercises the SDK in tests: it calls whatever path it is given. */
import { z } from 'zod';
import { defineConnector } from '../src/define-connector.ts';

export const PROBE_TOKEN = 'tok-9f8e7d6c5b4a';

export const probeConnector = defineConnector({
  id: 'test.probe',
  version: 1,
  kind: 'erp',
  displayName: 'Probe',
  description: 'Calls a path on a test server.',
  config: z.object({
    baseUrl: z.url(),
    token: z.string().min(1).meta({ secret: true, label: 'Token' }),
  }),
  operations: ({ defineOperation }) => ({
    get: defineOperation({
      displayName: 'GET a path',
      description: 'GETs baseUrl + path and returns the body.',
      input: z.object({ path: z.string(), requestTimeoutMs: z.number().optional() }),
      output: z.object({ status: z.number(), body: z.unknown() }),
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: async (ctx, input) => {
        const response = await ctx.http.request({
          method: 'GET',
          url: `${ctx.config.baseUrl}${input.path}`,
          headers: { authorization: `Bearer ${ctx.config.token}` },
          timeoutMs: input.requestTimeoutMs,
        });
        return { status: response.status, body: response.body };
      },
    }),
    getOk: defineOperation({
      displayName: 'GET a path expecting { ok: true }',
      description: 'Validates the response body with a schema.',
      input: z.object({ path: z.string() }),
      output: z.object({ ok: z.literal(true) }),
      idempotent: true,
      defaultTimeoutMs: 5_000,
      run: async (ctx, input) => {
        const { body } = await ctx.http.request({
          method: 'GET',
          url: `${ctx.config.baseUrl}${input.path}`,
          schema: z.object({ ok: z.literal(true) }),
        });
        return { ok: body.ok };
      },
    }),
  }),
});

export function probeConfig(baseUrl: string) {
  return { baseUrl, token: PROBE_TOKEN };
}
