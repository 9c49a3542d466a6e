import { afterAll, beforeAll, expect, test } from 'vitest';
import { createMemoryTriggerState } from './activate-trigger.ts';
import { ConnectorError } from './connector.error.ts';
import { noopLogger } from './connector-logger.ts';
import type { LogFields } from './connector-logger.ts';
import type { PublishEvent, TriggerContext } from './define-trigger.ts';
import { createHttpClient } from './http-client.ts';
import { PollingTrigger } from './polling-trigger.ts';
import type { PollingTriggerSpec } from './polling-trigger.ts';
import { startTestServer } from './testing/test-server.ts';
import type { TestServer } from './testing/test-server.ts';

// A feed of five POD notices, the third of them malformed, served in pages of two.
let feed: TestServer;
beforeAll(async () => {
  const items = [1, 2, 3, 4, 5].map((n) => ({
    id: `n-${n}`,
    order: `SO-${n}`,
    at: n === 3 ? 'not a date' : '2026-11-24T09:30:00Z',
  }));
  feed = await startTestServer({
    handle: ({ query, reply }) => {
      const after = Number(query.get('after') ?? '0');
      reply(200, { items: items.slice(after, after + 2), next: String(Math.min(after + 2, 5)) });
    },
  });
});
afterAll(() => feed.close());

const spec: PollingTriggerSpec<{ url: string }> = {
  displayName: 'POD feed',
  description: 'Test feed.',
  events: ['pod.received'],
  intervalMs: 10,
  poll: async (ctx, cursor) => {
    const { body } = await ctx.http.request({
      method: 'GET',
      url: ctx.config.url,
      query: { after: cursor },
    });
    const page = body as { items: { id: string; order: string; at: string }[]; next: string };
    return {
      events: page.items.map((item) => ({
        type: 'pod.received' as const,
        correlationKey: item.order,
        idempotencyKey: `feed:${item.id}`,
        payload: { documentId: `POD-${item.id}`, receivedAt: item.at },
      })),
      cursor: page.next,
      more: Number(page.next) < 5,
    };
  },
};

test('the cursor moves only after a whole page was accepted; malformed events are logged and skipped', async () => {
  const published: string[] = [];
  const errors: LogFields[] = [];
  let sinkDown = true;
  const state = createMemoryTriggerState();
  const controller = new AbortController();
  const ctx: TriggerContext<{ url: string }> = {
    config: { url: feed.url },
    triggerId: 'test.feed',
    signal: controller.signal,
    state,
    http: createHttpClient({ signal: controller.signal, logger: noopLogger }),
    logger: { ...noopLogger, error: (_message, fields) => void errors.push(fields ?? {}) },
    webhook: { mount: () => ({ url: '', unmount: () => {} }) },
    publish: (event: PublishEvent) => {
      if (sinkDown) return Promise.reject(new ConnectorError('RETRYABLE', 'sink down'));
      if (event.type === 'pod.received' && event.payload.receivedAt === 'not a date') {
        return Promise.reject(new ConnectorError('VALIDATION', 'receivedAt: Invalid ISO datetime'));
      }
      published.push(event.idempotencyKey);
      return Promise.resolve({ duplicate: false });
    },
  };
  const poller = new PollingTrigger(spec, ctx);

  await expect(poller.pollOnce()).rejects.toMatchObject({ code: 'RETRYABLE' });
  expect(await state.get('cursor')).toBeUndefined(); // nothing accepted: the page is read again

  sinkDown = false;
  expect(await poller.pollOnce()).toEqual({ published: 2, duplicates: 0, rejected: 0, more: true });
  expect(await poller.pollOnce()).toEqual({ published: 1, duplicates: 0, rejected: 1, more: true });
  expect(await poller.pollOnce()).toEqual({
    published: 1,
    duplicates: 0,
    rejected: 0,
    more: false,
  });
  expect(await state.get('cursor')).toBe('5');
  expect(published).toEqual(['feed:n-1', 'feed:n-2', 'feed:n-4', 'feed:n-5']);
  expect(errors).toMatchObject([{ event: { idempotencyKey: 'feed:n-3' } }]);
  controller.abort();
});
