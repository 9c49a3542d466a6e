/** Version migration of running instances: validated first, refused with reasons, audited. */
import { randomUUID } from 'node:crypto';
import type { FlowDefinitionInput } from '@waybill/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEngineError } from '../src/engine/engine.error.ts';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { migrateInstances } from '../src/engine/migrate-instances.ts';
import { getInstanceView, listInstances } from '../src/engine/queries.ts';
import { Worker } from '../src/engine/worker.ts';
import { ConnectorRegistry } from '@waybill/connectors-sdk';
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

/** v2 renames the wait and records who signed. */
const v2 = {
  ...v1,
  variables: [...v1.variables, { name: 'note', type: 'string', initial: 'migrated' }],
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
let worker: Worker;
const registry = new ConnectorRegistry([]);

async function send(type: string, key: string): Promise<void> {
  await ingestEvent(
    testDb.db,
    { type, correlationKey: key, payload: { orderNumber: key } },
    { idempotencyKey: randomUUID() },
  );
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  worker = new Worker({ connection: testDb.connection, connectors: { registry, configs: {} } });
  await deployFlow(testDb.db, v1, { publishedBy: 'test' });
  await send('order.released', 'SO-M1');
  await send('order.released', 'SO-M2');
  await worker.runUntilIdle();
  await deployFlow(testDb.db, v2, { publishedBy: 'test' });
});
afterAll(() => testDb.drop());

describe('migrateInstances', () => {
  it('leaves running instances on their version when a new version is published', async () => {
    const instances = await listInstances(testDb.db, { flowKey: 'await-pod' });
    expect(instances.map((i) => i.flowVersion)).toEqual([1, 1]);
  });

  it('refuses, naming each instance and node, when the mapping leaves instances nowhere', async () => {
    const input = { flowKey: 'await-pod', fromVersion: 1, toVersion: 2 };
    const dry = await migrateInstances(testDb.db, { ...input, dryRun: true });
    expect(dry.migrated).toEqual([]);
    expect(dry.refused).toHaveLength(2);
    expect(dry.refused[0]!.reasons[0]).toMatch(/node 'waitPod' does not exist in version 2/);
    await expect(migrateInstances(testDb.db, input)).rejects.toSatisfy(
      (e) => isEngineError(e) && e.code === 'MIGRATION_REFUSED' && /SO-M1/.test(e.message),
    );
    await expect(
      migrateInstances(testDb.db, { ...input, nodeMapping: { waitPod: 'nowhere' } }),
    ).rejects.toThrow(/mapped to 'nowhere', which version 2 does not have/);
    await expect(
      migrateInstances(testDb.db, { ...input, nodeMapping: { waitPod: 'done' } }),
    ).rejects.toThrow(/cannot be mapped to the end node/);
    const instances = await listInstances(testDb.db, { flowKey: 'await-pod' });
    expect(instances.map((i) => i.flowVersion)).toEqual([1, 1]);
  });

  it('a dry run reports the plan and changes nothing; the migration moves and audits', async () => {
    const input = {
      flowKey: 'await-pod',
      fromVersion: 1,
      toVersion: 2,
      nodeMapping: { waitPod: 'awaitDelivery' },
      actor: 'ana',
    };
    const dry = await migrateInstances(testDb.db, { ...input, dryRun: true });
    expect(dry.refused).toEqual([]);
    expect(dry.migrated.map((m) => m.toNodes)).toEqual([['awaitDelivery'], ['awaitDelivery']]);
    expect((await listInstances(testDb.db, { flowKey: 'await-pod' }))[0]!.flowVersion).toBe(1);

    const report = await migrateInstances(testDb.db, input);
    expect(report.migrated).toHaveLength(2);
    const [first] = await listInstances(testDb.db, { correlationKey: 'SO-M1' });
    const view = await getInstanceView(testDb.db, first!.id);
    expect(view).toMatchObject({
      flowVersion: 2,
      currentNodes: ['awaitDelivery'],
      context: { note: 'migrated', pod: null },
    });
    const audit = await testDb.db
      .selectFrom('audit_log')
      .select(['actor', 'details'])
      .where('instance_id', '=', first!.id)
      .where('kind', '=', 'migrated')
      .execute();
    expect(audit).toEqual([
      {
        actor: 'ana',
        details: { fromVersion: 1, toVersion: 2, nodeMapping: { waitPod: 'awaitDelivery' } },
      },
    ]);

    await send('pod.received', 'SO-M1');
    await worker.runUntilIdle();
    expect(await getInstanceView(testDb.db, first!.id)).toMatchObject({
      status: 'completed',
      outcome: 'delivered-v2',
    });
  });
});
