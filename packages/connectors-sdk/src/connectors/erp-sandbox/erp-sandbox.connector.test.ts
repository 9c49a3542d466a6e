import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { isConnectorError } from '../../connector.error.ts';
import type { ConnectorError } from '../../connector.error.ts';
import { invokeOperation } from '../../invoke-operation.ts';
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from '../../simulators/erp-simulator.ts';
import type { ErpSimulator } from '../../simulators/erp-simulator.ts';
import { erpSandboxConnector } from './erp-sandbox.connector.ts';

let erp: ErpSimulator;
beforeAll(async () => {
  erp = await startErpSimulator();
});
afterAll(async () => {
  await erp.close();
});
beforeEach(() => erp.reset());

const invoice = {
  orderNumber: 'SO-1001',
  customerId: 'C-100',
  currency: 'USD',
  lines: [
    { sku: 'PALLET-1', quantity: 2, unitPrice: 50 },
    { sku: 'WRAP-9', quantity: 1, unitPrice: 12.5 },
  ],
  freightAmount: 20,
  taxAmount: 9.9,
  shipmentId: 'SH-77',
};

function postInvoice(idempotencyKey: string, apiKey = ERP_SIMULATOR_API_KEY) {
  return invokeOperation(erpSandboxConnector, 'postInvoice', {
    config: { baseUrl: erp.url, apiKey },
    input: invoice,
    idempotencyKey,
    correlationId: invoice.orderNumber,
  });
}

async function failureOf(promise: Promise<unknown>): Promise<ConnectorError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isConnectorError(error)) throw new Error(`expected a ConnectorError, got ${String(error)}`);
  return error;
}

describe('erp-sandbox postInvoice', () => {
  test('posts the invoice and returns its number and total', async () => {
    const result = await postInvoice('inst-1:post#1');
    expect(result).toEqual({
      invoiceNumber: 'INV-000001',
      total: 142.4,
      postedAt: expect.any(String),
      duplicate: false,
    });
    expect(erp.invoices()).toMatchObject([
      {
        invoiceNumber: 'INV-000001',
        idempotencyKey: 'inst-1:post#1',
        requestCount: 1,
        request: invoice,
      },
    ]);
  });

  test('a repeat with the same idempotency key returns the same invoice, posted once', async () => {
    const first = await postInvoice('inst-1:post#1');
    const repeat = await postInvoice('inst-1:post#1');
    expect(repeat).toEqual({ ...first, duplicate: true });
    expect(erp.invoices()).toHaveLength(1);
    expect(erp.invoices()[0]?.requestCount).toBe(2);
    expect(erp.requests()).toBe(2);
  });

  test('another idempotency key posts another invoice', async () => {
    await postInvoice('inst-1:post#1');
    const second = await postInvoice('inst-2:post#1');
    expect(second.invoiceNumber).toBe('INV-000002');
    expect(erp.invoices().map((i) => i.idempotencyKey)).toEqual(['inst-1:post#1', 'inst-2:post#1']);
  });

  test('a wrong API key is PERMANENT (401) and posts nothing', async () => {
    const error = await failureOf(postInvoice('inst-1:post#1', 'wrong-key'));
    expect(error).toMatchObject({ code: 'PERMANENT', retryable: false, details: { status: 401 } });
    expect(error.message).toContain('401');
    expect(erp.invoices()).toEqual([]);
  });

  test('an invalid invoice is rejected before any request reaches the ERP', async () => {
    const error = await failureOf(
      invokeOperation(erpSandboxConnector, 'postInvoice', {
        config: { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY },
        input: { ...invoice, currency: 'usd', lines: [{ sku: 'A', quantity: -1, unitPrice: 1 }] },
        idempotencyKey: 'inst-1:post#1',
        correlationId: 'SO-1001',
      }),
    );
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toContain('currency: must be a 3-letter ISO 4217 code');
    expect(error.message).toContain('lines.0.quantity');
    expect(erp.requests()).toBe(0);
  });
});

describe('erp-sandbox getBillingProfile', () => {
  test('reads a demo customer that requires proof of delivery', async () => {
    const profile = await invokeOperation(erpSandboxConnector, 'getBillingProfile', {
      config: { baseUrl: `${erp.url}/`, apiKey: ERP_SIMULATOR_API_KEY },
      input: { customerId: 'C-200' },
      idempotencyKey: 'inst-1:profile#1',
      correlationId: 'SO-1001',
    });
    expect(profile).toEqual({
      customerId: 'C-200',
      podRequired: true,
      invoiceMode: 'per-shipment',
      paymentTermsDays: 45,
      ediInvoiceRequired: true,
    });
  });

  test('an unknown customer is PERMANENT (404)', async () => {
    const error = await failureOf(
      invokeOperation(erpSandboxConnector, 'getBillingProfile', {
        config: { baseUrl: erp.url, apiKey: ERP_SIMULATOR_API_KEY },
        input: { customerId: 'C-999' },
        idempotencyKey: 'inst-1:profile#1',
        correlationId: 'SO-1001',
      }),
    );
    expect(error).toMatchObject({ code: 'PERMANENT', details: { status: 404 } });
    expect(error.message).toContain('Unknown customer C-999');
  });
});
