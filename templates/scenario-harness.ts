/**
 * What every template's scenario tests share: a real database (`createTestDatabase()`: PGlite, or
 * a fresh database on `DATABASE_URL`), the real HTTP API, a real worker and the ERP simulator, with
 * one template deployed with the parameters a business unit would set.
 *
 * ```ts
 * const scenario = await startScenario('pricing-variance', { autoAcceptPct: 2 });
 * await scenario.send('order.released', 'SO-1', order);
 * await scenario.worker.runUntilIdle();
 * const instance = await scenario.onlyInstanceOf('SO-1');
 * await scenario.stop();
 * ```
 * @module
 */
import { randomUUID } from 'node:crypto';

import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import {
  ERP_SIMULATOR_API_KEY,
  startErpSimulator,
  type ErpSimulator,
} from '@waybill/connectors-sdk/simulators';
import {
  completeTask,
  createHttpApp,
  deployFlow,
  fireDueTimers,
  listTasks,
  loadTemplate,
  registerApiKey,
  silentLogger,
  Worker,
  withParameters,
  type InstanceView,
  type TaskView,
} from '@waybill/runtime';
import { createTestDatabase, type TestDatabase } from '@waybill/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';

const DAY_MS = 24 * 3600 * 1000;

/** A deployed template with everything around it running. */
export interface Scenario {
  testDb: TestDatabase;
  erp: ErpSimulator;
  worker: Worker;
  /** Posts one event through `POST /api/v1/events`; returns the HTTP status. */
  send(
    type: string,
    correlationKey: string,
    payload: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<number>;
  /** The instances of a correlation key, read back through the HTTP API. */
  instancesOf(correlationKey: string): Promise<InstanceView[]>;
  /** The one instance of a correlation key (fails the test when there are more or none). */
  onlyInstanceOf(correlationKey: string): Promise<InstanceView>;
  /** Open tasks of the one instance of a correlation key. */
  openTasksOf(correlationKey: string): Promise<TaskView[]>;
  /** Completes a task as a person would in the inbox, then lets the worker run. */
  complete(
    task: TaskView,
    outcome: string,
    completedBy: string,
    data?: Record<string, unknown>,
  ): Promise<void>;
  /** Fires the timers due `days` from now, then lets the worker run; returns how many fired. */
  advanceDays(days: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts the database, the API, the ERP simulator and a worker, and deploys `template` with
 * `parameters` (as `pnpm waybill templates deploy` would).
 */
export async function startScenario(
  template: string,
  parameters: Record<string, unknown> = {},
): Promise<Scenario> {
  const apiKey = `wb_scenario_${randomUUID()}`;
  const testDb = await createTestDatabase();
  const erp = await startErpSimulator();
  const registry = new ConnectorRegistry([erpSandboxConnector]);
  await registerApiKey(testDb.db, { key: apiKey, name: 'scenarios' });
  const app: FastifyInstance = await createHttpApp({
    connection: testDb.connection,
    logger: silentLogger,
    version: 'test',
  });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const worker = new Worker({
    connection: testDb.connection,
    connectors: {
      registry,
      configs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
    },
  });
  const { definition } = loadTemplate(template);
  await deployFlow(testDb.db, withParameters(definition, parameters), {
    publishedBy: 'scenarios',
    catalogue: registry.catalogue(),
  });
  const auth = { authorization: `Bearer ${apiKey}` };

  const send: Scenario['send'] = async (type, correlationKey, payload, idempotencyKey) => {
    const response = await fetch(`${baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: {
        ...auth,
        'idempotency-key': idempotencyKey ?? randomUUID(),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ type, correlationKey, payload }),
    });
    return response.status;
  };

  const instancesOf: Scenario['instancesOf'] = async (correlationKey) => {
    const response = await fetch(
      `${baseUrl}/api/v1/instances?correlationKey=${encodeURIComponent(correlationKey)}`,
      { headers: auth },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { instances: { id: string }[] };
    return Promise.all(
      body.instances.map(async ({ id }) => {
        const detail = await fetch(`${baseUrl}/api/v1/instances/${id}`, { headers: auth });
        return (await detail.json()) as InstanceView;
      }),
    );
  };

  const onlyInstanceOf: Scenario['onlyInstanceOf'] = async (correlationKey) => {
    const instances = await instancesOf(correlationKey);
    expect(instances).toHaveLength(1);
    return instances[0]!;
  };

  return {
    testDb,
    erp,
    worker,
    send,
    instancesOf,
    onlyInstanceOf,
    openTasksOf: async (correlationKey) => {
      const { id } = await onlyInstanceOf(correlationKey);
      return (await listTasks(testDb.db, { status: 'open' })).filter((t) => t.instanceId === id);
    },
    complete: async (task, outcome, completedBy, data = {}) => {
      await completeTask(testDb.db, task.id, { outcome, data, completedBy });
      await worker.runUntilIdle();
    },
    advanceDays: async (days) => {
      const fired = await fireDueTimers(testDb.db, {
        logger: silentLogger,
        now: new Date(Date.now() + days * DAY_MS),
      });
      await worker.runUntilIdle();
      return fired;
    },
    stop: async () => {
      await worker.stop();
      await app.close();
      await erp.close();
      await testDb.drop();
    },
  };
}
