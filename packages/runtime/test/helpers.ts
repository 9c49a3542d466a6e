/** Shared fixtures for the runtime's tests: a real database and a real HTTP server on port 0. */
import type { FastifyInstance } from 'fastify';
import { createHttpApp } from '../src/api/app.ts';
import { registerApiKey } from '../src/api/api-keys.ts';
import { silentLogger } from '../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';
import { randomUUID } from 'node:crypto';
import { ConnectorRegistry, erpSandboxConnector } from '@waybill/connectors-sdk';
import {
  ERP_SIMULATOR_API_KEY,
  startErpSimulator,
  type ErpSimulator,
} from '@waybill/connectors-sdk/simulators';
import { deployFlow } from '../src/engine/flows.ts';
import { ingestEvent } from '../src/engine/ingest.ts';
import { Worker } from '../src/engine/worker.ts';

export interface HttpFixture {
  testDb: TestDatabase;
  app: FastifyInstance;
  baseUrl: string;
  apiKey: string;
  close(): Promise<void>;
}

export async function startHttpFixture(
  options: { maxEventBytes?: number } = {},
): Promise<HttpFixture> {
  const testDb = await createTestDatabase();
  const apiKey = 'wb_test_' + Math.random().toString(16).slice(2);
  await registerApiKey(testDb.db, { key: apiKey, name: 'test' });
  const app = await createHttpApp({
    connection: testDb.connection,
    logger: silentLogger,
    version: 'test',
    maxEventBytes: options.maxEventBytes,
  });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    testDb,
    app,
    baseUrl: address,
    apiKey,
    async close() {
      await app.close();
      await testDb.drop();
    },
  };
}

export interface EngineFixture {
  testDb: TestDatabase;
  erp: ErpSimulator;
  registry: ConnectorRegistry;
  worker: Worker;
  deploy(definition: unknown): Promise<number>;
  send(type: string, correlationKey: string, payload: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startEngineFixture(): Promise<EngineFixture> {
  const testDb = await createTestDatabase();
  const erp = await startErpSimulator();
  const registry = new ConnectorRegistry([erpSandboxConnector]);
  const worker = new Worker({
    connection: testDb.connection,
    connectors: {
      registry,
      configs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
    },
  });
  const fixture: EngineFixture = {
    testDb,
    erp,
    registry,
    worker,
    async deploy(definition) {
      const { version } = await deployFlow(testDb.db, definition, {
        publishedBy: 'test',
        catalogue: registry.catalogue(),
      });
      return version;
    },
    async send(type, correlationKey, payload) {
      const result = await ingestEvent(
        testDb.db,
        { type, correlationKey, payload },
        { idempotencyKey: randomUUID() },
      );
      return result.eventId;
    },
    async close() {
      await worker.stop();
      await fixture.erp.close();
      await testDb.drop();
    },
  };
  return fixture;
}
