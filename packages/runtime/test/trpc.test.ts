import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallerFactory } from '../src/api/trpc.ts';
import { signInOverHttp, type HttpSession } from '../src/identity/testing.ts';
import { createUser, principalFor } from '../src/identity/users.ts';
import { appRouter, type AppRouter } from '../src/api/routers/_app.ts';
import { silentLogger } from '../src/log.ts';
import { createPlatform, type Platform } from '../src/platform.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { approveThenPodFlow } from './flows.ts';

let testDb: TestDatabase;
let platform: Platform;
let baseUrl: string;
let session: HttpSession;

beforeAll(async () => {
  testDb = await createTestDatabase();
  platform = await createPlatform({
    connection: testDb.connection,
    logger: silentLogger,
    worker: false,
    designerDir: null,
    apiKey: 'wb_trpc_test',
  });
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  await createUser(
    testDb.db,
    {
      username: 'ana',
      displayName: 'Ana',
      password: 'a long test passphrase',
      roles: ['process-owner', 'operator'],
    },
    { actor: 'test' },
  );
  session = await signInOverHttp(baseUrl, 'ana', 'a long test passphrase');
});
afterAll(async () => {
  await platform.close();
  await testDb.drop();
});

function caller() {
  return createCallerFactory(appRouter)({
    db: testDb.db,
    databaseKind: testDb.connection.kind,
    version: 'test',
    registry: platform.registry,
    actor: 'ana',
    principal: principalFor('ana', ['process-owner', 'operator']),
    csrfOk: true,
  });
}

describe('flows over createCaller', () => {
  it('creates a flow with a start → end draft and refuses a duplicate key', async () => {
    const api = caller();
    expect(await api.flows.create({ key: 'credit-hold', name: 'Credit hold' })).toEqual({
      key: 'credit-hold',
    });
    const flow = await api.flows.get({ key: 'credit-hold' });
    expect(flow.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(flow.versions).toEqual([]);
    await expect(api.flows.create({ key: 'credit-hold', name: 'Again' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(api.flows.get({ key: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('saves a draft with problems, refuses to publish it with the problems, then publishes immutable versions', async () => {
    const api = caller();
    await api.flows.create({ key: 'approve-then-pod', name: 'Approve' });
    const broken = {
      ...approveThenPodFlow,
      edges: [
        ...approveThenPodFlow.edges,
        { id: 'dangling', source: 'waitPod', target: 'nowhere' },
      ],
    };
    const saved = await api.flows.saveDraft({ key: 'approve-then-pod', definition: broken });
    expect(saved.problems.some((p) => p.severity === 'error' && p.edgeId === 'dangling')).toBe(
      true,
    );

    const refused = await api.flows.publish({ key: 'approve-then-pod' }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      api.flows.saveDraft({ key: 'approve-then-pod', definition: { ...broken, key: 'other' } }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });

    await api.flows.saveDraft({ key: 'approve-then-pod', definition: approveThenPodFlow });
    expect(await api.flows.publish({ key: 'approve-then-pod', note: 'first' })).toEqual({
      version: 1,
    });
    expect(await api.flows.publish({ key: 'approve-then-pod' })).toEqual({ version: 2 });
    const v1 = await api.flows.getVersion({ key: 'approve-then-pod', version: 1 });
    expect(v1).toMatchObject({
      version: 1,
      note: 'first',
      definition: { key: 'approve-then-pod', version: 1 },
    });
    const flow = await api.flows.get({ key: 'approve-then-pod' });
    expect(flow.versions.map((v) => [v.version, v.publishedBy])).toEqual([
      [2, 'ana'],
      [1, 'ana'],
    ]);
    const list = await api.flows.list();
    expect(list.find((f) => f.key === 'approve-then-pod')).toMatchObject({
      latestVersion: 2,
      runningInstances: 0,
    });
    await expect(
      sql`update flow_versions set note = 'changed' where key = 'approve-then-pod'`.execute(
        testDb.db,
      ),
    ).rejects.toThrow(/immutable/);
  });

  it('lists the connectors with their operations', async () => {
    const connectors = await caller().connectors.list();
    const erp = connectors.find((c) => c.id === 'waybill.erp-sandbox');
    expect(erp?.operations.map((o) => o.name)).toContain('postInvoice');
  });
});

describe('tRPC over HTTP', () => {
  const client = () =>
    createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${baseUrl}/trpc`, headers: () => session.headers })],
    });

  it('answers health and drives a task to completion', async () => {
    const api = client();
    expect(await api.health.query()).toMatchObject({ status: 'ok', version: platform.version });

    const res = await fetch(`${baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer wb_trpc_test',
        'idempotency-key': 'trpc-1',
      },
      body: JSON.stringify({
        type: 'order.released',
        correlationKey: 'SO-77',
        payload: { orderNumber: 'SO-77' },
      }),
    });
    expect(res.status).toBe(202);
    await platform.worker.runUntilIdle();

    const [instance] = await api.instances.list.query({ correlationKey: 'SO-77' });
    expect(instance).toMatchObject({
      flowKey: 'approve-then-pod',
      flowVersion: 2,
      status: 'running',
      currentNodes: ['approve'],
    });
    const tasks = await api.tasks.list.query({ status: 'open' });
    const task = tasks.find((t) => t.correlationKey === 'SO-77');
    expect(task).toMatchObject({
      title: 'Approve billing',
      nodeId: 'approve',
      candidateRoles: ['billing'],
    });

    const missing = await api.tasks.complete
      .mutate({ taskId: task!.id, outcome: 'approve' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(TRPCClientError);
    expect((missing as TRPCClientError<AppRouter>).data?.code).toBe('BAD_REQUEST');

    expect(
      await api.tasks.complete.mutate({
        taskId: task!.id,
        outcome: 'reject',
        data: { comment: 'wrong customer' },
      }),
    ).toEqual({
      ok: true,
    });
    await platform.worker.runUntilIdle();
    const view = await api.instances.get.query({ id: instance!.id });
    expect(view).toMatchObject({ status: 'completed', outcome: 'rejected' });
    expect(view.history.at(-1)).toMatchObject({
      kind: 'completed',
      eventType: 'waybill.task.completed',
    });
    await expect(api.instances.get.query({ id: 'not-an-id' })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    });
  });

  it('puts the blocking problems of a refused publish in the error data', async () => {
    const api = client();
    await api.flows.create.mutate({ key: 'broken', name: 'Broken' });
    await api.flows.saveDraft.mutate({
      key: 'broken',
      definition: { key: 'broken', name: 'Broken', nodes: [], edges: [] },
    });
    const error = await api.flows.publish.mutate({ key: 'broken' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCClientError);
    const data = (error as TRPCClientError<AppRouter>).data;
    expect(data?.code).toBe('BAD_REQUEST');
    expect(data?.problems.length).toBeGreaterThan(0);
    expect(data?.problems.every((p) => p.severity === 'error')).toBe(true);

    const invalid = await api.flows.create
      .mutate({ key: 'Bad Key', name: '' })
      .catch((e: unknown) => e);
    expect((invalid as TRPCClientError<AppRouter>).data?.fieldErrors).toMatchObject({
      key: expect.any(Array),
      name: expect.any(Array),
    });
  });
});
