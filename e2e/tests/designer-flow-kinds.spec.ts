/**
 * The parallel, subflow, exception and classify steps in the designer: a process owner drags
 * each from the palette, fills in its properties form, sees the node's summary and exits follow,
 * and simulates a parallel block with several steps active at once.
 */
import { expect, test } from '../fixtures/auth.ts';
import type { Locator, Page } from '@playwright/test';

import { openFlow, seedFlow, shot } from '../fixtures/designer.ts';

const nodes = (page: Page): Locator => page.locator('.react-flow__node');

/** Drags a palette item onto an empty spot of the canvas; the new node is selected. */
async function dropFromPalette(page: Page, kind: string, at: { x: number; y: number }) {
  const canvas = page.getByTestId('canvas');
  await page.getByTestId(`palette-${kind}`).dragTo(canvas, { targetPosition: at });
}

test('each new kind is dragged from the palette and edited in its own form', async ({
  page,
  request,
}, testInfo) => {
  const key = await seedFlow(request, 'kinds', {
    name: 'New kinds',
    trigger: { event: 'order.released', assign: 'order' },
    variables: [{ name: 'order', type: 'any' }],
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 0 } },
      { id: 'end', type: 'end', outcome: 'completed', position: { x: 900, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'start', target: 'end' }],
  });
  const child = await seedFlow(
    request,
    'pod-chase',
    {
      name: 'POD chase',
      trigger: { event: 'pod.chase' },
      nodes: [
        { id: 'start', type: 'start' },
        { id: 'end', type: 'end', outcome: 'received' },
      ],
      edges: [{ id: 'e1', source: 'start', target: 'end' }],
    },
    { publish: true },
  );
  await openFlow(page, key);
  await expect(nodes(page)).toHaveCount(2);
  const box = await page.getByTestId('canvas').boundingBox();
  if (!box) throw new Error('no canvas');
  const spot = (dx: number, dy: number) => ({ x: box.width / 2 + dx, y: box.height / 2 + dy });

  // Every kind of the flow model is in the palette, with its description.
  for (const kind of ['parallel', 'subflow', 'exception', 'classify'])
    await expect(page.getByTestId(`palette-${kind}`)).toBeVisible();

  // Parallel: a split with a third branch, and a second parallel node made its join.
  await dropFromPalette(page, 'parallel', spot(-300, -150));
  await expect(page.getByTestId('node-inspector')).toHaveAttribute('data-node-id', 'parallel_1');
  await page.getByTestId('parallel-add-branch').click();
  await page.getByTestId('parallel-branch-2-label').fill('Credit');
  await expect(page.getByTestId('handle-parallel_1-branch')).toBeAttached();
  await dropFromPalette(page, 'parallel', spot(100, -150));
  await page.getByTestId('parallel-mode').selectOption('join');
  await expect(page.getByTestId('node-parallel_2')).toContainText('waits for every branch');
  await page.getByTestId('node-parallel_1').click();
  await page.getByTestId('parallel-join').selectOption('parallel_2');
  await expect(page.getByTestId('node-parallel_1')).toContainText('join: parallel_2');
  await expect(page.getByTestId('node-parallel_1')).toContainText('Credit');

  // Subflow: the called flow and the outcomes that get their own exit.
  await dropFromPalette(page, 'subflow', spot(-300, 40));
  await expect(page.getByTestId('node-inspector')).toHaveAttribute('data-node-id', 'subflow_1');
  // Published flows are offered as the flow to call.
  await expect(
    page.getByTestId('subflow-flow-options').locator(`option[value="${child}"]`),
  ).toBeAttached();
  await page.getByTestId('subflow-flow').fill(child);
  await page.getByTestId('subflow-outcomes').fill('received, waived');
  await page.getByTestId('subflow-outcomes').press('Enter');
  await expect(page.getByTestId('node-subflow_1')).toContainText(`calls ${child}`);
  for (const exit of ['received', 'waived', 'failed'])
    await expect(page.getByTestId(`handle-subflow_1-${exit}`)).toBeAttached();

  // Exception: a category of the taxonomy brings its owner and SLA; waiting adds its exits.
  await dropFromPalette(page, 'exception', spot(100, 40));
  await expect(page.getByTestId('node-inspector')).toHaveAttribute('data-node-id', 'exception_1');
  await page.getByTestId('exception-category').selectOption('missingPod');
  await expect(page.getByTestId('node-exception_1')).toContainText('Missing proof of delivery');
  await expect(page.getByTestId('node-exception_1')).toContainText('owner logistics · SLA P3D');
  await page.getByTestId('exception-wait').check();
  await expect(page.getByTestId('node-exception_1')).toContainText('waits for resolution');
  await expect(page.getByTestId('handle-exception_1-resolved')).toBeAttached();

  // Classify: the categories it may route to are its exits; the threshold is shown.
  await dropFromPalette(page, 'classify', spot(-100, 200));
  await expect(page.getByTestId('node-inspector')).toHaveAttribute('data-node-id', 'classify_1');
  await page.getByTestId('classify-category-creditHold').check();
  await expect(page.getByTestId('handle-classify_1-creditHold')).toBeAttached();
  await page.getByTestId('classify-threshold').fill('0.9');
  await page.getByTestId('classify-threshold').press('Tab');
  await expect(page.getByTestId('node-classify_1')).toContainText('auto at ≥ 90%');
  await expect(page.getByTestId('node-classify_1')).toContainText('3 categories');

  await expect(nodes(page)).toHaveCount(7);
  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
  await shot(page, testInfo, 'flow-kinds-edited');
});

test('simulating a parallel block highlights every active branch', async ({
  page,
  request,
}, testInfo) => {
  const key = await seedFlow(request, 'parallel-sim', {
    name: 'Parallel simulation',
    trigger: { event: 'order.released', assign: 'order' },
    variables: [{ name: 'order', type: 'any' }],
    events: [{ type: 'pod.received' }],
    nodes: [
      { id: 'start', type: 'start', position: { x: 0, y: 120 } },
      {
        id: 'fork',
        type: 'parallel',
        mode: 'split',
        join: 'meet',
        branches: [
          { id: 'pod', label: 'POD' },
          { id: 'credit', label: 'Credit' },
        ],
        position: { x: 240, y: 120 },
      },
      {
        id: 'awaitPod',
        type: 'waitForEvent',
        eventType: 'pod.received',
        position: { x: 520, y: 0 },
      },
      {
        id: 'review',
        type: 'humanTask',
        title: 'Credit review',
        candidateRoles: ['credit'],
        outcomes: [{ id: 'ok', label: 'Release' }],
        position: { x: 520, y: 240 },
      },
      { id: 'meet', type: 'parallel', mode: 'join', position: { x: 800, y: 120 } },
      { id: 'done', type: 'end', outcome: 'invoiced', position: { x: 1040, y: 120 } },
    ],
    edges: [
      { id: 'e1', source: 'start', target: 'fork' },
      { id: 'e2', source: 'fork', sourceHandle: 'pod', target: 'awaitPod' },
      { id: 'e3', source: 'fork', sourceHandle: 'credit', target: 'review' },
      { id: 'e4', source: 'awaitPod', target: 'meet' },
      { id: 'e5', source: 'review', sourceHandle: 'ok', target: 'meet' },
      { id: 'e6', source: 'meet', target: 'done' },
    ],
  });
  await openFlow(page, key);
  await page.getByTestId('simulate-button').click();
  const canvas = page.getByTestId('simulation-canvas');
  await page.getByTestId('sim-trigger').fill(JSON.stringify({ orderNumber: 'SO-7' }));
  await page.getByTestId('sim-start').click();
  await expect(page.getByTestId('sim-status')).toHaveText('Waiting at awaitPod, review');
  await expect(canvas.locator('[data-id="awaitPod"] .deco--active')).toBeVisible();
  await expect(canvas.locator('[data-id="review"] .deco--active')).toBeVisible();
  await shot(page, testInfo, 'parallel-two-active');

  const panel = page.getByTestId('simulation-panel');
  await panel.getByRole('button', { name: 'review: task completed as ok', exact: true }).click();
  await page.getByTestId('sim-apply').click();
  await expect(page.getByTestId('sim-status')).toHaveText('Waiting at awaitPod, meet');
  await panel.getByRole('button', { name: 'Event pod.received', exact: true }).click();
  await page.getByTestId('sim-apply').click();
  await expect(page.getByTestId('sim-status')).toHaveText('Finished: invoiced');
  await expect(canvas.locator('[data-id="meet"] .deco--path')).toBeVisible();
});
