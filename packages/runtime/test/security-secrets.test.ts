/**
 * Secrets never reach the log: a full run through the platform — a connector config holding an
 * ERP key, events posted with an API key, invoices posted to the ERP by the worker, a user who
 * signs in with a password (and once with a wrong one), a session used for the designer's API,
 * a secret saved through the connector form — captures every log line at debug level and finds
 * none of the secret values in them.
 */
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import { startErpSimulator, type ErpSimulator } from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '../src/api/routers/_app.ts';
import { signInOverHttp } from '../src/identity/testing.ts';
import { createUser } from '../src/identity/users.ts';
import { createLogger } from '../src/log.ts';
import { createPlatform, type Platform } from '../src/platform.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { invoiceFlow } from './flows.ts';

const ERP = 'waybill.erp-sandbox';
const secrets = {
  erpKey: 'erp-key-5b1d9e7a3c',
  rotatedErpKey: 'erp-key-rotated-84f2c0',
  apiKey: 'wb_api_key_2e9f4a7c1d',
  wrongApiKey: 'wb_wrong_key_c3a81f',
  adminPassword: 'admin passphrase 6d0b',
  password: 'operator passphrase 91ce',
  wrongPassword: 'mistyped passphrase 47aa',
};

let testDb: TestDatabase;
let erp: ErpSimulator;
let platform: Platform;
let baseUrl: string;
const lines: string[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  erp = await startErpSimulator({ apiKey: secrets.erpKey });
  platform = await createPlatform({
    connection: testDb.connection,
    logger: createLogger({ level: 'debug', write: (line) => lines.push(line) }),
    worker: false,
    designerDir: null,
    apiKey: secrets.apiKey,
    adminPassword: secrets.adminPassword,
    registry: new ConnectorRegistry([erpSandboxConnector]),
    connectorConfigs: { [ERP]: { baseUrl: erp.url, apiKey: secrets.erpKey } },
  });
  await platform.deploy(invoiceFlow);
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  await createUser(
    testDb.db,
    { username: 'ops', displayName: 'Ops', password: secrets.password, roles: ['operator'] },
    { actor: 'test' },
  );
});
afterAll(async () => {
  await platform.close();
  await erp.close();
  await testDb.drop();
});

async function postEvent(key: string, type: string, payload: Record<string, unknown>) {
  return fetch(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${key}`,
      'idempotency-key': `${type}:SO-S1`,
    },
    body: JSON.stringify({ type, correlationKey: 'SO-S1', payload }),
  });
}

describe('secrets in logs', () => {
  it('a full run logs none of the secrets, keys, passwords or session tokens', async () => {
    // A refused key and a refused password: what was typed is not logged either.
    expect((await postEvent(secrets.wrongApiKey, 'order.released', {})).status).toBe(401);
    await expect(signInOverHttp(baseUrl, 'ops', secrets.wrongPassword)).rejects.toThrow(/401/);

    const session = await signInOverHttp(baseUrl, 'ops', secrets.password);
    const api = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${baseUrl}/trpc`, headers: () => session.headers })],
    });
    expect((await api.flows.list.query()).length).toBeGreaterThan(0);
    await api.connectors.saveConfig.mutate({
      connectorId: ERP,
      values: { baseUrl: erp.url, apiKey: secrets.rotatedErpKey },
    });
    await api.connectors.saveConfig.mutate({
      connectorId: ERP,
      values: { baseUrl: erp.url, apiKey: secrets.erpKey },
    });

    const events: [string, Record<string, unknown>][] = [
      [
        'order.released',
        {
          orderNumber: 'SO-S1',
          customerId: 'C-100',
          currency: 'USD',
          lines: [{ sku: 'BOX-2020', quantity: 10, unitPrice: 2.35 }],
        },
      ],
      ['shipment.confirmed', { shipmentId: 'SH-S1' }],
      ['pricing.validated', { variancePct: 0.2 }],
    ];
    for (const [type, payload] of events) {
      expect((await postEvent(secrets.apiKey, type, payload)).status).toBe(202);
    }
    await platform.worker.runUntilIdle();
    // The worker called the ERP with the stored key: the secret was really in use.
    expect(erp.invoices()).toHaveLength(1);

    const signOut = await fetch(`${baseUrl}/auth/sign-out`, {
      method: 'POST',
      headers: session.headers,
    });
    expect(signOut.ok).toBe(true);

    const log = lines.join('\n');
    // The run was logged: requests, the connector form, the worker's connector call.
    expect(log).toContain('request completed');
    expect(log).toContain('connector config saved');
    expect(log).toContain(ERP);
    const sessionToken = /=([^;]+)/.exec(session.cookie)?.[1];
    expect(sessionToken).toBeTruthy();
    const found = Object.entries({
      ...secrets,
      sessionToken: sessionToken ?? '',
      csrfToken: session.csrfToken,
    }).filter(([, value]) => log.includes(value));
    expect(found.map(([name]) => name)).toEqual([]);
  });
});
