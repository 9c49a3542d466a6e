import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ERP_SIMULATOR_API_KEY, startErpSimulator } from './erp-simulator.ts';
import type { ErpSimulator } from './erp-simulator.ts';

const invoice = {
  orderNumber: 'SO-1',
  customerId: 'C-100',
  currency: 'EUR',
  lines: [{ sku: 'A', quantity: 3, unitPrice: 0.1 }],
};

interface Receipt {
  invoiceNumber: string;
  total: number;
  postedAt: string;
  duplicate: boolean;
}

async function receiptOf(response: Response): Promise<Receipt> {
  return (await response.json()) as Receipt;
}

function call(
  erp: ErpSimulator,
  path: string,
  init: { method?: string; key?: string | null; idempotencyKey?: string; body?: unknown } = {},
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? ERP_SIMULATOR_API_KEY}`;
  if (init.idempotencyKey !== undefined) headers['idempotency-key'] = init.idempotencyKey;
  return fetch(`${erp.url}${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

describe('ERP simulator over HTTP', () => {
  let erp: ErpSimulator;
  beforeAll(async () => {
    erp = await startErpSimulator({ port: 0 });
  });
  afterAll(async () => {
    await erp.close();
  });
  beforeEach(() => erp.reset());

  test('GET /healthz answers without auth and is not counted', async () => {
    const response = await call(erp, '/healthz', { key: null });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(erp.requests()).toBe(0);
  });

  test('POST /invoices posts with a sequential number and cents-rounded total', async () => {
    const first = await call(erp, '/invoices', {
      method: 'POST',
      idempotencyKey: 'k1',
      body: invoice,
    });
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({
      invoiceNumber: 'INV-000001',
      total: 0.3,
      duplicate: false,
    });
    const second = await call(erp, '/invoices', {
      method: 'POST',
      idempotencyKey: 'k2',
      body: invoice,
    });
    expect(await second.json()).toMatchObject({ invoiceNumber: 'INV-000002' });
  });

  test('the same Idempotency-Key answers 200 with the same invoice and records it once', async () => {
    const first = await receiptOf(
      await call(erp, '/invoices', { method: 'POST', idempotencyKey: 'k1', body: invoice }),
    );
    const repeat = await call(erp, '/invoices', {
      method: 'POST',
      idempotencyKey: 'k1',
      body: invoice,
    });
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ ...first, duplicate: true });
    expect(erp.invoices()).toHaveLength(1);
    expect(erp.invoices()[0]).toMatchObject({ idempotencyKey: 'k1', requestCount: 2 });
  });

  test('the same Idempotency-Key with a different invoice is 409 and changes nothing', async () => {
    await call(erp, '/invoices', { method: 'POST', idempotencyKey: 'k1', body: invoice });
    const conflict = await call(erp, '/invoices', {
      method: 'POST',
      idempotencyKey: 'k1',
      body: { ...invoice, orderNumber: 'SO-2' },
    });
    expect(conflict.status).toBe(409);
    expect(erp.invoices()).toMatchObject([{ request: { orderNumber: 'SO-1' }, requestCount: 1 }]);
  });

  test('a missing Idempotency-Key is 400', async () => {
    const response = await call(erp, '/invoices', { method: 'POST', body: invoice });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'idempotency_key_required' });
    expect(erp.invoices()).toEqual([]);
  });

  test('an invalid body is 400 with one error per field', async () => {
    const response = await call(erp, '/invoices', {
      method: 'POST',
      idempotencyKey: 'k1',
      body: { ...invoice, currency: 'euro', lines: [{ sku: 'A', quantity: 0, unitPrice: 1 }] },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { fieldErrors: { path: string }[] };
    expect(body.fieldErrors.map((f) => f.path)).toEqual(['currency', 'lines.0.quantity']);
  });

  test('a wrong or missing API key is 401 on every route but /healthz', async () => {
    for (const path of ['/invoices', '/customers/C-100/billing-profile']) {
      expect((await call(erp, path, { key: 'nope' })).status).toBe(401);
      expect((await call(erp, path, { key: null })).status).toBe(401);
    }
    const post = await call(erp, '/invoices', {
      method: 'POST',
      key: 'nope',
      idempotencyKey: 'k1',
      body: invoice,
    });
    expect(post.status).toBe(401);
    expect(erp.invoices()).toEqual([]);
  });

  test('GET /invoices lists what was posted; reset forgets it', async () => {
    await call(erp, '/invoices', { method: 'POST', idempotencyKey: 'k1', body: invoice });
    const listed = (await (await call(erp, '/invoices')).json()) as { invoices: unknown[] };
    expect(listed.invoices).toMatchObject([{ invoiceNumber: 'INV-000001', idempotencyKey: 'k1' }]);
    erp.reset();
    expect(erp.invoices()).toEqual([]);
    expect(erp.requests()).toBe(0);
    const again = await receiptOf(
      await call(erp, '/invoices', { method: 'POST', idempotencyKey: 'k1', body: invoice }),
    );
    expect(again.invoiceNumber).toBe('INV-000001');
  });

  test('billing profiles: demo customers differ in POD; unknown customers are 404', async () => {
    const profiles = await Promise.all(
      ['C-100', 'C-200'].map(
        async (id) =>
          (await (await call(erp, `/customers/${id}/billing-profile`)).json()) as {
            podRequired: boolean;
          },
      ),
    );
    expect(profiles.map((p) => p.podRequired)).toEqual([false, true]);
    expect((await call(erp, '/customers/C-404/billing-profile')).status).toBe(404);
  });
});

describe('ERP simulator options', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'erp-simulator-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('with dataFile, a restarted simulator keeps its invoices and numbering', async () => {
    const dataFile = join(dir, 'erp.json');
    const before = await startErpSimulator({ dataFile });
    await call(before, '/invoices', { method: 'POST', idempotencyKey: 'k1', body: invoice });
    await before.close();

    const after = await startErpSimulator({ dataFile });
    try {
      expect(after.invoices()).toMatchObject([
        { invoiceNumber: 'INV-000001', idempotencyKey: 'k1' },
      ]);
      const repeat = await call(after, '/invoices', {
        method: 'POST',
        idempotencyKey: 'k1',
        body: invoice,
      });
      expect(await repeat.json()).toMatchObject({ invoiceNumber: 'INV-000001', duplicate: true });
      const next = await call(after, '/invoices', {
        method: 'POST',
        idempotencyKey: 'k2',
        body: invoice,
      });
      expect(await next.json()).toMatchObject({ invoiceNumber: 'INV-000002' });
    } finally {
      await after.close();
    }
  });

  test('apiKey and customers replace the defaults', async () => {
    const erp = await startErpSimulator({
      apiKey: 'custom-key',
      customers: [
        {
          customerId: 'X-1',
          podRequired: true,
          invoiceMode: 'consolidated',
          paymentTermsDays: 10,
          ediInvoiceRequired: false,
        },
      ],
    });
    try {
      expect((await call(erp, '/customers/X-1/billing-profile')).status).toBe(401);
      const profile = await call(erp, '/customers/X-1/billing-profile', { key: 'custom-key' });
      expect(await profile.json()).toMatchObject({
        customerId: 'X-1',
        invoiceMode: 'consolidated',
      });
      expect(
        (await call(erp, '/customers/C-100/billing-profile', { key: 'custom-key' })).status,
      ).toBe(404);
    } finally {
      await erp.close();
    }
  });
});
