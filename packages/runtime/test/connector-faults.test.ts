/**
 * The runtime against misbehaving systems: the billing-readiness template runs on a platform
 * whose ERP, WMS and TMS simulators inject latency, 5xx, timeouts, 429 with Retry-After,
 * duplicate, out-of-order and malformed events. Shipments arrive through the WMS webhook
 * trigger and PODs through the TMS polling trigger, both activated by the platform.
 */
import { randomUUID } from 'node:crypto';
import type { FlowDefinition } from '@waybill/shared';
import {
  ERP_SIMULATOR_API_KEY,
  TMS_SIMULATOR_API_KEY,
  WMS_SIMULATOR_API_KEY,
  startErpSimulator,
  startTmsSimulator,
  startWmsSimulator,
  type ErpSimulator,
  type TmsSimulator,
  type WmsSimulator,
} from '@waybill/connectors-sdk/simulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';
import { createPlatform, type Platform } from '../src/platform.ts';
import { loadTemplate } from '../src/templates.ts';
import { createTestDatabase, type TestDatabase } from '../src/testing.ts';

const ERP = 'waybill.erp-sandbox';
const WMS = 'waybill.wms-sandbox';
const TMS = 'waybill.tms-sandbox';
const apiKey = `wb_faults_${randomUUID()}`;
/** Fast retries, so that a test sees many attempts; a 250 ms timeout on the invoice call. */
const fastRetry = {
  maxAttempts: 10,
  initialIntervalMs: 20,
  backoffCoefficient: 2,
  maxIntervalMs: 200,
};

let testDb: TestDatabase;
let erp: ErpSimulator;
let wms: WmsSimulator;
let tms: TmsSimulator;
let platform: Platform;
let baseUrl: string;
const logLines: string[] = [];

/** billing-readiness with fast retries; `withoutErrorPaths` leaves failures to an operator. */
function billingReadiness(options: { withoutErrorPaths?: boolean } = {}): FlowDefinition {
  const definition = structuredClone(loadTemplate('billing-readiness').definition);
  for (const node of definition.nodes) {
    if (node.type === 'connectorCall') {
      node.retry = fastRetry;
      if (node.operation === 'postInvoice') node.timeoutMs = 250;
    }
  }
  if (options.withoutErrorPaths) {
    definition.edges = definition.edges.filter((edge) => edge.sourceHandle !== 'error');
    definition.nodes = definition.nodes.filter((node) => node.id !== 'postingFailed');
  }
  return definition;
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  [erp, wms, tms] = await Promise.all([
    startErpSimulator(),
    startWmsSimulator(),
    startTmsSimulator(),
  ]);
  platform = await createPlatform({
    connection: testDb.connection,
    logger: createLogger({ level: 'info', write: (line) => logLines.push(line) }),
    designerDir: null,
    apiKey,
    pollIntervalMs: 20,
    connectorConfigs: {
      [ERP]: { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY },
      [WMS]: { baseUrl: wms.url, apiKey: WMS_SIMULATOR_API_KEY, webhookSecret: 'whsec-wms-faults' },
      [TMS]: {
        baseUrl: tms.url,
        apiKey: TMS_SIMULATOR_API_KEY,
        webhookSecret: 'whsec-tms-faults',
        pollIntervalMs: 100,
      },
    },
    connectorTriggers: { [WMS]: ['webhook'], [TMS]: ['feed'] },
  });
  baseUrl = await platform.listen({ port: 0, host: '127.0.0.1' });
  await platform.deploy(billingReadiness());
});

afterAll(async () => {
  await platform?.close();
  await Promise.all([erp?.close(), wms?.close(), tms?.close()]);
  await testDb?.drop();
});

async function send(type: string, correlationKey: string, payload: Record<string, unknown>) {
  const response = await fetch(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'idempotency-key': randomUUID(),
      'content-type': 'application/json',
    },
    body: JSON.stringify({ type, correlationKey, payload }),
  });
  expect(response.status).toBe(202);
}

/** Polls `probe` until it returns a value (not undefined/null/false); fails after `limitMs`. */
async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  limitMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const order = (orderNumber: string, customerId = 'C-100') => ({
  orderNumber,
  customerId,
  currency: 'USD',
  warehouse: 'DAL-1',
  lines: [
    { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
    { sku: 'TAPE-48MM', quantity: 40, unitPrice: 3.2 },
  ],
});
const pricing = {
  variancePct: 0.4,
  lines: [
    { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 24.5 },
    { sku: 'TAPE-48MM', quantity: 36, unitPrice: 3.2 },
  ],
};
const shipment = (orderNumber: string) => ({
  shipmentId: `SH-${orderNumber}`,
  shippedAt: '2026-11-23T14:05:00Z',
  lines: [
    { sku: 'PAL-WRAP-18', shippedQty: 10 },
    { sku: 'TAPE-48MM', shippedQty: 36 },
  ],
});
const wmsShipment = (orderNumber: string) => ({
  shipmentNo: `SH-${orderNumber}`,
  orderNo: orderNumber,
  warehouseCode: 'DAL-1',
  shipDate: '2026-11-23T14:05:00Z',
  lines: [
    { lineNo: 1, item: 'PAL-WRAP-18', qtyOrdered: 10, qtyShipped: 10 },
    { lineNo: 2, item: 'TAPE-48MM', qtyOrdered: 40, qtyShipped: 36, shortReason: 'OOS' as const },
  ],
});

function instanceOf(orderNumber: string) {
  return testDb.db
    .selectFrom('instances')
    .selectAll()
    .where('correlation_key', '=', orderNumber)
    .executeTakeFirst();
}

const finished = (orderNumber: string) =>
  waitFor(`${orderNumber} to finish`, async () => {
    const instance = await instanceOf(orderNumber);
    return instance?.status === 'completed' ? instance : undefined;
  });

function effectsOf(orderNumber: string, operation: string) {
  return testDb.db
    .selectFrom('effects')
    .innerJoin('instances', 'instances.id', 'effects.instance_id')
    .selectAll('effects')
    .where('instances.correlation_key', '=', orderNumber)
    .where('effects.operation', '=', operation)
    .execute();
}

const invoicesFor = (orderNumber: string) =>
  erp.invoices().filter((invoice) => invoice.request.orderNumber === orderNumber);

describe('ERP faults', () => {
  it('retries 5xx answers and calls that time out, with backoff, until they succeed', async () => {
    // Seed 7 draws two hangs (the call times out after 250 ms) and two 5xx among the calls.
    erp.faults.configure({ seed: 7, serverErrorRate: 0.3, hangRate: 0.15, paths: ['/invoices'] });
    const orders = ['SO-R1', 'SO-R2', 'SO-R3', 'SO-R4', 'SO-R5'];
    for (const orderNumber of orders) {
      await send('order.released', orderNumber, order(orderNumber));
      await send('shipment.confirmed', orderNumber, shipment(orderNumber));
      await send('pricing.validated', orderNumber, pricing);
    }
    for (const orderNumber of orders) {
      const instance = await finished(orderNumber);
      expect(instance.outcome).toBe('invoiced');
      expect(invoicesFor(orderNumber)).toHaveLength(1);
    }
    const effects = (await Promise.all(orders.map((o) => effectsOf(o, 'postInvoice')))).flat();
    const attempts = effects.reduce((sum, effect) => sum + effect.attempts, 0);
    const stats = erp.faults.stats();
    expect(stats.serverErrors).toBeGreaterThan(0);
    expect(stats.hung).toBeGreaterThan(0);
    expect(attempts).toBe(orders.length + stats.serverErrors + stats.hung);
    const errors = await testDb.db
      .selectFrom('audit_log')
      .select('details')
      .where('kind', '=', 'effect.failed')
      .execute();
    expect(errors).toHaveLength(0);
    erp.faults.configure({});
  });

  it('retries a call whose answer was lost, and the idempotency key keeps the ERP from booking twice', async () => {
    // The ERP books the invoice, then the connection drops before its answer arrives.
    erp.faults.configure({ lostResponseRate: 1, paths: ['/invoices'] });
    await send('order.released', 'SO-T1', order('SO-T1'));
    await send('shipment.confirmed', 'SO-T1', shipment('SO-T1'));
    await send('pricing.validated', 'SO-T1', pricing);
    await waitFor('two attempts that lost their answer', async () => {
      const [effect] = await effectsOf('SO-T1', 'postInvoice');
      return effect !== undefined && effect.attempts >= 2 && effect.status === 'pending';
    });
    expect(invoicesFor('SO-T1')).toHaveLength(1);
    erp.faults.configure({});
    const instance = await finished('SO-T1');
    expect(instance.outcome).toBe('invoiced');
    const [invoice, ...more] = invoicesFor('SO-T1');
    expect(more).toHaveLength(0);
    // Each retry carried the same key: the ERP answered with the invoice it had booked.
    expect(invoice?.requestCount).toBeGreaterThanOrEqual(3);
    expect(instance.context).toMatchObject({
      invoice: { invoiceNumber: invoice?.invoiceNumber, duplicate: true },
    });
  });

  it('waits as long as a 429 Retry-After says before calling again', async () => {
    erp.faults.configure({ rateLimitRate: 1, retryAfterSeconds: 2, paths: ['/invoices'] });
    await send('order.released', 'SO-429', order('SO-429'));
    await send('shipment.confirmed', 'SO-429', shipment('SO-429'));
    await send('pricing.validated', 'SO-429', pricing);
    const limited = await waitFor('a rate-limited attempt', async () => {
      const [effect] = await effectsOf('SO-429', 'postInvoice');
      const error = effect?.last_error as { code?: string } | null | undefined;
      return effect?.status === 'pending' && error?.code === 'RATE_LIMITED' ? effect : undefined;
    });
    // Backoff alone would retry within 20 ms; the ERP asked for 2 s.
    expect(
      new Date(limited.next_run_at).getTime() - new Date(limited.updated_at).getTime(),
    ).toBeGreaterThanOrEqual(1_990);
    erp.faults.configure({});
    expect((await finished('SO-429')).outcome).toBe('invoiced');
    expect(invoicesFor('SO-429')).toHaveLength(1);
  });

  it('takes the flow’s error path once retries are exhausted', async () => {
    erp.faults.configure({ serverErrorRate: 1, paths: ['/invoices'] });
    await send('order.released', 'SO-X1', order('SO-X1'));
    await send('shipment.confirmed', 'SO-X1', shipment('SO-X1'));
    await send('pricing.validated', 'SO-X1', pricing);
    expect((await finished('SO-X1')).outcome).toBe('postingFailed');
    const [effect] = await effectsOf('SO-X1', 'postInvoice');
    expect(effect).toMatchObject({ status: 'failed', attempts: fastRetry.maxAttempts });
    expect(invoicesFor('SO-X1')).toHaveLength(0);
    erp.faults.configure({});
  });

  it('without an error path, opens incidents with the error and the payload for exhausted retries and permanent failures', async () => {
    await platform.deploy(billingReadiness({ withoutErrorPaths: true }));
    erp.faults.configure({ serverErrorRate: 1, paths: ['/invoices'] });
    await send('order.released', 'SO-I1', order('SO-I1'));
    await send('shipment.confirmed', 'SO-I1', shipment('SO-I1'));
    await send('pricing.validated', 'SO-I1', pricing);
    // An unknown customer: the ERP answers 404, which no retry can fix.
    await send('order.released', 'SO-I2', order('SO-I2', 'C-404'));

    const incidentOf = (orderNumber: string) =>
      waitFor(`an incident for ${orderNumber}`, async () => {
        const instance = await instanceOf(orderNumber);
        if (!instance) return undefined;
        return testDb.db
          .selectFrom('incidents')
          .selectAll()
          .where('instance_id', '=', instance.id)
          .where('status', '=', 'open')
          .executeTakeFirst();
      });
    const exhausted = await incidentOf('SO-I1');
    expect(exhausted).toMatchObject({
      node_id: 'postInvoice',
      attempts: fastRetry.maxAttempts,
      error: { code: 'RETRYABLE' },
      payload: { orderNumber: 'SO-I1', customerId: 'C-100' },
    });
    expect((exhausted.error as { message: string }).message).toMatch(/50[023]/);
    const permanent = await incidentOf('SO-I2');
    expect(permanent).toMatchObject({
      node_id: 'readProfile',
      attempts: 1,
      error: { code: 'PERMANENT' },
      payload: { customerId: 'C-404' },
    });
    expect((await instanceOf('SO-I1'))?.status).toBe('running');
    erp.faults.configure({});
  });
});

describe('WMS and TMS event faults, through the triggers the platform activated', () => {
  const eventsWithKey = (idempotencyKey: string) =>
    testDb.db
      .selectFrom('events')
      .selectAll()
      .where('idempotency_key', '=', idempotencyKey)
      .execute();

  it('deduplicates a webhook event the WMS delivers twice', async () => {
    await send('order.released', 'SO-D1', order('SO-D1'));
    wms.faults.configure({ duplicateRate: 1 });
    wms.confirmShipment(wmsShipment('SO-D1'));
    await wms.idle();
    wms.faults.configure({});
    const [event] = wms.wire();
    const sent = wms.deliveries().filter((d) => d.eventId === event?.eventId);
    expect(sent.map((d) => d.status)).toEqual([202, 200]);
    expect(await eventsWithKey(`wms:${event?.eventId}`)).toHaveLength(1);
    await send('pricing.validated', 'SO-D1', pricing);
    expect((await finished('SO-D1')).outcome).toBe('invoiced');
    expect(invoicesFor('SO-D1')).toHaveLength(1);
    wms.reset();
  });

  it('parks a shipment that overtakes its order and applies it once the order arrives', async () => {
    wms.faults.configure({ outOfOrderRate: 1 });
    wms.confirmShipment(wmsShipment('SO-O1'));
    expect(wms.wire()).toHaveLength(0); // held back by the WMS
    wms.faults.configure({});
    wms.flush();
    await wms.idle();
    const [event] = wms.wire();
    const parked = await waitFor('the shipment to be parked', async () => {
      const [row] = await eventsWithKey(`wms:${event?.eventId}`);
      return row?.status === 'parked' ? row : undefined;
    });
    expect(parked.correlation_key).toBe('SO-O1');
    await send('order.released', 'SO-O1', order('SO-O1'));
    await send('pricing.validated', 'SO-O1', pricing);
    const instance = await finished('SO-O1');
    expect(instance.outcome).toBe('invoiced');
    expect(instance.context).toMatchObject({ shipment: { shipmentId: 'SH-SO-O1' } });
    expect(invoicesFor('SO-O1')[0]?.request.shipmentId).toBe('SH-SO-O1');
    wms.reset();
  });

  it('rejects a malformed webhook payload at ingestion with an error naming the field', async () => {
    wms.faults.configure({ malformedRate: 1 });
    wms.confirmShipment(wmsShipment('SO-M1'));
    await wms.idle();
    wms.faults.configure({});
    const [event] = wms.wire();
    expect(wms.deliveries().map((d) => d.status)).toEqual([400]);
    expect(await eventsWithKey(`wms:${event?.eventId}`)).toHaveLength(0);
    const refused = logLines.find((line) => line.includes('webhook event refused'));
    expect(refused).toContain(`SHIPMENT_CONFIRMED ${event?.eventId} is malformed: shipDate`);
    wms.reset();
  });

  it('polls the TMS feed through 5xx and duplicates: each POD is ingested once and the cursor is kept', async () => {
    tms.faults.configure({ seed: 5, serverErrorRate: 0.5, duplicateRate: 1, paths: ['/events'] });
    for (const orderNumber of ['SO-P1', 'SO-P2']) {
      tms.publishPod({
        documentId: `POD-${orderNumber}`,
        shipmentRef: `SH-${orderNumber}`,
        orderRef: orderNumber,
        scac: 'ODFL',
        signedBy: 'R. Lopez',
        deliveredAt: '2026-11-24T08:55:00Z',
      });
    }
    const wire = tms.wire();
    expect(wire).toHaveLength(4);
    const cursor = await waitFor('the feed cursor to pass both PODs', async () => {
      const row = await testDb.db
        .selectFrom('connector_trigger_state')
        .select('value')
        .where('trigger_id', '=', `${TMS}.feed`)
        .executeTakeFirst();
      return row && Number(row.value) >= wire.length ? row.value : undefined;
    });
    expect(Number(cursor)).toBe(wire.length);
    for (const eventId of new Set(wire.map((e) => e.eventId))) {
      const rows = await eventsWithKey(`tms:${eventId}`);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.type).toBe('pod.received');
    }
    expect(tms.faults.stats().serverErrors).toBeGreaterThan(0);
    tms.faults.configure({});
  });
});
