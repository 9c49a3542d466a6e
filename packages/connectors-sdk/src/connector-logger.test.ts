import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { REDACTED, createRedactingLogger } from './connector-logger.ts';
import type { ConnectorLogger, LogFields, LogLevel } from './connector-logger.ts';
import { ConnectorError, isConnectorError } from './connector.error.ts';
import { defineConnector } from './define-connector.ts';
import { invokeOperation } from './invoke-operation.ts';

interface Line {
  level: LogLevel;
  message: string;
  fields: LogFields;
}

function captureSink(): { sink: ConnectorLogger; lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}) =>
      lines.push({ level, message, fields });
  return {
    lines,
    sink: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') },
  };
}

const SECRET = 's3cr3t-key-4242';
const PASSWORD = 'hunter2-long-password';

const chatty = defineConnector({
  id: 'test.chatty',
  version: 1,
  kind: 'wms',
  displayName: 'Chatty',
  description: 'Logs everything it knows.',
  config: z.object({
    host: z.string(),
    apiKey: z.string().meta({ secret: true }),
    login: z.object({ user: z.string(), pass: z.string() }).meta({ secret: true }),
  }),
  operations: ({ defineOperation }) => ({
    talk: defineOperation({
      displayName: 'Talk',
      description: 'Logs its config in several ways.',
      input: z.object({}),
      output: z.object({}),
      idempotent: true,
      defaultTimeoutMs: 1_000,
      run: (ctx) => {
        ctx.logger.info(`connecting to ${ctx.config.host} with ${ctx.config.apiKey}`, {
          config: ctx.config,
          request: {
            url: `https://${ctx.config.host}/x?key=${ctx.config.apiKey}`,
            headers: { 'X-Api-Key': 'anything' },
          },
          attempt: 1,
        });
        ctx.logger.error('login failed', {
          error: new Error(`bad password ${ctx.config.login.pass}`),
        });
        return Promise.resolve({});
      },
    }),
    reject: defineOperation({
      displayName: 'Reject',
      description: 'Fails the way a server that echoes credentials makes it fail.',
      input: z.object({}),
      output: z.object({}),
      idempotent: true,
      defaultTimeoutMs: 1_000,
      run: (ctx) =>
        Promise.reject(
          new ConnectorError('PERMANENT', `key ${ctx.config.apiKey} is not valid`, {
            details: { status: 401, body: { echoed: ctx.config.apiKey } },
          }),
        ),
    }),
  }),
});

describe('connector logger', () => {
  test('secret config values never reach the sink, in messages, nested fields or errors', async () => {
    const { sink, lines } = captureSink();
    await invokeOperation(chatty, 'talk', {
      config: { host: 'wms.example.com', apiKey: SECRET, login: { user: 'ops', pass: PASSWORD } },
      input: {},
      idempotencyKey: 'inst-7:talk#1',
      correlationId: 'SO-9',
      logger: sink,
    });
    const output = JSON.stringify(lines);
    expect(output).not.toContain(SECRET);
    expect(output).not.toContain(PASSWORD);
    expect(output).toContain('wms.example.com'); // non-secret values stay readable

    const [info, error] = lines;
    expect(info?.message).toBe(`connecting to wms.example.com with ${REDACTED}`);
    expect(info?.fields).toMatchObject({
      config: { host: 'wms.example.com', apiKey: REDACTED, login: REDACTED },
      request: {
        url: `https://wms.example.com/x?key=${REDACTED}`,
        headers: { 'X-Api-Key': REDACTED },
      },
      attempt: 1,
    });
    expect(error).toMatchObject({
      level: 'error',
      fields: { error: { message: `bad password ${REDACTED}` } },
    });
  });

  test('every line carries the connector, operation and correlation id', async () => {
    const { sink, lines } = captureSink();
    await invokeOperation(chatty, 'talk', {
      config: { host: 'h', apiKey: SECRET, login: { user: 'u', pass: PASSWORD } },
      input: {},
      idempotencyKey: 'inst-7:talk#1',
      correlationId: 'SO-9',
      logger: sink,
    });
    for (const line of lines) {
      expect(line.fields).toMatchObject({
        connector: 'test.chatty',
        connectorVersion: 1,
        operation: 'talk',
        correlationId: 'SO-9',
        idempotencyKey: 'inst-7:talk#1',
      });
    }
  });

  test('errors coming out of an operation carry no secret values either', async () => {
    const error: unknown = await invokeOperation(chatty, 'reject', {
      config: { host: 'h', apiKey: SECRET, login: { user: 'u', pass: PASSWORD } },
      input: {},
      idempotencyKey: 'inst-7:reject#1',
      correlationId: 'SO-9',
    }).catch((e: unknown) => e);
    expect(isConnectorError(error) && error.toJSON()).toEqual({
      name: 'ConnectorError',
      code: 'PERMANENT',
      message: `key ${REDACTED} is not valid`,
      retryable: false,
      details: { status: 401, body: { echoed: REDACTED } },
    });
  });

  test('fields named like credentials are masked even when their value is not a known secret', () => {
    const { sink, lines } = captureSink();
    createRedactingLogger(sink, { secrets: [] }).warn('retrying', {
      headers: { Authorization: 'Bearer abc', Cookie: 'sid=1', accept: 'application/json' },
      password: 'x',
      access_token: 'y',
      items: [{ apiKey: 'z', sku: 'A' }],
    });
    expect(lines[0]?.fields).toEqual({
      headers: { Authorization: REDACTED, Cookie: REDACTED, accept: 'application/json' },
      password: REDACTED,
      access_token: REDACTED,
      items: [{ apiKey: REDACTED, sku: 'A' }],
    });
  });

  test('a cyclic or very deep value is cut off instead of hanging the logger', () => {
    const { sink, lines } = captureSink();
    const cyclic: Record<string, unknown> = { name: 'root' };
    cyclic.self = cyclic;
    createRedactingLogger(sink, { secrets: [] }).info('cyclic', { cyclic });
    expect(JSON.stringify(lines[0]?.fields)).toContain('[…]');
  });
});
