/**
 * Versions: a process owner edits a published flow (the draft saves itself), publishes version 2
 * with a change note, and compares the two versions on the canvas.
 */
import { expect, test } from '../fixtures/auth.ts';

import { dragBetween, openFlow, seedFlow, shot, template } from '../fixtures/designer.ts';

test('drafts save themselves; publish with a note; a visual diff of two versions', async ({
  page,
  request,
}, testInfo) => {
  const key = await seedFlow(request, 'versions', template, { publish: true });
  await openFlow(page, key);
  await expect(page.getByTestId('latest-version')).toHaveText('v1');

  // Rename the readiness gate in its properties.
  await page.getByTestId('node-readyToBill').click();
  await page.getByTestId('node-name').fill('Ready to bill (EU)');
  // Delete the "posting failed" end, and send failed postings to "invoiced" instead.
  await page.getByTestId('node-postingFailed').click();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-postingFailed')).toHaveCount(0);
  await dragBetween(
    page,
    page.getByTestId('handle-postInvoice-error'),
    page.locator('[data-id="invoiced"] .react-flow__handle.target'),
  );

  // Nobody pressed Save: the draft saves itself once editing pauses.
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', {
    timeout: 10_000,
  });
  await expect(page.getByTestId('save-status')).toContainText('Saved');
  await page.reload();
  await expect(page.getByTestId('node-readyToBill')).toContainText('Ready to bill (EU)');
  await expect(page.getByTestId('node-postingFailed')).toHaveCount(0);
  await shot(page, testInfo, '1-draft-autosaved');

  // Publish version 2 with a change note.
  await page.getByTestId('publish-button').click();
  await page.getByTestId('publish-note').fill('Failed postings count as invoiced for review');
  await page.getByTestId('publish-confirm').click();
  await expect(page.getByTestId('latest-version')).toHaveText('v2');
  await page.getByTestId('tab-versions').click();
  await expect(page.getByTestId('version-2')).toContainText('Failed postings count as invoiced');

  // Compare v1 with v2 on the canvas.
  await page.getByTestId('compare-2').click();
  const canvas = page.getByTestId('diff-canvas');
  await expect(canvas).toBeVisible();
  await expect(page.getByTestId('diff-summary')).toHaveText('1 added · 2 removed · 1 changed');
  await expect(page.getByTestId('change-removed-postingFailed')).toBeVisible();
  await expect(page.getByTestId('change-changed-readyToBill')).toContainText('name');
  await expect(canvas.locator('[data-id="postingFailed"] .deco--removed')).toBeVisible();
  await expect(canvas.locator('[data-id="readyToBill"] .deco--changed')).toBeVisible();
  await expect(canvas.locator('.react-flow__edge.edge--added')).toHaveCount(1);
  await expect(canvas.locator('.react-flow__edge.edge--removed')).toHaveCount(1);
  await shot(page, testInfo, '2-diff-v1-v2');

  // The same view compares the draft with the latest version: nothing changed since publishing.
  await page.getByTestId('diff-from').selectOption('2');
  await page.getByTestId('diff-to').selectOption('draft');
  await expect(page.getByText('v2 and Draft are the same.')).toBeVisible();

  await page.getByTestId('workbench-close').click();
  await expect(page.getByTestId('canvas')).toBeVisible();
});
