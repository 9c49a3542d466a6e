/**
 * BPMN: a process owner imports a diagram drawn in Camunda Modeler, reads what was not imported
 * (by element id), creates the flow from it, and exports a flow back to BPMN.
 */
import { readFileSync } from 'node:fs';

import { expect, test } from '../fixtures/auth.ts';

import { shot, uniqueKey } from '../fixtures/designer.ts';

const fixture = new URL('../fixtures/invoice-exception.bpmn', import.meta.url).pathname;

test('import a BPMN diagram with a report of what was not imported, then export it', async ({
  page,
}, testInfo) => {
  await page.goto('/');
  await expect(page.getByTestId('import-button')).toBeVisible();
  await page.getByTestId('import-file').setInputFiles(fixture);

  const dialog = page.getByTestId('import-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('import-summary')).toContainText('11 nodes and 12 edges imported');
  await expect(page.getByTestId('import-summary')).toContainText('2 elements not imported');
  // A parallel gateway with one path in and out is merged: the path leads straight on.
  await expect(page.getByTestId('import-skipped-Gateway_Notify')).toHaveCount(0);
  await expect(page.getByTestId('import-skipped-Event_ReviewDue')).toContainText('due date');
  await expect(page.getByTestId('import-name')).toHaveValue('Invoice exception');
  const key = uniqueKey('invoice-exception');
  await page.getByTestId('import-key').fill(key);
  await shot(page, testInfo, '1-import-report');

  await page.getByTestId('import-create').click();
  await expect(page).toHaveURL(new RegExp(`#/flows/${key}$`));
  await expect(page.locator('.react-flow__node')).toHaveCount(11);
  await expect(page.getByTestId('node-Gateway_AwaitPod')).toContainText('Wait for event');
  await expect(page.getByTestId('node-Activity_PostInvoice')).toContainText('Post invoice to ERP');
  await shot(page, testInfo, '2-imported-flow');

  // Export back to BPMN: a diagram with the same elements and its layout.
  await page.getByTestId('export-menu').click();
  const download = page.waitForEvent('download');
  await page.getByTestId('export-bpmn').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${key}.bpmn`);
  const xml = readFileSync(await file.path(), 'utf8');
  expect(xml).toContain('<bpmn:process id="');
  expect(xml).toContain('<bpmn:userTask id="Activity_ReviewVariance"');
  expect(xml).toContain('<bpmn:eventBasedGateway id="Gateway_AwaitPod"');
  expect(xml).toContain('bpmnElement="Activity_PostInvoice"');

  // The exported file imports again with nothing left out.
  await page.goto('/');
  await page.getByTestId('import-file').setInputFiles({
    name: `${key}.bpmn`,
    mimeType: 'application/xml',
    buffer: Buffer.from(xml),
  });
  await expect(page.getByTestId('import-summary')).toContainText('11 nodes');
  await expect(page.getByTestId('import-summary')).not.toContainText('not imported');
});

test('an unreadable file says why, and creates nothing', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('import-file').setInputFiles({
    name: 'broken.bpmn',
    mimeType: 'application/xml',
    buffer: Buffer.from('<bpmn:definitions><bpmn:process id="P"></bpmn:definitions>'),
  });
  await expect(page.getByTestId('import-error')).toContainText('not well-formed XML');
  await expect(page.getByTestId('import-create')).toBeDisabled();
});
