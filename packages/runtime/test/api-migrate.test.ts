/** Version migration over HTTP (scope admin) and tRPC: refusals with reasons, dry runs, audit actor. */
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry } from '@waybill/connectors-sdk';
import type { FlowDefinitionInput } from '@waybill/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApiKey } from '../src/api/api-keys.ts';
import { createHttpApp } from '../src/api/app.ts';
import { appRouter } from '../src/api/routers/_app.ts';
import { createCallerFactory } from '../src/api/trpc.ts';
import { principalFor } from '../src/identity/users.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { listInstances } from '../src/engine/queries.ts';
import { Worker } from '../src/engine/worker.ts';
import { silentLogger } from '../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

const v1 = {
  key: 'await-pod',
  name: 'Await POD',
  trigger: { event: 'order.released' },
  variables: [{ name: 'pod', type: 'any' }],
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'waitPod', type: 'waitForEvent', eventType: 'pod.received', assign: 'pod' },
    { id: 'done', type: 'end', outcome: 'delivered' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'waitPod' },
    { id: 'e2', source: 'waitPod', sourceHandle: 'event', target: 'done' },
  ],
} satisfies FlowDefinitionInput;

/** v2 renames the wait. */
const v2 = {
  ...v1,
  nodes: [
    { id: 'start', type: 'start' },
    { id: 'awaitDelivery', type: 'waitForEvent', eventType: 'pod.received', assign: 'pod' },
    { id: 'done', type: 'end', outcome: 'delivered-v2' },
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'awaitDelivery' },
    { id: 'e2', source: 'awaitDelivery', sourceHandle: 'event', target: 'done' },
  ],
} satisfies FlowDefinitionInput;

let testDb: TestDatabase;
let app: FastifyInstance;
let baseUrl: string;
const admin = 'wb_mig_admin';
const operator = 'wb_mig_operator';

beforeAll(async () => {
  testDb = await createTestDatabase();
  const worker = new Worker({
    connection: testDb.connection,
    connectors: { registry: new ConnectorRegistry([]), configs: {} },
  });
  await deployFlow(testDb.db, v1, { publishedBy: 'test' });
  for (const key of ['SO-MG1', 'SO-MG2']) {
    await ingestEvent(
      testDb.db,
      { type: 'order.released', correlationKey: key, payload: { orderNumber: key } },
      { idempotencyKey: randomUUID() },
    );
  }
  await worker.runUntilIdle();
  await deployFlow(testDb.db, v2, { publishedBy: 'test' });
  await registerApiKey(testDb.db, { key: admin, name: 'release-manager', scopes: ['admin'] });
  await registerApiKey(testDb.db, {
    key: operator,
    name: 'night-ops',
    scopes: ['incidents:write', 'instances:read'],
  });
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

function migrate(key: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/instances/migrate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const input = { flowKey: 'await-pod', fromVersion: 1, toVersion: 2 };

describe('POST /api/v1/instances/migrate', () => {
  it('needs the admin scope', async () => {
    const res = await migrate(operator, { ...input, dryRun: true });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ requiredScope: 'admin' });
  });

  it('refuses with 422 and the reasons per instance when the mapping leaves instances nowhere', async () => {
    const res = await migrate(admin, input);
    expect(res.status).toBe(422);
    const body = (await res.json()) as {
      error: string;
      details: { refused: { correlationKey: string; reasons: string[] }[] };
    };
    expect(body.error).toBe('migration_refused');
    expect(body.details.refused.map((r) => r.correlationKey).sort()).toEqual(['SO-MG1', 'SO-MG2']);
    expect(body.details.refused[0]!.reasons[0]).toMatch(/waitPod/);
    const bad = await migrate(admin, { ...input, fromVersion: 'one' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ fieldErrors: [{ path: 'fromVersion' }] });
  });

  it('reports on a dry run, then migrates with the key name as the audited actor', async () => {
    const mapping = { ...input, nodeMapping: { waitPod: 'awaitDelivery' } };
    const dry = await migrate(admin, { ...mapping, dryRun: true });
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ dryRun: true, refused: [] });
    expect(
      (await listInstances(testDb.db, { flowKey: 'await-pod' })).map((i) => i.flowVersion),
    ).toEqual([1, 1]);

    // Through tRPC for one instance, then over HTTP for the rest.
    const [first] = await listInstances(testDb.db, { correlationKey: 'SO-MG1' });
    const caller = createCallerFactory(appRouter)({
      db: testDb.db,
      databaseKind: testDb.connection.kind,
      version: 'test',
      registry: new ConnectorRegistry([]),
      actor: 'ana',
      principal: principalFor('ana', ['process-owner', 'operator']),
      csrfOk: true,
    });
    const viaTrpc = await caller.instances.migrate({ ...mapping, instanceIds: [first!.id] });
    expect(viaTrpc.migrated.map((m) => m.correlationKey)).toEqual(['SO-MG1']);

    const res = await migrate(admin, mapping);
    expect(res.status).toBe(200);
    const report = (await res.json()) as { migrated: { correlationKey: string }[] };
    expect(report.migrated.map((m) => m.correlationKey)).toEqual(['SO-MG2']);
    const instances = await listInstances(testDb.db, { flowKey: 'await-pod' });
    expect(instances.map((i) => i.flowVersion)).toEqual([2, 2]);
    const actors = await testDb.db
      .selectFrom('audit_log')
      .select('actor')
      .where('kind', '=', 'migrated')
      .orderBy('id')
      .execute();
    expect(actors.map((a) => a.actor)).toEqual(['ana', 'api-key:release-manager']);
  });
});
