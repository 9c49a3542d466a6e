/**
 * Live overlay: on a published flow, the designer shows how many instances wait at each node and
 * how long instances spend at each node, and clicks through to the instances waiting there.
 */
import { expect, test } from '../fixtures/auth.ts';

import { openFlow, seedFlow, shot, template } from '../fixtures/designer.ts';
import { postEvent } from '../fixtures/events.ts';

test('counts waiting instances per node, heat map, click-through to an instance', async ({
  page,
  request,
}, testInfo) => {
  const key = await seedFlow(request, 'overlay', template, { publish: true });
  const stamp = Date.now().toString(36);
  const orders = [1, 2, 3].map((n) => `SO-OV-${stamp}-${n}`);
  for (const order of orders) {
    await postEvent(
      {
        type: 'order.released',
        correlationKey: order,
        payload: {
          orderNumber: order,
          customerId: 'C-100',
          currency: 'USD',
          lines: [{ sku: 'PAL-WRAP-18', quantity: 12, unitPrice: 24.5 }],
        },
      },
      { idempotencyKey: `overlay-${order}` },
    );
  }

  await openFlow(page, key);
  await page.getByTestId('overlay-button').click();
  const canvas = page.getByTestId('overlay-canvas');
  await expect(canvas).toBeVisible();
  // The three orders read their billing profile and then wait at the readiness gate.
  await expect(canvas.getByTestId('badge-readyToBill')).toHaveText('3', { timeout: 20_000 });
  await expect(page.getByTestId('overlay-summary')).toHaveText(/3 instances of v1/);
  await expect(page.getByTestId('overlay-table')).toContainText('readProfile');
  await shot(page, testInfo, '1-overlay');

  await canvas.getByTestId('node-readyToBill').click();
  const rows = page.getByTestId('overlay-instance');
  await expect(rows).toHaveCount(3);
  await expect(page.getByTestId('overlay-node')).toContainText('Waiting at readyToBill');
  await shot(page, testInfo, '2-waiting-at-gate');

  await rows.filter({ hasText: orders[0] }).click();
  await expect(page.getByTestId('canvas')).toBeVisible();
  await expect(page.getByTestId('instance-detail')).toContainText(orders[0] ?? '');
  await expect(page.getByTestId('node-readyToBill')).toHaveClass(/is-active/);
  await shot(page, testInfo, '3-instance-opened');
});
