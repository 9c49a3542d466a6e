/** The incidents API over HTTP (and tRPC): list, read, retry and resolve, with scope checks. */
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry } from '@waybill/connectors-sdk';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../src/api/api-keys.ts';
import { createHttpApp } from '../src/api/app.ts';
import { appRouter } from '../src/api/routers/_app.ts';
import { createCallerFactory } from '../src/api/trpc.ts';
import { principalFor } from '../src/identity/users.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { getInstanceView, listInstances } from '../src/engine/queries.ts';
import { Worker } from '../src/engine/worker.ts';
import { silentLogger } from '../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { ledger, ledgerConnector, ledgerPostFlow } from './ledger.ts';

const postFlow = ledgerPostFlow(1);

const registry = new ConnectorRegistry([ledgerConnector]);
let testDb: TestDatabase;
let worker: Worker;
let app: FastifyInstance;
let baseUrl: string;
const operator = 'wb_inc_operator';
const reader = 'wb_inc_reader';

beforeAll(async () => {
  testDb = await createTestDatabase();
  worker = new Worker({ connection: testDb.connection, connectors: { registry, configs: {} } });
  await deployFlow(testDb.db, postFlow, { publishedBy: 'test', catalogue: registry.catalogue() });
  await registerApiKey(testDb.db, {
    key: operator,
    name: 'night-ops',
    scopes: ['incidents:write', 'instances:read'],
  });
  await registerApiKey(testDb.db, { key: reader, name: 'bi', scopes: ['instances:read'] });
  app = await createHttpApp({
    connection: testDb.connection,
    logger: silentLogger,
    version: 'test',
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await app.close();
  await testDb.drop();
});

async function startOrder(orderNumber: string): Promise<string> {
  await ingestEvent(
    testDb.db,
    { type: 'order.released', correlationKey: orderNumber, payload: { orderNumber } },
    { idempotencyKey: randomUUID() },
  );
  await worker.runUntilIdle();
  const [instance] = await listInstances(testDb.db, { correlationKey: orderNumber });
  return instance!.id;
}

function api(path: string, key: string, body?: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

interface IncidentBody {
  id: string;
  status: string;
  instanceId: string;
  nodeId: string;
  correlationKey: string;
  error: { code: string; message: string };
  payload: unknown;
  resolvedBy: string | null;
}

describe('incidents over HTTP', () => {
  it('lists an incident with its error and payload, retries it, and resolves the next one by skipping', async () => {
    ledger.otherwise = 'permanent';
    const instanceId = await startOrder('SO-INC-1');
    const list = await api(`/api/v1/incidents?status=open&instanceId=${instanceId}`, reader);
    expect(list.status).toBe(200);
    const { incidents } = (await list.json()) as { incidents: IncidentBody[] };
    expect(incidents).toHaveLength(1);
    const incident = incidents[0]!;
    expect(incident).toMatchObject({
      nodeId: 'post',
      correlationKey: 'SO-INC-1',
      status: 'open',
      payload: { orderNumber: 'SO-INC-1' },
    });
    expect(incident.error.message).toContain('account closed');
    expect(await (await api(`/api/v1/incidents/${incident.id}`, reader)).json()).toMatchObject({
      id: incident.id,
    });

    // Reading is not deciding: a read-only key gets 403 naming the scope.
    const forbidden = await api(`/api/v1/incidents/${incident.id}/retry`, reader, {});
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ requiredScope: 'incidents:write' });

    // Retried while the ledger still refuses: a fresh incident opens.
    const retried = await api(`/api/v1/incidents/${incident.id}/retry`, operator, {
      note: 'ledger team reopened the account',
    });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({
      status: 'retried',
      resolvedBy: 'api-key:night-ops',
    });
    await worker.runUntilIdle();
    const again = (await (
      await api(`/api/v1/incidents?status=open&instanceId=${instanceId}`, reader)
    ).json()) as { incidents: IncidentBody[] };
    expect(again.incidents).toHaveLength(1);
    const second = again.incidents[0]!;
    expect(second.id).not.toBe(incident.id);

    const resolved = await api(`/api/v1/incidents/${second.id}/resolve`, operator, {
      action: 'skip',
      output: { entry: 'E-MANUAL-1' },
      note: 'posted by hand',
    });
    expect(resolved.status).toBe(200);
    expect(await resolved.json()).toMatchObject({ status: 'resolved' });
    await worker.runUntilIdle();
    const view = await getInstanceView(testDb.db, instanceId);
    expect(view).toMatchObject({ status: 'completed', outcome: 'posted' });
    expect(view?.context.entry).toEqual({ entry: 'E-MANUAL-1' });

    // Deciding twice is a conflict; unknown ids are 404; bad bodies are 400 with fields.
    const twice = await api(`/api/v1/incidents/${second.id}/resolve`, operator, {
      action: 'cancel',
    });
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({ error: 'incident_not_open' });
    const unknown = await api(`/api/v1/incidents/${randomUUID()}/retry`, operator, {});
    expect(unknown.status).toBe(404);
    const bad = await api(`/api/v1/incidents/${second.id}/resolve`, operator, { action: 'ignore' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_body' });
  });

  it('cancels the instance when resolved with cancel, through tRPC as well', async () => {
    ledger.otherwise = 'permanent';
    const instanceId = await startOrder('SO-INC-2');
    const caller = createCallerFactory(appRouter)({
      db: testDb.db,
      databaseKind: testDb.connection.kind,
      version: 'test',
      registry,
      actor: 'ana',
      principal: principalFor('ana', ['process-owner', 'operator']),
      csrfOk: true,
    });
    const [incident] = await caller.incidents.list({ status: 'open', instanceId });
    expect(incident).toBeDefined();
    const resolved = await caller.incidents.resolve({
      id: incident!.id,
      resolution: { action: 'cancel', reason: 'order withdrawn' },
    });
    expect(resolved).toMatchObject({ status: 'resolved', resolvedBy: 'ana' });
    expect(await getInstanceView(testDb.db, instanceId)).toMatchObject({ status: 'cancelled' });
    await expect(caller.incidents.retry({ id: incident!.id })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(caller.incidents.get({ id: randomUUID() })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
