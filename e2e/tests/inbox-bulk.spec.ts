/**
 * Bulk approval, as a pricing approver uses it: a business unit runs the pricing-variance
 * template, and two orders billed above their contract price wait for review in the pricing
 * group's inbox, one worth 260 (low risk: at most the bulk approval limit of 500) and one worth
 * 2,600. The approver selects both and approves them at once: the small one is accepted and its
 * order invoiced; the large one stays in the inbox, and the page says why it was left.
 */
import { request as playwrightRequest } from '@playwright/test';

import { E2E_PORT } from '../e2e-env.ts';
import { expect, signInSession, test } from '../fixtures/auth.ts';
import { postEvent } from '../fixtures/events.ts';
import { instanceOf } from '../fixtures/inbox.ts';

const baseURL = `http://127.0.0.1:${E2E_PORT}`;

/** A process owner deploys pricing-variance for `unit` (reviews above a 2 % variance). */
async function deployForUnit(unit: string): Promise<void> {
  const owner = await signInSession('owner');
  const context = await playwrightRequest.newContext({
    baseURL,
    storageState: owner.storageState,
    extraHTTPHeaders: { 'x-csrf-token': owner.csrfToken },
  });
  try {
    const response = await context.post('/trpc/templates.deploy', {
      data: { name: 'pricing-variance', businessUnit: unit, parameters: { autoAcceptPct: 2 } },
    });
    expect(response.ok(), await response.text()).toBeTruthy();
  } finally {
    await context.dispose();
  }
}

/** Releases, ships and prices an order of `quantity` pallet wraps billed at 26.00 against 24.00. */
async function orderAboveContract(orderNumber: string, quantity: number): Promise<void> {
  const line = { sku: 'PAL-WRAP-18', quantity, unitPrice: 26 };
  await postEvent({
    type: 'order.released',
    correlationKey: orderNumber,
    payload: {
      orderNumber,
      customerId: 'C-100',
      currency: 'USD',
      warehouse: 'DAL-1',
      lines: [line],
    },
  });
  await postEvent({
    type: 'shipment.confirmed',
    correlationKey: orderNumber,
    payload: {
      shipmentId: `SH-${orderNumber}`,
      shippedAt: new Date().toISOString(),
      lines: [{ sku: line.sku, shippedQty: quantity }],
    },
  });
  await postEvent({
    type: 'pricing.validated',
    correlationKey: orderNumber,
    payload: { variancePct: 8.33, lines: [{ ...line, contractPrice: 24, variancePct: 8.33 }] },
  });
}

test.describe('a pricing approver', () => {
  test.use({ signInAs: 'sara.sales' });

  test('approves the low-risk tasks in bulk and is told why the others were left', async ({
    page,
  }, testInfo) => {
    const unit = `bulk-${Date.now().toString(36)}`;
    const flowKey = `pricing-variance-${unit}`;
    const small = `SO-${unit}-S`;
    const large = `SO-${unit}-L`;
    await deployForUnit(unit);
    await orderAboveContract(small, 10);
    await orderAboveContract(large, 100);
    for (const order of [small, large]) {
      await expect
        .poll(async () => (await instanceOf(order, flowKey))?.currentNodes ?? [], {
          timeout: 30_000,
        })
        .toContain('reviewVariance');
    }

    await page.goto('/#/inbox');
    await expect(page.getByTestId('inbox-page')).toBeVisible();
    // Only this unit's reviews: other tests leave theirs in the same group, and a pricing-variance
    // flow another test deployed for its own unit opens a review of these orders too.
    await page.getByTestId('inbox-filter-unit').selectOption(unit);
    const smallRow = page.getByTestId(`inbox-row-${small}`).filter({ hasText: flowKey });
    const largeRow = page.getByTestId(`inbox-row-${large}`).filter({ hasText: flowKey });
    await expect(page.locator('[data-testid^="inbox-row-"]')).toHaveCount(2);
    await expect(smallRow).toContainText('260');
    await expect(smallRow).toContainText('low risk');
    await expect(largeRow).toContainText('2,600');
    await expect(largeRow).not.toContainText('low risk');
    await expect(page.getByTestId('bulk-approve')).toBeDisabled();

    await smallRow.getByRole('checkbox').check();
    await largeRow.getByRole('checkbox').check();
    await expect(page.getByTestId('bulk-approve')).toHaveText('Approve selected (2)');
    await page.getByTestId('bulk-approve').click();

    // One result per task: the small one approved, the large one left with its reason.
    const results = page.getByTestId('bulk-results');
    await expect(results).toContainText('1 of 2 approved.');
    await expect(page.getByTestId(`bulk-result-${small}`)).toContainText(
      `approved (accept) ${small} Pricing variance above tolerance`,
    );
    await expect(page.getByTestId(`bulk-result-${large}`)).toContainText(
      `not approved ${large} Pricing variance above tolerance — The amount 2600 is above the bulk approval limit of 500.`,
    );
    await page.screenshot({ path: testInfo.outputPath('bulk-results.png'), fullPage: true });

    // The approved review left the inbox and its order went on to be invoiced as priced;
    // the other one is still waiting for a person.
    await expect(smallRow).toHaveCount(0);
    await expect(largeRow).toBeVisible();
    await expect(largeRow.getByRole('checkbox')).not.toBeChecked();
    await expect
      .poll(async () => (await instanceOf(small, flowKey))?.outcome ?? null, { timeout: 30_000 })
      .toBe('accepted');
    expect((await instanceOf(large, flowKey))?.currentNodes).toEqual(['reviewVariance']);
  });
});
