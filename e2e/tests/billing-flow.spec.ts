/**
 * The whole product, as its users see it: a process owner opens the shipped billing-readiness flow in
 * the designer, loosens the pricing tolerance in a gate condition, publishes a new version; the WMS and the
 * pricing engine send their events through the external HTTP API; the instance runs on that version to
 * `invoiced` and the ERP receives the invoice once.
 */
import type { Page } from '@playwright/test';

import { expect, test } from '../fixtures/auth.ts';

import { E2E_API_KEY, ERP_API_KEY, ERP_URL } from '../e2e-env.ts';
import { postEvent } from '../fixtures/events.ts';

/** Replaces the text of a Monaco expression editor the way a user does: select all, type. */
async function retypeExpression(page: Page, testId: string, text: string): Promise<void> {
  const editor = page.locator(`[data-testid="${testId}"] .monaco-editor`);
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text, { delay: 20 });
}

test('change and publish the billing flow, then watch an order get invoiced', async ({
  page,
  baseURL,
}, testInfo) => {
  const offsite: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (
      !['127.0.0.1', 'localhost'].includes(url.hostname) &&
      !['data:', 'blob:'].includes(url.protocol)
    ) {
      offsite.push(request.url());
    }
  });

  // The process owner finds the shipped flow in the list.
  await page.goto('/');
  const row = page.getByTestId('flow-row-billing-readiness');
  await expect(row).toContainText('Billing readiness');
  await row.click();
  await expect(page.getByTestId('node-readyToBill')).toBeVisible();
  await expect(page.locator('.react-flow__node')).toHaveCount(8);
  await page.screenshot({ path: testInfo.outputPath('1-flow-opened.png') });

  // Loosen the pricing tolerance of the readiness gate to 5 %.
  await page.getByTestId('node-readyToBill').click();
  await expect(page.getByTestId('node-inspector')).toHaveAttribute('data-node-id', 'readyToBill');
  await retypeExpression(
    page,
    'condition-1-expression',
    'pricing != null && pricing.variancePct <= 5.0',
  );
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', /dirty|saved/);

  // A broken expression is caught before publishing …
  await retypeExpression(page, 'condition-1-expression', 'pricing.variancePct <= "five"');
  await expect(page.getByTestId('problems-panel')).toContainText('readyToBill');
  await page.getByTestId('publish-button').click();
  await page.getByTestId('publish-confirm').click();
  await expect(page.getByTestId('publish-blocking')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('2-publish-refused.png') });
  await page.keyboard.press('Escape');

  // … fixed, saved and published as a new version.
  await retypeExpression(
    page,
    'condition-1-expression',
    'pricing != null && pricing.variancePct <= 5.0',
  );
  await expect(page.getByTestId('problems-panel')).not.toContainText('readyToBill');
  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  await page.getByTestId('publish-button').click();
  await page.getByTestId('publish-note').fill('Pricing tolerance 5 % for the holiday season');
  await page.getByTestId('publish-confirm').click();
  const published = page.getByText(/^Published version \d+\.$/);
  await expect(published).toBeVisible();
  const version = Number(/(\d+)/.exec((await published.textContent()) ?? '')?.[1]);
  expect(version).toBeGreaterThanOrEqual(2);
  await page.getByTestId('tab-versions').click();
  await expect(page.getByTestId('versions-panel')).toContainText('Pricing tolerance 5 %');

  // The systems send their events through the external API, the shipment and pricing first.
  const order = 'SO-E2E-7001';
  const send = (
    type: string,
    payload: Record<string, unknown>,
    idempotencyKey: string,
    expectStatus: 200 | 202 = 202,
  ) => postEvent({ type, correlationKey: order, payload }, { idempotencyKey, expectStatus });
  await send(
    'shipment.confirmed',
    {
      shipmentId: 'SH-7001',
      shippedAt: '2026-11-23T15:00:00Z',
      lines: [{ sku: 'PAL-WRAP-18', shippedQty: 12 }],
    },
    'wms-SH-7001',
  );
  // Variance 4 %: over the shipped 2 % tolerance, within the new 5 %.
  await send(
    'pricing.validated',
    { variancePct: 4, lines: [{ sku: 'PAL-WRAP-18', quantity: 12, unitPrice: 24.5 }] },
    'pricing-SO-E2E-7001',
  );
  await send(
    'order.released',
    {
      orderNumber: order,
      customerId: 'C-100',
      currency: 'USD',
      lines: [{ sku: 'PAL-WRAP-18', quantity: 12, unitPrice: 24.5 }],
    },
    'erp-SO-E2E-7001',
  );
  // Middleware redelivers the shipment message: accepted once.
  await send(
    'shipment.confirmed',
    {
      shipmentId: 'SH-7001',
      shippedAt: '2026-11-23T15:00:00Z',
      lines: [{ sku: 'PAL-WRAP-18', shippedQty: 12 }],
    },
    'wms-SH-7001',
    200,
  );

  // The designer shows the instance finish on the new version.
  await page.getByTestId('tab-instances').click();
  const instance = page.getByTestId('instance-row').filter({ hasText: order });
  await expect(instance).toContainText('completed', { timeout: 30_000 });
  await expect(instance).toContainText(`v${version}`);
  await instance.click();
  await expect(page.getByTestId('instance-detail')).toContainText('INV-');
  await page.screenshot({ path: testInfo.outputPath('3-instance-invoiced.png') });

  // The ERP received the invoice exactly once.
  const erp = await fetch(`${ERP_URL}/invoices`, {
    headers: { authorization: `Bearer ${ERP_API_KEY}` },
  });
  const { invoices } = (await erp.json()) as {
    invoices: { invoiceNumber: string; request: { orderNumber: string; lines: unknown[] } }[];
  };
  const posted = invoices.filter((i) => i.request.orderNumber === order);
  expect(posted).toHaveLength(1);
  expect(posted[0]!.request.lines).toEqual([{ sku: 'PAL-WRAP-18', quantity: 12, unitPrice: 24.5 }]);

  // The external API agrees.
  const api = await fetch(`${baseURL}/api/v1/instances?correlationKey=${order}`, {
    headers: { authorization: `Bearer ${E2E_API_KEY}` },
  });
  const { instances } = (await api.json()) as {
    instances: { flowVersion: number; status: string; outcome: string }[];
  };
  expect(instances).toEqual([
    expect.objectContaining({ flowVersion: version, status: 'completed', outcome: 'invoiced' }),
  ]);

  expect(offsite, 'the designer loads nothing from outside this machine').toEqual([]);
});
