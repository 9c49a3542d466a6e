// The tests of docs/connectors.md's example connector, also included in the guide.
// #region simulator
import { afterAll, beforeAll, expect, test } from 'vitest';
import { activateTrigger, invokeOperation, startWebhookServer } from '@waybill/connectors-sdk';
import type { WebhookServer } from '@waybill/connectors-sdk';
import {
  createMemoryEventSink,
  describeConnectorContract,
  startTestServer,
} from '@waybill/connectors-sdk/testing';
import type { TestServer } from '@waybill/connectors-sdk/testing';
import { customerPortalConnector } from './customer-portal.connector.ts';

// A stand-in for the portal: real HTTP, idempotent uploads, and POST /_faults for the contract.
let portal: TestServer;
const uploads = new Map<string, { uploadId: string; invoiceNumber: string; status: string }>();
beforeAll(async () => {
  portal = await startTestServer({
    handle: async ({ method, path, headers, json, reply }) => {
      if (headers.authorization !== 'Bearer portal-key') return reply(401);
      if (method !== 'POST' || path !== '/uploads') return reply(404);
      const key = String(headers['idempotency-key']);
      const body = (await json()) as { invoiceNumber: string };
      const existing = uploads.get(key);
      if (existing) return reply(200, existing);
      const created = { uploadId: `U-${uploads.size + 1}`, ...body, status: 'received' };
      uploads.set(key, created);
      return reply(201, created);
    },
  });
});
afterAll(() => portal.close());

const config = () => ({
  baseUrl: portal.url,
  apiKey: 'portal-key',
  webhookSecret: 'whsec-portal',
});
// #endregion simulator

// #region contract
describeConnectorContract(customerPortalConnector, {
  config,
  faultsUrl: () => portal.url,
  samples: {
    uploadInvoice: { input: { invoiceNumber: 'INV-1', total: 245, currency: 'USD' } },
  },
});
// #endregion contract

// #region operation-test
test('a retried upload is uploaded once', async () => {
  const call = () =>
    invokeOperation(customerPortalConnector, 'uploadInvoice', {
      config: config(),
      input: { invoiceNumber: 'INV-7', total: 99.5, currency: 'USD' },
      idempotencyKey: 'inst-7:upload#1',
      correlationId: 'SO-7',
    });
  const first = await call();
  expect(await call()).toEqual(first);
  expect([...uploads.values()].filter((u) => u.invoiceNumber === 'INV-7')).toHaveLength(1);
});
// #endregion operation-test

// #region trigger-test
let webhooks: WebhookServer;
beforeAll(async () => {
  webhooks = await startWebhookServer();
});
afterAll(() => webhooks.close());

test('a dispute posted by the portal becomes one dispute.opened event', async () => {
  const sink = createMemoryEventSink();
  const running = await activateTrigger(customerPortalConnector, 'disputes', {
    config: config(),
    sink,
    webhookHost: webhooks,
  });
  const notice = {
    id: 'D-1',
    invoice: 'INV-1',
    customer: 'C-100',
    amount: 12.8,
    currency: 'USD',
    reason: 'Price does not match the contract',
    openedAt: '2026-12-01T09:00:00Z',
  };
  const post = () =>
    fetch(`${webhooks.url}/acme.customer-portal.disputes`, {
      method: 'POST',
      headers: { 'x-portal-secret': 'whsec-portal' },
      body: JSON.stringify(notice),
    });
  expect((await post()).status).toBe(202);
  expect((await post()).status).toBe(200); // the portal retried: deduplicated
  expect(sink.events).toMatchObject([
    {
      type: 'dispute.opened',
      correlationKey: 'INV-1',
      payload: { disputeId: 'D-1', amount: 12.8 },
    },
  ]);
  await running.deactivate();
});
// #endregion trigger-test
