/**
 * Accessibility of the designer: no critical violations in an automated check (axe-core) of the
 * flow list, the editor, the inbox and a task page, and the editing actions reachable from the
 * keyboard alone: add a step from the palette, select steps, open and leave dialogs (focus stays
 * inside them), undo; claim and open a task, and its delegate dialog.
 */
import { writeFileSync } from 'node:fs';

import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '../fixtures/auth.ts';
import { awaitReview, creditHold } from '../fixtures/inbox.ts';
import type { APIRequestContext, Page, TestInfo } from '@playwright/test';

async function seedFlow(request: APIRequestContext, stem: string): Promise<string> {
  const key = `${stem}-${Date.now().toString(36)}`;
  const response = await request.post('/trpc/flows.create', {
    data: { key, name: `A11y ${stem}` },
  });
  expect(response.ok(), await response.text()).toBeTruthy();
  return key;
}

/** Runs axe on the page and fails on critical violations, listing them readably. */
async function expectNoCriticalViolations(page: Page, testInfo: TestInfo, name: string) {
  const results = await new AxeBuilder({ page }).analyze();
  // Every violation (any impact) is kept with the test's artifacts for review.
  writeFileSync(
    testInfo.outputPath(`axe-${name}.json`),
    JSON.stringify(results.violations, null, 2),
  );
  const critical = results.violations
    .filter((v) => v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(critical, critical.join('\n')).toEqual([]);
}

test.describe('designer accessibility', () => {
  test('the flow list has no critical accessibility violations', async ({ page }, testInfo) => {
    await page.goto('/#/');
    await expect(page.getByTestId('flow-list')).toBeVisible();
    await expectNoCriticalViolations(page, testInfo, 'flow-list');
    await page.screenshot({ path: testInfo.outputPath('a11y-flow-list.png') });
  });

  test('the editor has no critical accessibility violations', async ({ page }, testInfo) => {
    await page.goto('/#/flows/billing-readiness');
    await expect(page.locator('.react-flow__node')).toHaveCount(8);
    await expectNoCriticalViolations(page, testInfo, 'editor');

    // Also with a node's properties (expression editors included) open.
    await page.getByTestId('node-readyToBill').click();
    await expect(
      page.locator('[data-testid="condition-0-expression"] .monaco-editor'),
    ).toBeVisible();
    await expectNoCriticalViolations(page, testInfo, 'editor-properties');
    await page.screenshot({ path: testInfo.outputPath('a11y-editor.png') });
  });

  test('add, select and undo steps and use dialogs with the keyboard alone', async ({
    page,
    request,
  }, testInfo) => {
    const key = await seedFlow(request, 'keyboard');
    await page.goto(`/#/flows/${key}`);
    await expect(page.locator('.react-flow__node')).toHaveCount(2);

    // Palette items are buttons: focus one and press Enter to add the step.
    await page.getByTestId('palette-waitForEvent').focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('.react-flow__node')).toHaveCount(3);
    await expect(page.getByTestId('node-inspector')).toHaveAttribute(
      'data-node-id',
      'waitForEvent_1',
    );

    // Steps are focusable; Enter selects the focused one.
    await page.keyboard.press('Escape');
    await page.locator('.react-flow__node[data-id="end"]').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('node-inspector')).toHaveAttribute('data-node-id', 'end');
    await expect(page.locator('.react-flow__node[data-id="end"]')).toHaveAttribute(
      'aria-label',
      /End/,
    );

    // Undo from the keyboard removes the added step again.
    await page.locator('.react-flow__node[data-id="start"]').focus();
    await page.keyboard.press('ControlOrMeta+z');
    await expect(page.locator('.react-flow__node')).toHaveCount(2);

    // The shortcuts dialog takes focus, keeps Tab inside it, and Escape gives focus back.
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect(dialog).toBeVisible();
    for (let i = 0; i < 4; i += 1) {
      await page.keyboard.press('Tab');
      await expect(dialog.locator(':focus')).toHaveCount(1);
    }
    await page.keyboard.press('Shift+Tab');
    await expect(dialog.locator(':focus')).toHaveCount(1);
    await page.screenshot({ path: testInfo.outputPath('a11y-shortcuts-dialog.png') });
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(page.locator('.react-flow__node[data-id="start"]')).toBeFocused();

    // The publish dialog too: its note field has focus, Tab cycles, Escape closes.
    await page.getByTestId('publish-button').focus();
    await page.keyboard.press('Enter');
    const publish = page.getByTestId('publish-dialog');
    await expect(publish).toBeVisible();
    await expect(page.getByTestId('publish-note')).toBeFocused();
    for (let i = 0; i < 6; i += 1) await page.keyboard.press('Tab');
    await expect(publish.locator(':focus')).toHaveCount(1);
    await page.keyboard.press('Escape');
    await expect(publish).toHaveCount(0);
    await expect(page.getByTestId('publish-button')).toBeFocused();
  });
});

test.describe('inbox accessibility', () => {
  test.use({ signInAs: 'cora.credit' });

  test('the inbox and a task page have no critical violations and work from the keyboard', async ({
    page,
  }, testInfo) => {
    const order = `SO-A11Y-${Date.now().toString(36)}`;
    await creditHold(order);
    await awaitReview(order);

    await page.goto('/#/inbox');
    await expect(page.getByTestId(`inbox-row-${order}`)).toBeVisible();
    await expectNoCriticalViolations(page, testInfo, 'inbox');

    // Claim and open from the keyboard: the row's controls are buttons and links.
    await page.getByTestId(`inbox-claim-${order}`).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId(`inbox-unclaim-${order}`)).toBeVisible();
    await page.getByTestId(`inbox-open-${order}`).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('task-title')).toBeVisible();
    await expectNoCriticalViolations(page, testInfo, 'task');

    // The delegate dialog keeps focus inside and gives it back on Escape.
    await page.getByTestId('task-handover').focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('handover-dialog');
    await expect(dialog).toBeVisible();
    await expect(page.getByTestId('handover-user')).toBeFocused();
    await expectNoCriticalViolations(page, testInfo, 'task-handover');
    for (let i = 0; i < 6; i += 1) await page.keyboard.press('Tab');
    await expect(dialog.locator(':focus')).toHaveCount(1);
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('task-handover')).toBeFocused();
    await page.screenshot({ path: testInfo.outputPath('a11y-task.png') });
  });
});
