/**
 * Scenario tests of the billing-readiness template: events go in through the real HTTP API, a real
 * worker advances the instances on a real database, and the invoice lands in the ERP simulator.
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
} from '@waybill/runtime';
import { createTestDatabase, type TestDatabase } from '@waybill/runtime/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const apiKey = `wb_scenario_${randomUUID()}`;
let testDb: TestDatabase;
let erp: ErpSimulator;
let app: FastifyInstance;
let baseUrl: string;
let worker: Worker;

beforeAll(async () => {
  testDb = await createTestDatabase();
  erp = await startErpSimulator();
  const registry = new ConnectorRegistry([erpSandboxConnector]);
  await registerApiKey(testDb.db, { key: apiKey, name: 'scenarios' });
  app = await createHttpApp({
    connection: testDb.connection,
    logger: silentLogger,
    version: 'test',
  });
  baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  worker = new Worker({
    connection: testDb.connection,
    connectors: {
      registry,
      configs: { 'waybill.erp-sandbox': { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY } },
    },
  });
  const { definition } = loadTemplate('billing-readiness');
  await deployFlow(testDb.db, withParameters(definition, { podDeadline: 'P2D' }), {
    publishedBy: 'scenarios',
    catalogue: registry.catalogue(),
  });
});

afterAll(async () => {
  await worker?.stop();
  await app?.close();
  await erp?.close();
  await testDb?.drop();
});

/** Posts one event through the external API, as a WMS, TMS or pricing engine would. */
async function send(
  type: string,
  correlationKey: string,
  payload: Record<string, unknown>,
  idempotencyKey: string = randomUUID(),
): Promise<number> {
  const response = await fetch(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'idempotency-key': idempotencyKey,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ type, correlationKey, payload }),
  });
  return response.status;
}

async function instancesOf(orderNumber: string): Promise<InstanceView[]> {
  const response = await fetch(
    `${baseUrl}/api/v1/instances?correlationKey=${encodeURIComponent(orderNumber)}`,
    { headers: { authorization: `Bearer ${apiKey}` } },
  );
  expect(response.status).toBe(200);
  const body = (await response.json()) as { instances: { id: string }[] };
  return Promise.all(
    body.instances.map(async ({ id }) => {
      const detail = await fetch(`${baseUrl}/api/v1/instances/${id}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      return (await detail.json()) as InstanceView;
    }),
  );
}

async function onlyInstanceOf(orderNumber: string): Promise<InstanceView> {
  const instances = await instancesOf(orderNumber);
  expect(instances).toHaveLength(1);
  return instances[0]!;
}

function invoicesFor(orderNumber: string) {
  return erp.invoices().filter((i) => i.request.orderNumber === orderNumber);
}

const order = (orderNumber: string, customerId: string) => ({
  orderNumber,
  customerId,
  currency: 'USD',
  warehouse: 'DAL-1',
  lines: [
    { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
    { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
  ],
});
const shipment = (shipmentId: string) => ({
  shipmentId,
  shippedAt: '2026-11-23T14:05:00Z',
  lines: [
    { sku: 'PAL-WRAP-18', shippedQty: 10 },
    { sku: 'TAPE-48MM', shippedQty: 36 },
  ],
});
const pricing = (variancePct = 0.4) => ({
  variancePct,
  lines: [
    { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
    { sku: 'TAPE-48MM', quantity: 36, unitPrice: 3.2 },
  ],
});
const pod = { documentId: 'POD-77812', receivedAt: '2026-11-24T09:30:00Z' };

describe('billing readiness', () => {
  test('happy path: shipped and priced → the invoice is posted once and the order is invoiced', async () => {
    expect(await send('order.released', 'SO-1001', order('SO-1001', 'C-100'))).toBe(202);
    await worker.runUntilIdle();
    expect((await onlyInstanceOf('SO-1001')).currentNodes).toEqual(['readyToBill']);

    expect(await send('shipment.confirmed', 'SO-1001', shipment('SH-1001'))).toBe(202);
    expect(await send('pricing.validated', 'SO-1001', pricing())).toBe(202);
    await worker.runUntilIdle();

    const instance = await onlyInstanceOf('SO-1001');
    expect(instance.status).toBe('completed');
    expect(instance.outcome).toBe('invoiced');
    const invoices = invoicesFor('SO-1001');
    expect(invoices).toHaveLength(1);
    expect(invoices[0]!.request).toMatchObject({ customerId: 'C-100', shipmentId: 'SH-1001' });
    expect(invoices[0]!.request.lines).toEqual(pricing().lines);
    expect(instance.context.invoice).toMatchObject({
      invoiceNumber: invoices[0]!.invoiceNumber,
      duplicate: false,
    });
    expect(instance.history.map((h) => h.toNodes.join(','))).toContain('invoiced');
  });

  test('POD-required customer: held until proof of delivery arrives', async () => {
    await send('order.released', 'SO-2001', order('SO-2001', 'C-200'));
    await send('shipment.confirmed', 'SO-2001', shipment('SH-2001'));
    await send('pricing.validated', 'SO-2001', pricing());
    await worker.runUntilIdle();

    let instance = await onlyInstanceOf('SO-2001');
    expect(instance.status).toBe('running');
    expect(instance.currentNodes).toEqual(['readyToBill']);
    expect(invoicesFor('SO-2001')).toHaveLength(0);

    await send('pod.received', 'SO-2001', pod);
    await worker.runUntilIdle();
    instance = await onlyInstanceOf('SO-2001');
    expect(instance.outcome).toBe('invoiced');
    expect(invoicesFor('SO-2001')).toHaveLength(1);
  });

  test('POD missing past the deadline: logistics gets a task, and releasing it posts the invoice', async () => {
    await send('order.released', 'SO-2002', order('SO-2002', 'C-300'));
    await send('shipment.confirmed', 'SO-2002', shipment('SH-2002'));
    await send('pricing.validated', 'SO-2002', pricing());
    await worker.runUntilIdle();
    const { id } = await onlyInstanceOf('SO-2002');

    // Two days later: the gate's deadline fires.
    const inThreeDays = new Date(Date.now() + 3 * 24 * 3600 * 1000);
    expect(await fireDueTimers(testDb.db, { logger: silentLogger, now: inThreeDays })).toBe(1);
    await worker.runUntilIdle();
    expect((await onlyInstanceOf('SO-2002')).currentNodes).toEqual(['chasePod']);

    const tasks = (await listTasks(testDb.db, { status: 'open' })).filter(
      (t) => t.instanceId === id,
    );
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({
      title: 'Proof of delivery missing',
      candidateRoles: ['logistics'],
    });
    expect(invoicesFor('SO-2002')).toHaveLength(0);

    await completeTask(testDb.db, tasks[0]!.id, {
      outcome: 'release',
      data: { carrierReference: 'PRO-5521', note: 'Carrier confirmed delivery by phone' },
      completedBy: 'lena.logistics',
    });
    await worker.runUntilIdle();
    const instance = await onlyInstanceOf('SO-2002');
    expect(instance.outcome).toBe('invoiced');
    expect(instance.context.podReview).toMatchObject({
      outcome: 'release',
      completedBy: 'lena.logistics',
    });
    expect(invoicesFor('SO-2002')).toHaveLength(1);
  });

  test('events out of order: shipment and pricing before the order is released', async () => {
    await send('shipment.confirmed', 'SO-3001', shipment('SH-3001'));
    await send('pricing.validated', 'SO-3001', pricing());
    await worker.runUntilIdle();
    expect(await instancesOf('SO-3001')).toHaveLength(0);

    await send('order.released', 'SO-3001', order('SO-3001', 'C-100'));
    await worker.runUntilIdle();
    const instance = await onlyInstanceOf('SO-3001');
    expect(instance.outcome).toBe('invoiced');
    expect(instance.context.shipment).toMatchObject({ shipmentId: 'SH-3001' });
    expect(invoicesFor('SO-3001')).toHaveLength(1);
  });

  test('duplicate shipment confirmation: one invoice only', async () => {
    await send('order.released', 'SO-4001', order('SO-4001', 'C-100'));
    await send('shipment.confirmed', 'SO-4001', shipment('SH-4001'), 'wms-SH-4001');
    // The same message redelivered by middleware (same idempotency key) …
    expect(await send('shipment.confirmed', 'SO-4001', shipment('SH-4001'), 'wms-SH-4001')).toBe(
      200,
    );
    await send('pricing.validated', 'SO-4001', pricing());
    // … and the WMS confirming the same shipment again under a new message id, after invoicing.
    await worker.runUntilIdle();
    await send('shipment.confirmed', 'SO-4001', shipment('SH-4001'));
    await worker.runUntilIdle();

    expect((await onlyInstanceOf('SO-4001')).outcome).toBe('invoiced');
    expect(invoicesFor('SO-4001')).toHaveLength(1);
  });

  test('duplicate order release starts no second instance', async () => {
    await send('order.released', 'SO-5001', order('SO-5001', 'C-100'));
    await send('order.released', 'SO-5001', order('SO-5001', 'C-100'));
    await worker.runUntilIdle();
    expect(await instancesOf('SO-5001')).toHaveLength(1);
  });

  test('pricing over tolerance keeps the invoice back', async () => {
    await send('order.released', 'SO-6001', order('SO-6001', 'C-100'));
    await send('shipment.confirmed', 'SO-6001', shipment('SH-6001'));
    await send('pricing.validated', 'SO-6001', pricing(7.5));
    await worker.runUntilIdle();
    expect((await onlyInstanceOf('SO-6001')).currentNodes).toEqual(['readyToBill']);
    expect(invoicesFor('SO-6001')).toHaveLength(0);
  });
});
