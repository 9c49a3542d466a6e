/**
 * Retry policy and incidents: a call that fails for good at a node without an `error` exit opens
 * an incident an operator can retry (same idempotency key) or resolve (skip with an output, or
 * cancel the instance); rate limits are honoured.
 */
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry } from '@waybill/connectors-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/engine/effect-runner.ts';
import { deployFlow } from '../src/engine/flows.ts';
import {
  getIncident,
  listIncidents,
  resolveIncident,
  retryIncident,
} from '../src/engine/incidents.ts';
import { isEngineError } from '../src/engine/engine.error.ts';
import { engineMetrics } from '../src/engine/metrics.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { getInstanceView, listInstances } from '../src/engine/queries.ts';
import { Worker } from '../src/engine/worker.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { ledger, ledgerConnector, ledgerPostFlow } from './ledger.ts';

const postFlow = ledgerPostFlow(2);

let testDb: TestDatabase;
let worker: Worker;
const registry = new ConnectorRegistry([ledgerConnector]);

beforeAll(async () => {
  testDb = await createTestDatabase();
  worker = new Worker({ connection: testDb.connection, connectors: { registry, configs: {} } });
  await deployFlow(testDb.db, postFlow, { publishedBy: 'test', catalogue: registry.catalogue() });
});
afterAll(() => testDb.drop());
beforeEach(() => {
  ledger.reset();
});

async function start(orderNumber: string) {
  await ingestEvent(
    testDb.db,
    { type: 'order.released', correlationKey: orderNumber, payload: { orderNumber } },
    { idempotencyKey: randomUUID() },
  );
  await worker.runUntilIdle();
  const [instance] = await listInstances(testDb.db, { correlationKey: orderNumber });
  return (await getInstanceView(testDb.db, instance!.id))!;
}

describe('retry policy', () => {
  it('uses full jitter below the exponential bound, capped, and honours retry-after', () => {
    const policy = {
      maxAttempts: 5,
      initialIntervalMs: 1000,
      backoffCoefficient: 2,
      maxIntervalMs: 5000,
    };
    expect(backoffDelay(policy, 3, undefined, () => 0.999)).toBe(3996);
    expect(backoffDelay(policy, 3, undefined, () => 0)).toBe(0);
    expect(backoffDelay(policy, 10, undefined, () => 0.5)).toBe(2500);
    expect(backoffDelay(policy, 1, 60_000, () => 0.5)).toBe(60_000);
  });

  it('retries a transient failure and goes on without an incident', async () => {
    ledger.script = ['retryable'];
    const view = await start('SO-R1');
    expect(view.status).toBe('completed');
    expect(ledger.calls).toHaveLength(2);
    expect(new Set(ledger.calls.map((c) => c.key)).size).toBe(1);
    expect(await listIncidents(testDb.db, { instanceId: view.id })).toEqual([]);
  });

  it('waits at least retry-after when rate limited', async () => {
    ledger.script = ['rateLimited'];
    const view = await start('SO-R2');
    expect(view.status).toBe('running');
    const effect = await testDb.db
      .selectFrom('effects')
      .select(['status', 'next_run_at', 'updated_at'])
      .where('instance_id', '=', view.id)
      .executeTakeFirstOrThrow();
    expect(effect.status).toBe('pending');
    expect(effect.next_run_at.getTime() - effect.updated_at.getTime()).toBeGreaterThanOrEqual(
      59_000,
    );
    expect(ledger.calls).toHaveLength(1);
  });
});

describe('incidents', () => {
  it('opens an incident with the error and payload when a call fails for good', async () => {
    ledger.script = ['permanent'];
    const view = await start('SO-I1');
    expect(view.status).toBe('running');
    expect(view.currentNodes).toEqual(['post']);
    const [incident] = await listIncidents(testDb.db, { status: 'open', instanceId: view.id });
    expect(incident).toMatchObject({
      nodeId: 'post',
      effectKey: 'post#1',
      connector: 'test.ledger',
      operation: 'post',
      status: 'open',
      attempts: 1,
      payload: { orderNumber: 'SO-I1' },
      error: { code: 'PERMANENT', message: 'account closed' },
      correlationKey: 'SO-I1',
      flowKey: 'post-entry',
    });
    const after = await getInstanceView(testDb.db, view.id);
    expect(after!.history.map((h) => h.kind)).toContain('incident.opened');
  });

  it('opens an incident when retries are exhausted; a retry re-runs the call with the same key', async () => {
    ledger.script = ['retryable', 'retryable'];
    const view = await start('SO-I2');
    const [incident] = await listIncidents(testDb.db, { instanceId: view.id });
    expect(incident).toMatchObject({ status: 'open', attempts: 2 });

    const retried = await retryIncident(testDb.db, incident!.id, { actor: 'ana' });
    expect(retried.status).toBe('retried');
    await worker.runUntilIdle();
    const done = await getInstanceView(testDb.db, view.id);
    expect(done).toMatchObject({ status: 'completed', outcome: 'posted' });
    expect(done!.context.entry).toEqual({ entry: 'E-SO-I2' });
    expect(ledger.calls).toHaveLength(3);
    expect(new Set(ledger.calls.map((c) => c.key))).toEqual(new Set([`${view.id}:post#1`]));
    expect(done!.history.filter((h) => h.kind === 'incident.retried')).toHaveLength(1);
    await expect(retryIncident(testDb.db, incident!.id, { actor: 'ana' })).rejects.toSatisfy(
      (e) => isEngineError(e) && e.code === 'INCIDENT_NOT_OPEN',
    );
  });

  it('resolving with skip feeds the given output and the flow goes on', async () => {
    ledger.script = ['permanent'];
    const view = await start('SO-I3');
    const [incident] = await listIncidents(testDb.db, { instanceId: view.id });
    await resolveIncident(testDb.db, incident!.id, {
      actor: 'ana',
      resolution: { action: 'skip', output: { entry: 'MANUAL-1' } },
      note: 'posted by hand',
    });
    await worker.runUntilIdle();
    const done = await getInstanceView(testDb.db, view.id);
    expect(done).toMatchObject({ status: 'completed', context: { entry: { entry: 'MANUAL-1' } } });
    expect(await getIncident(testDb.db, incident!.id)).toMatchObject({
      status: 'resolved',
      resolvedBy: 'ana',
      resolution: { action: 'skip', note: 'posted by hand' },
    });
    expect(ledger.calls).toHaveLength(1);
  });

  it('resolving with cancel ends the instance cancelled and audits who did it', async () => {
    ledger.script = ['permanent'];
    const view = await start('SO-I4');
    const [incident] = await listIncidents(testDb.db, { instanceId: view.id });
    await resolveIncident(testDb.db, incident!.id, {
      actor: 'ben',
      resolution: { action: 'cancel', reason: 'order withdrawn' },
    });
    const after = await getInstanceView(testDb.db, view.id);
    expect(after!.status).toBe('cancelled');
    const resolvedRow = await testDb.db
      .selectFrom('audit_log')
      .select(['actor', 'details'])
      .where('instance_id', '=', view.id)
      .where('kind', '=', 'incident.resolved')
      .executeTakeFirstOrThrow();
    expect(resolvedRow).toMatchObject({
      actor: 'ben',
      details: { resolution: { action: 'cancel', reason: 'order withdrawn' } },
    });
    expect(after!.history.map((h) => h.kind)).toContain('cancelled');
    await expect(
      resolveIncident(testDb.db, randomUUID(), { actor: 'x', resolution: { action: 'cancel' } }),
    ).rejects.toSatisfy((e) => isEngineError(e) && e.code === 'INCIDENT_NOT_FOUND');
  });
});

describe('engine metrics', () => {
  it('counts transitions, call attempts, failures and incidents for /metrics', () => {
    const { counters, latency } = engineMetrics.snapshot();
    expect(counters.waybill_incidents_opened_total).toBeGreaterThanOrEqual(4);
    expect(counters.waybill_effect_failures_total).toBeGreaterThan(
      counters.waybill_incidents_opened_total,
    );
    expect(counters.waybill_transitions_total).toBeGreaterThan(0);
    expect(latency.count).toBe(counters.waybill_transitions_total);
    const text = engineMetrics.toPrometheus();
    expect(text).toContain('# TYPE waybill_transitions_total counter');
    expect(text).toMatch(/^waybill_transition_latency_seconds_count \d+$/m);
    expect(text).toMatch(/^waybill_transition_latency_seconds_bucket\{le="\+Inf"\} \d+$/m);
  });
});
