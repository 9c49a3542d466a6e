/**
 * From nothing to a measured billing process: a process owner deploys the pricing-variance template
 * from the gallery for a new business unit with a looser tolerance, the WMS and the pricing engine
 * send events through the external HTTP API, and the unit's dashboard fills: the figures change,
 * chart bars appear and the CSV exports hold the expected rows.
 */
import { readFile } from 'node:fs/promises';

import type { Page } from '@playwright/test';

import { expect, test } from '../fixtures/auth.ts';
import { postEvent } from '../fixtures/events.ts';

/** Releases, ships and prices an order whose pallet wrap is billed at 26.00 against `contract`. */
async function billOrder(orderNumber: string, contract: number): Promise<void> {
  const variancePct = Math.round((Math.abs(26 - contract) / contract) * 10_000) / 100;
  await postEvent({
    type: 'order.released',
    correlationKey: orderNumber,
    payload: {
      orderNumber,
      customerId: 'C-100',
      currency: 'USD',
      warehouse: 'DAL-1',
      lines: [{ sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 26 }],
    },
  });
  await postEvent({
    type: 'shipment.confirmed',
    correlationKey: orderNumber,
    payload: {
      shipmentId: `SH-${orderNumber}`,
      shippedAt: new Date().toISOString(),
      lines: [{ sku: 'PAL-WRAP-18', shippedQty: 10 }],
    },
  });
  await postEvent({
    type: 'pricing.validated',
    correlationKey: orderNumber,
    payload: {
      variancePct,
      lines: [
        { sku: 'PAL-WRAP-18', quantity: 10, unitPrice: 26, contractPrice: contract, variancePct },
      ],
    },
  });
}

async function downloadCsv(page: Page, figure: string): Promise<string[]> {
  const downloading = page.waitForEvent('download');
  await page.getByTestId(`csv-${figure}`).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe(`waybill-${figure}.csv`);
  const path = await download.path();
  return (await readFile(path, 'utf8')).split('\r\n').filter((line) => line !== '');
}

test('deploy a template for a business unit from the gallery and watch its dashboard fill', async ({
  page,
}, testInfo) => {
  const unit = `west-${Date.now().toString(36)}`;
  const flowKey = `pricing-variance-${unit}`;

  // The gallery, one of the designer's sections, lists the template with what it needs.
  await page.goto('/');
  await page.getByTestId('nav-gallery').click();
  const card = page.getByTestId('template-pricing-variance');
  await expect(card).toContainText('Pricing variance');
  await expect(card).toContainText('waybill.erp-sandbox');
  await expect(card).toContainText('autoAcceptPct');

  // A tolerance that is not a number is refused before anything is sent.
  await card.getByTestId('deploy-open-pricing-variance').click();
  await card.getByTestId('deploy-unit').fill(unit);
  await card.getByTestId('deploy-param-autoAcceptPct').fill('five');
  await expect(card).toContainText('autoAcceptPct must be a number');
  await expect(card.getByTestId('deploy-submit')).toBeDisabled();

  // 5 % instead of the default 2 %: a 3 % variance no longer needs pricing's review.
  await card.getByTestId('deploy-param-autoAcceptPct').fill('5');
  await card.getByTestId('deploy-param-reviewSla').fill('PT8H');
  await card.getByTestId('deploy-submit').click();
  await expect(card.getByTestId('deploy-result')).toContainText(`Deployed ${flowKey} version 1`);
  await expect(card.getByTestId('deployments-pricing-variance')).toContainText(unit);
  await page.screenshot({ path: testInfo.outputPath('1-deployed.png') });

  // The unit's dashboard is empty.
  await card.getByTestId('deploy-dashboard-link').click();
  await expect(page.getByRole('heading', { name: 'Process intelligence' })).toBeVisible();
  await expect(page.getByTestId('filter-businessUnit')).toHaveValue(unit);
  await expect(page.getByTestId('kpi-started')).toContainText('0');
  await expect(page.getByTestId('chart-categories-bar')).toHaveCount(0);

  // Two orders within the unit's tolerance (1.6 % and 3.0 %), one above it (8.3 %).
  await billOrder(`SO-${unit}-1`, 25.6);
  await billOrder(`SO-${unit}-2`, 25.24);
  await billOrder(`SO-${unit}-3`, 24);

  // The dashboard refreshes on its own: three started, both completed ones touchless, one
  // pricing exception open and young.
  await expect(page.getByTestId('kpi-started')).toContainText('3', { timeout: 30_000 });
  await expect(page.getByTestId('kpi-touchless')).toContainText('100.0 %', { timeout: 30_000 });
  await expect(page.getByTestId('kpi-exceptions')).toContainText('1');
  await expect(page.getByTestId('kpi-backlog')).toContainText('1 open');
  await expect(page.getByTestId('chart-categories-bar')).toHaveCount(1);
  await expect(page.getByTestId('chart-categories')).toHaveAttribute(
    'aria-label',
    /Pricing variance: 1/,
  );
  await expect(page.getByTestId('chart-warehouses')).toHaveAttribute('aria-label', /DAL-1: 1/);
  await expect(page.getByTestId('chart-aging')).toHaveAttribute('aria-label', /under 1 day: 1/);
  await expect(page.getByTestId('chart-latency-bar')).not.toHaveCount(0);
  await expect(page.getByTestId('node-heat')).toContainText('pricedAndShipped');
  await page.screenshot({ path: testInfo.outputPath('2-dashboard.png'), fullPage: true });

  // The CSV exports hold the same figures.
  expect(await downloadCsv(page, 'warehouses')).toEqual([
    'warehouse,started,finished,exceptions_opened,exception_rate_pct',
    'DAL-1,3,2,1,0',
  ]);
  expect(await downloadCsv(page, 'categories')).toEqual([
    'category,label,opened,rate_per_100_instances,resolved,sla_tracked,sla_met,sla_compliance_pct,avg_time_to_resolve_h',
    'pricingVariance,Pricing variance,1,33.33,0,0,0,,',
  ]);
  const kpis = await downloadCsv(page, 'kpis');
  expect(kpis).toContain('instances_started,3');
  expect(kpis).toContain('touchless_rate_pct,100');
  expect(kpis).toContain('open_exceptions,1');
});
