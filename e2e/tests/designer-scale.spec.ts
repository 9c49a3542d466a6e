/**
 * Scale: a flow of 1,000 nodes opens, validates and pans. (Speed is measured by the benchmark,
 * `e2e/bench/designer-scale.bench.ts`; this test checks that it works at all.)
 */
import { expect, test } from '../fixtures/auth.ts';

import { seedFlow, shot, uniqueKey } from '../fixtures/designer.ts';
import { largeFlow } from '../fixtures/large-flow.ts';
import { openAndTime, panAndCountFrames } from '../fixtures/scale-probe.ts';

test('a flow of 1,000 nodes opens, validates and pans', async ({ page, request }, testInfo) => {
  const key = await seedFlow(request, 'scale', largeFlow(uniqueKey('scale'), 1000));
  await openAndTime(page, key);
  await expect(page.getByTestId('problems-panel')).toContainText('No problems');
  // Only what is on screen is drawn: far fewer cards than nodes.
  const drawn = await page.locator('.react-flow__node').count();
  expect(drawn).toBeGreaterThan(10);
  expect(drawn).toBeLessThan(1000);

  // Fitted, a thousand steps are tiny: cards draw only name and colour (no kind line to read).
  const first = page.locator('.react-flow__node .wb-node').first();
  await expect(first).toHaveClass(/wb-node--far/);
  await expect(first.locator('.wb-node__kind')).toHaveCount(0);

  const viewport = page.locator('.react-flow__viewport');
  const before = await viewport.getAttribute('style');
  const pan = await panAndCountFrames(page, 40);
  expect(pan.frames).toBeGreaterThan(1);
  expect(await viewport.getAttribute('style')).not.toBe(before);

  // Editing still works at this size: a click selects a node and opens its properties.
  const card = page.locator('.react-flow__node').nth(3);
  const id = await card.getAttribute('data-id');
  await card.click();
  await expect(page.getByTestId('node-inspector')).toHaveAttribute('data-node-id', id ?? '');
  await shot(page, testInfo, '1-thousand-nodes');

  // Validation is live at this size too: deleting a step of the chain strands the rest.
  await card.press('Delete');
  await expect(page.locator(`.react-flow__node[data-id="${id}"]`)).toHaveCount(0);
  await expect(page.getByTestId('problems-panel')).not.toContainText('No problems');
  await expect(page.getByTestId('problems-panel')).toContainText('cannot be reached');

  // Zoomed in (from the keyboard, as a user would), the cards show every detail again.
  await page.getByTestId('canvas').click({ position: { x: 30, y: 30 } });
  const near = page.locator('.react-flow__node .wb-node:not(.wb-node--far)');
  await expect
    .poll(async () => {
      if ((await near.count()) === 0) await page.keyboard.press('+');
      return near.count();
    })
    .toBeGreaterThan(0);
  await expect(near.first().locator('.wb-node__kind')).not.toBeEmpty();
  await expect(page.locator('.react-flow__node .wb-node--far')).toHaveCount(0);
});
