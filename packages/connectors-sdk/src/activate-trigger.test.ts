import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { activateTrigger } from './activate-trigger.ts';
import { isConnectorError } from './connector.error.ts';
import type { LogFields } from './connector-logger.ts';
import { defineConnector } from './define-connector.ts';
import { describeConnector } from './describe-connector.ts';
import { createMemoryEventSink } from './testing/memory-event-sink.ts';
import { startWebhookServer } from './webhook-server.ts';
import type { WebhookServer } from './webhook-server.ts';

const SECRET = 'whsec-0b1c2d3e4f';

// A carrier that posts POD notices: `{ id, order, document, at }`, signed with a shared secret.
const carrierConnector = defineConnector({
  id: 'test.carrier',
  version: 1,
  kind: 'tms',
  displayName: 'Test carrier',
  description: 'POD notices by webhook.',
  config: z.object({ signingSecret: z.string().meta({ secret: true }) }),
  operations: ({ defineOperation }) => ({
    ping: defineOperation({
      displayName: 'Ping',
      description: 'Does nothing.',
      input: z.object({}),
      output: z.object({}),
      idempotent: true,
      defaultTimeoutMs: 1_000,
      run: () => Promise.resolve({}),
    }),
  }),
  triggers: ({ defineTrigger }) => ({
    podWebhook: defineTrigger({
      kind: 'webhook',
      displayName: 'POD webhook',
      description: 'The carrier posts POD notices here.',
      events: ['pod.received'],
      activate: (ctx) => {
        const { unmount } = ctx.webhook.mount('carrier/pod', async (request) => {
          if (request.headers['x-signature'] !== ctx.config.signingSecret) {
            ctx.logger.warn('bad signature', { expected: ctx.config.signingSecret });
            return { status: 401 };
          }
          const body = z
            .object({ id: z.string(), order: z.string(), document: z.string(), at: z.string() })
            .parse(JSON.parse(request.body));
          try {
            const { duplicate } = await ctx.publish({
              type: 'pod.received',
              correlationKey: body.order,
              idempotencyKey: `carrier:${body.id}`,
              payload: { documentId: body.document, receivedAt: body.at },
            });
            return { status: duplicate ? 200 : 202 };
          } catch (error) {
            return { status: isConnectorError(error) && !error.retryable ? 400 : 503 };
          }
        });
        return { deactivate: unmount };
      },
    }),
  }),
});

let webhooks: WebhookServer;
beforeAll(async () => {
  webhooks = await startWebhookServer();
});
afterAll(async () => {
  await webhooks.close();
});

const post = (body: unknown, signature = SECRET) =>
  fetch(`${webhooks.url}/carrier/pod`, {
    method: 'POST',
    headers: { 'x-signature': signature },
    body: JSON.stringify(body),
  });

describe('activateTrigger', () => {
  test('a webhook trigger publishes canonical events, deduplicated by idempotency key', async () => {
    const sink = createMemoryEventSink();
    const lines: { message: string; fields: LogFields | undefined }[] = [];
    const log = (message: string, fields?: LogFields) => void lines.push({ message, fields });
    const running = await activateTrigger(carrierConnector, 'podWebhook', {
      config: { signingSecret: SECRET },
      sink,
      webhookHost: webhooks,
      logger: { debug: log, info: log, warn: log, error: log },
    });
    const notice = { id: 'n-1', order: 'SO-1', document: 'POD-1', at: '2026-11-24T09:30:00Z' };
    expect((await post(notice)).status).toBe(202);
    expect((await post(notice)).status).toBe(200); // redelivery
    expect((await post({ ...notice, id: 'n-2', at: 'yesterday' })).status).toBe(400);
    expect((await post(notice, 'forged')).status).toBe(401);

    expect(sink.events).toEqual([
      {
        type: 'pod.received',
        correlationKey: 'SO-1',
        idempotencyKey: 'carrier:n-1',
        payload: { documentId: 'POD-1', receivedAt: '2026-11-24T09:30:00Z' },
      },
    ]);
    expect(sink.duplicates).toBe(1);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(lines.find((l) => l.message === 'bad signature')?.fields).toMatchObject({
      expected: '[REDACTED]',
      trigger: 'podWebhook',
    });

    await running.deactivate();
    expect((await post({ ...notice, id: 'n-3' })).status).toBe(404);
  });

  test('refuses an unknown trigger, an invalid config and a missing webhook host', async () => {
    const sink = createMemoryEventSink();
    await expect(
      activateTrigger(carrierConnector, 'nope', { config: { signingSecret: SECRET }, sink }),
    ).rejects.toMatchObject({ code: 'PERMANENT', message: expect.stringContaining('podWebhook') });
    await expect(
      activateTrigger(carrierConnector, 'podWebhook', { config: {} as never, sink }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { issues: [{ path: 'signingSecret' }] },
    });
    await expect(
      activateTrigger(carrierConnector, 'podWebhook', { config: { signingSecret: SECRET }, sink }),
    ).rejects.toMatchObject({
      code: 'PERMANENT',
      message: expect.stringContaining('webhook host'),
    });
  });

  test('describeConnector lists triggers and their events for the designer', () => {
    expect(describeConnector(carrierConnector).triggers).toEqual([
      {
        name: 'podWebhook',
        kind: 'webhook',
        displayName: 'POD webhook',
        description: 'The carrier posts POD notices here.',
        events: ['pod.received'],
      },
    ]);
  });
});
