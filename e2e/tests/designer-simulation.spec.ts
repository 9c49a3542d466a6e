/**
 * Simulation: a process owner runs the billing flow in the browser against scripted events and
 * stubbed connector results, watches where the instance is and the path it took, reads the
 * context at each step, saves the run as a test scenario, and replays it after changing the flow.
 */
import { expect, test } from '../fixtures/auth.ts';
import type { Page } from '@playwright/test';

import { openFlow, seedFlow, shot, template } from '../fixtures/designer.ts';

async function takeStep(page: Page, name: string, data?: unknown): Promise<void> {
  await page.getByTestId('simulation-panel').getByRole('button', { name, exact: true }).click();
  if (data !== undefined) await page.getByTestId('sim-step-payload').fill(JSON.stringify(data));
  await page.getByTestId('sim-apply').click();
}

test('simulate step by step, save a scenario, replay it with pass and fail', async ({
  page,
  request,
}, testInfo) => {
  const key = await seedFlow(request, 'simulate', template);
  await openFlow(page, key);
  await page.getByTestId('simulate-button').click();
  const canvas = page.getByTestId('simulation-canvas');
  await expect(canvas).toBeVisible();

  await page
    .getByTestId('sim-trigger')
    .fill(JSON.stringify({ orderNumber: 'SO-1001', customerId: 'C-7', currency: 'EUR' }));
  await page.getByTestId('sim-start').click();
  await expect(page.getByTestId('sim-status')).toHaveText('Waiting at readProfile');
  await expect(canvas.locator('[data-id="readProfile"] .deco--active')).toBeVisible();

  await takeStep(page, 'readProfile: connector succeeds', { podRequired: false });
  await expect(page.getByTestId('sim-status')).toHaveText('Waiting at readyToBill');
  await takeStep(page, 'Event shipment.confirmed', { shipmentId: 'SH-1', lines: [] });
  await shot(page, testInfo, '1-waiting-at-gate');
  await takeStep(page, 'Event pricing.validated', { variancePct: 0.4, lines: [] });
  await expect(page.getByTestId('sim-status')).toHaveText('Waiting at postInvoice');
  await takeStep(page, 'postInvoice: connector succeeds', { invoiceId: 'INV-77' });
  await expect(page.getByTestId('sim-status')).toHaveText('Finished: invoiced');

  // The path taken is highlighted: every node entered, every edge followed.
  for (const id of ['start', 'readProfile', 'readyToBill', 'postInvoice', 'invoiced'])
    await expect(canvas.locator(`[data-id="${id}"] .deco--path`)).toBeVisible();
  await expect(canvas.locator('.react-flow__edge.edge--path')).toHaveCount(4);
  await expect(canvas.locator('[data-id="chasePod"] .deco--path')).toHaveCount(0);

  // The context at each step.
  await page.getByTestId('sim-frame-1').click();
  await expect(page.getByTestId('sim-context')).toContainText('"podRequired": false');
  await expect(page.getByTestId('sim-context')).not.toContainText('INV-77');
  await page.getByTestId('sim-frame-4').click();
  await expect(page.getByTestId('sim-context')).toContainText('INV-77');
  await shot(page, testInfo, '2-finished-with-context');

  // Save the run as a scenario; replaying it passes.
  await page.getByTestId('scenario-name').fill('happy path');
  await page.getByTestId('scenario-save').click();
  const row = page.getByTestId('scenario-happy path');
  await expect(row).toContainText('4 steps');
  await row.getByTestId('scenario-run').click();
  await expect(row.getByTestId('scenario-result')).toHaveText('passed');

  // Load it and step through it again, then run it to the end.
  await row.getByRole('button', { name: 'Load' }).click();
  await expect(page.getByTestId('sim-progress')).toHaveText('0/4 steps');
  await page.getByTestId('sim-step').click();
  await expect(page.getByTestId('sim-status')).toHaveText('Waiting at readyToBill');
  await page.getByTestId('sim-run').click();
  await expect(page.getByTestId('sim-status')).toHaveText('Finished: invoiced');

  // Change the flow: the end's outcome. The scenario now fails, and says why.
  await page.getByTestId('workbench-close').click();
  await page.getByTestId('node-invoiced').click();
  await page.getByTestId('end-outcome').fill('billed');
  await page.getByTestId('simulate-button').click();
  const again = page.getByTestId('scenario-happy path');
  await again.getByTestId('scenario-run').click();
  await expect(again.getByTestId('scenario-result')).toHaveText('failed');
  await expect(again).toContainText('expected outcome invoiced, got billed');
  await shot(page, testInfo, '3-scenario-failed-after-change');
});
