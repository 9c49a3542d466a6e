/**
 * A trained triage model (not a stand-in) behind a real flow: a `classify` node routes a clear
 * exception by itself above the flow's threshold, sends a vague one to a person below it, the
 * recommendation is audited with the model version and its drivers, and the person's decision
 * becomes a training example the next model learns from.
 */
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry } from '@waybill/connectors-sdk';
import { exceptionCategories } from '@waybill/shared';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deployFlow } from '../engine/flows.ts';
import { ingestEvent } from '../engine/ingest.ts';
import { completeTask } from '../engine/tasks.ts';
import { Worker } from '../engine/worker.ts';
import { createTestDatabase, type TestDatabase } from '../testing.ts';
import { generateTriageExamples } from './generate.ts';
import { trainClassifier } from './model.ts';
import { loadTriageExamples, saveTriageModel } from './store.ts';

let t: TestDatabase;
let worker: Worker;

const flow = {
  key: 'exception-triage',
  name: 'Exception triage',
  trigger: { event: 'exception.reported', assign: 'report' },
  variables: [
    { name: 'report', type: 'any' },
    { name: 'triage', type: 'any' },
  ],
  nodes: [
    { id: 'begin', type: 'start' },
    {
      id: 'sort',
      type: 'classify',
      text: 'report.message',
      features: {
        source: { kind: 'expr', expr: 'report.source' },
        podRequired: { kind: 'expr', expr: 'report.podRequired' },
      },
      categories: [...exceptionCategories],
      threshold: 0.8,
      reviewRoles: ['exceptions-desk'],
      resultVariable: 'triage',
    },
    ...exceptionCategories.map((c) => ({ id: `to-${c}`, type: 'end', outcome: c })),
  ],
  edges: [
    { id: 'e-begin', source: 'begin', target: 'sort' },
    ...exceptionCategories.map((c) => ({
      id: `e-${c}`,
      source: 'sort',
      sourceHandle: c,
      target: `to-${c}`,
    })),
  ],
};

beforeAll(async () => {
  t = await createTestDatabase();
  const trained = trainClassifier(generateTriageExamples({ count: 3000, seed: 21 }), {
    epochs: 5,
    categoryOrder: exceptionCategories,
  });
  await saveTriageModel(t.db, trained, { trainedBy: 'test' });
  await deployFlow(t.db, flow, { publishedBy: 'test' });
  // The worker's default triage provider: the database's active model.
  worker = new Worker({
    connection: t.connection,
    connectors: { registry: new ConnectorRegistry([]), configs: {} },
  });
});
afterAll(async () => {
  await worker?.stop();
  await t?.drop();
});

async function report(key: string, payload: Record<string, unknown>) {
  await ingestEvent(
    t.db,
    { type: 'exception.reported', correlationKey: key, payload },
    { idempotencyKey: randomUUID() },
  );
  await worker.runUntilIdle();
  return t.db
    .selectFrom('instances')
    .selectAll()
    .where('correlation_key', '=', key)
    .executeTakeFirstOrThrow();
}

const recommendation = (instanceId: string) =>
  t.db
    .selectFrom('audit_log')
    .select(['actor', 'details'])
    .where('instance_id', '=', instanceId)
    .where('kind', '=', 'triage.recommendation')
    .executeTakeFirstOrThrow();

describe('a trained model behind a classify node', () => {
  test('a clear exception is routed by the model above the threshold, and audited', async () => {
    const instance = await report('EX-1', {
      message: 'No proof of delivery from ODFL for load SH-40213, signed POD missing',
      source: 'tms',
      podRequired: true,
    });
    expect(instance.outcome).toBe('missingPod');
    expect(instance.context['triage']).toMatchObject({
      category: 'missingPod',
      decidedBy: 'classifier',
    });
    const audited = await recommendation(instance.id);
    expect(audited.actor).toBe('classifier');
    expect(audited.details).toMatchObject({
      category: 'missingPod',
      modelVersion: 'triage-1',
      routed: true,
    });
    const details = audited.details as { confidence: number; drivers: { feature: string }[] };
    expect(details.confidence).toBeGreaterThanOrEqual(0.8);
    expect(details.drivers.map((d) => d.feature).join(' ')).toMatch(/pod|delivery/);
  });

  test('a vague note goes to a person; the decision becomes a training example', async () => {
    const before = (await loadTriageExamples(t.db)).length;
    const instance = await report('EX-2', {
      message: 'Needs review',
      source: 'email',
      podRequired: false,
    });
    expect(instance.current_nodes).toEqual(['sort']);
    const audited = await recommendation(instance.id);
    expect(audited.details).toMatchObject({ modelVersion: 'triage-1', routed: false });
    expect((audited.details as { confidence: number }).confidence).toBeLessThan(0.8);

    const task = await t.db
      .selectFrom('tasks')
      .selectAll()
      .where('instance_id', '=', instance.id)
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    expect(task.candidate_roles).toEqual(['exceptions-desk']);
    await completeTask(t.db, task.id, { outcome: 'customerDispute', completedBy: 'cam.cs' });
    await worker.runUntilIdle();

    const done = await t.db
      .selectFrom('instances')
      .select('outcome')
      .where('id', '=', instance.id)
      .executeTakeFirstOrThrow();
    expect(done.outcome).toBe('customerDispute');
    const examples = await t.db
      .selectFrom('triage_examples')
      .selectAll()
      .where('instance_id', '=', instance.id)
      .execute();
    expect(examples).toEqual([
      expect.objectContaining({
        text: 'Needs review',
        category: 'customerDispute',
        source: 'review',
        decided_by: 'cam.cs',
        model_version: 'triage-1',
      }),
    ]);
    expect(await loadTriageExamples(t.db)).toHaveLength(before + 1);
  });
});
