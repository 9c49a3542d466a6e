/**
 * Editing a flow in the designer as a process owner does: drag steps from the palette, connect
 * them, select several, copy and paste, undo and redo (also after a save), write expressions with
 * completion, hover types and inline diagnostics, fill in the properties of each kind, and see
 * problems live. Every test works on its own flow, seeded through the same API the designer uses.
 */
import { readFileSync } from 'node:fs';

import { expect, test } from '../fixtures/auth.ts';
import type { APIRequestContext, Locator, Page, TestInfo } from '@playwright/test';

const template = JSON.parse(
  readFileSync(new URL('../../templates/billing-readiness/flow.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

let counter = 0;
function uniqueKey(stem: string): string {
  counter += 1;
  return `${stem}-${Date.now().toString(36)}-${counter}`;
}

async function trpc(request: APIRequestContext, path: string, input: unknown): Promise<void> {
  const response = await request.post(`/trpc/${path}`, { data: input });
  expect(response.ok(), `${path}: ${await response.text()}`).toBeTruthy();
}

/** Creates a flow and, when given, saves `definition` (with the flow's key) as its draft. */
async function seedFlow(
  request: APIRequestContext,
  stem: string,
  definition?: Record<string, unknown>,
): Promise<string> {
  const key = uniqueKey(stem);
  await trpc(request, 'flows.create', { key, name: `E2E ${stem}` });
  if (definition) {
    await trpc(request, 'flows.saveDraft', { key, definition: { ...definition, key } });
  }
  return key;
}

async function openFlow(page: Page, key: string): Promise<void> {
  await page.goto(`/#/flows/${key}`);
  await expect(page.getByTestId('canvas')).toBeVisible();
  await expect(page.locator('.react-flow__node').first()).toBeVisible();
}

async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });
}

const nodes = (page: Page): Locator => page.locator('.react-flow__node');
const edges = (page: Page): Locator => page.locator('.react-flow__edge');

/** Drags from one element's centre to another's with intermediate moves, as a hand would. */
async function dragBetween(page: Page, from: Locator, to: Locator): Promise<void> {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  if (!a || !b) throw new Error('element to drag between is not visible');
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 10, a.y + a.height / 2 + 5, { steps: 3 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

/** Types into a Monaco editor (selecting what is there first). */
async function typeExpression(page: Page, testId: string, text: string): Promise<void> {
  await page.locator(`[data-testid="${testId}"] .monaco-editor`).click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text, { delay: 30 });
}

test.describe('designer editing', () => {
  test('drag steps from the palette, connect them by handles, branches are labelled', async ({
    page,
    request,
  }, testInfo) => {
    const key = await seedFlow(request, 'canvas');
    await openFlow(page, key);
    await expect(nodes(page)).toHaveCount(2);

    // Drag a decision from the palette onto an empty part of the canvas.
    const canvas = page.getByTestId('canvas');
    const box = await canvas.boundingBox();
    if (!box) throw new Error('no canvas');
    await page
      .getByTestId('palette-decision')
      .dragTo(canvas, { targetPosition: { x: box.width / 2, y: box.height - 140 } });
    await expect(nodes(page)).toHaveCount(3);
    await expect(page.getByTestId('node-inspector')).toHaveAttribute('data-node-id', 'decision_1');

    // Name the branch, then connect its exits by dragging from the handles.
    await page.getByTestId('condition-0-label').fill('Within tolerance');
    await dragBetween(
      page,
      page.getByTestId('handle-decision_1-yes'),
      page.locator('[data-id="end"] .react-flow__handle.target'),
    );
    await dragBetween(
      page,
      page.getByTestId('handle-start-next'),
      page.locator('[data-id="decision_1"] .react-flow__handle.target'),
    );
    await expect(
      page.locator('.react-flow__edge-text', { hasText: 'Within tolerance' }),
    ).toBeVisible();
    // Connecting the start's only exit again replaced its edge to the end.
    await expect(edges(page)).toHaveCount(2);
    await page.getByTestId('save-button').click();
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
    await shot(page, testInfo, 'canvas-connected');
  });

  test('undo and redo edits with the keyboard and buttons, also after a save', async ({
    page,
    request,
  }, testInfo) => {
    const key = await seedFlow(request, 'history');
    await openFlow(page, key);
    await expect(page.getByTestId('undo-button')).toBeDisabled();

    await page.getByTestId('palette-timer').click();
    await expect(nodes(page)).toHaveCount(3);
    await page.getByTestId('node-name').fill('Cool-off');
    await expect(page.getByTestId('node-timer_1')).toContainText('Cool-off');

    // Save, then undo past the save: the rename goes as one step, then the new node.
    await page.getByTestId('save-button').click();
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
    await page.getByTestId('canvas').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('ControlOrMeta+z');
    await expect(page.getByTestId('node-timer_1')).not.toContainText('Cool-off');
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'dirty');
    await page.keyboard.press('ControlOrMeta+z');
    await expect(nodes(page)).toHaveCount(2);

    await page.keyboard.press('ControlOrMeta+Shift+z');
    await expect(nodes(page)).toHaveCount(3);
    await page.getByTestId('redo-button').click();
    await expect(page.getByTestId('node-timer_1')).toContainText('Cool-off');
    await expect(page.getByTestId('redo-button')).toBeDisabled();
    await page.getByTestId('undo-button').click();
    await expect(page.getByTestId('node-timer_1')).not.toContainText('Cool-off');
    await shot(page, testInfo, 'history-undone');
  });

  test('multi-select with shift, copy and paste with new ids and inner edges, delete', async ({
    page,
    request,
  }, testInfo) => {
    const key = await seedFlow(request, 'clipboard', template);
    await openFlow(page, key);
    await expect(nodes(page)).toHaveCount(8);
    const edgesBefore = await edges(page).count();

    await page.getByTestId('node-canRelease').click();
    await page.getByTestId('node-postInvoice').click({ modifiers: ['Shift'] });
    await expect(page.getByTestId('selection-inspector')).toContainText('2 steps');
    await shot(page, testInfo, 'clipboard-selected');

    await page.keyboard.press('ControlOrMeta+c');
    await page.keyboard.press('ControlOrMeta+v');
    await expect(nodes(page)).toHaveCount(10);
    await expect(page.getByTestId('node-canRelease_2')).toBeVisible();
    await expect(page.getByTestId('node-postInvoice_2')).toBeVisible();
    // The edge between the two copied steps came along; edges to steps left behind did not.
    await expect(edges(page)).toHaveCount(edgesBefore + 1);
    await expect(page.locator('[data-id="canRelease_2-complete-postInvoice_2"]')).toHaveCount(1);
    await shot(page, testInfo, 'clipboard-pasted');

    // The pasted copies are selected: Delete removes exactly them.
    await page.keyboard.press('Delete');
    await expect(nodes(page)).toHaveCount(8);
    await expect(edges(page)).toHaveCount(edgesBefore);
  });

  test('expressions: completion of variables and fields, hover types, inline diagnostics', async ({
    page,
    request,
  }, testInfo) => {
    const key = await seedFlow(request, 'expressions', template);
    await openFlow(page, key);
    await page.getByTestId('node-readyToBill').click();
    const editor = 'condition-0-expression';
    await typeExpression(page, editor, 'shipment.');
    const suggest = page.locator('.suggest-widget');
    await expect(suggest).toBeVisible();
    await expect(suggest.getByText('shipmentId', { exact: true })).toBeVisible();
    await expect(suggest.getByText('lines', { exact: true })).toBeVisible();
    await expect(suggest.getByText('invoice', { exact: true })).toHaveCount(0);
    await shot(page, testInfo, 'expression-completion');

    // Complete `lines`, then a macro over the lines offers the fields of one line.
    await page.keyboard.type('lin', { delay: 30 });
    await expect(suggest.locator('.monaco-list-row.focused')).toContainText('lines');
    await page.keyboard.press('Enter');
    await page.keyboard.type('.all', { delay: 30 });
    await page.keyboard.press('Escape');
    await page.keyboard.type('(l, l.', { delay: 30 });
    await expect(suggest.getByText('shippedQty', { exact: true })).toBeVisible();
    await page.keyboard.type('shippedQty > 0', { delay: 30 });
    await expect(page.locator(`[data-testid="${editor}"] .view-lines`)).toContainText(
      'shipment.lines.all(l,\u00a0l.shippedQty',
    );
    await page.keyboard.press('Escape');
    await expect(page.getByTestId(`${editor}-type`)).toHaveText('bool');
    await expect(page.getByTestId(editor)).toHaveAttribute('data-diagnostics', '0');

    // A type error is marked inline while typing, by the runtime's own checker.
    await typeExpression(page, editor, 'shipment.shipmentId > 2');
    await expect(page.getByTestId(editor)).toHaveAttribute('data-diagnostics', '1');
    await expect(page.locator(`[data-testid="${editor}"] .squiggly-error`)).toBeVisible();
    await shot(page, testInfo, 'expression-diagnostic');

    // Hovering a name shows its declared type and description.
    await page
      .locator(`[data-testid="${editor}"] .view-line span span`, { hasText: /^shipment$/ })
      .hover();
    const hover = page.locator('.monaco-hover-content', { hasText: 'shipment' });
    await expect(hover).toContainText('object');
    await expect(hover).toContainText('WMS shipment confirmation');
    await shot(page, testInfo, 'expression-hover');
  });

  test('problems show live on nodes and in the panel; a click centres the node; publish refused', async ({
    page,
    request,
  }, testInfo) => {
    const key = await seedFlow(request, 'problems', template);
    await openFlow(page, key);
    await expect(page.getByTestId('node-marker-canRelease')).toHaveCount(0);

    await page.getByTestId('node-canRelease').click();
    await typeExpression(page, 'condition-0-expression', 'pricing.variancePct > "high"');
    await expect(page.getByTestId('node-marker-canRelease')).toBeVisible();
    await page.getByTestId('tab-problems').click();
    const row = page.getByTestId('problem-row').filter({ hasText: 'canRelease' }).first();
    await expect(row).toBeVisible();

    // Select another node, then click the problem: its node is selected again and centred.
    await page.getByTestId('node-start').click();
    await row.click();
    await expect(page.getByTestId('node-inspector')).toHaveAttribute('data-node-id', 'canRelease');
    // The viewport glides to the node: wait for it to settle near the canvas centre.
    const offCentre = async (): Promise<number> => {
      const canvasBox = await page.getByTestId('canvas').boundingBox();
      const nodeBox = await page.getByTestId('node-canRelease').boundingBox();
      if (!canvasBox || !nodeBox) return Number.POSITIVE_INFINITY;
      return Math.abs(nodeBox.x + nodeBox.width / 2 - (canvasBox.x + canvasBox.width / 2));
    };
    await expect.poll(offCentre).toBeLessThan(60);
    await shot(page, testInfo, 'problems-focused');

    await page.getByTestId('publish-button').click();
    await page.getByTestId('publish-confirm').click();
    await expect(page.getByTestId('publish-blocking')).toBeVisible();
    await shot(page, testInfo, 'publish-refused');
  });

  test('the ? key lists the keyboard shortcuts; Escape closes the dialog', async ({
    page,
    request,
  }, testInfo) => {
    const key = await seedFlow(request, 'shortcuts');
    await openFlow(page, key);
    await page.getByTestId('canvas').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('?');
    const dialog = page.getByTestId('shortcuts-dialog');
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText('Undo');
    await expect(dialog).toContainText('Zoom to fit');
    await shot(page, testInfo, 'shortcuts');
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
  });

  test('properties: connector retry and timeout, human task form fields and escalation', async ({
    page,
    request,
  }, testInfo) => {
    const key = await seedFlow(request, 'properties', template);
    await openFlow(page, key);

    // Connector call: a custom retry policy reads back as the waits between attempts.
    await page.getByTestId('node-postInvoice').click();
    await page.getByTestId('connector-timeout').fill('30');
    await page.getByTestId('retry-mode').selectOption('custom');
    await page.getByTestId('retry-max-attempts').fill('3');
    await page.getByTestId('retry-initial-interval').fill('2000');
    await expect(page.getByTestId('retry-summary')).toContainText(
      'Up to 3 attempts, waiting 2 s, 4 s between them.',
    );
    await shot(page, testInfo, 'properties-connector');

    // Human task: add two form fields, make one a required select with options, reorder them.
    await page.getByTestId('node-chasePod').click();
    await page.getByTestId('add-form-field').click();
    await page.getByTestId('add-form-field').click();
    // The template's task has two fields; the new ones are the third and fourth.
    await page.getByTestId('form-field-3-label').fill('Carrier answer');
    await page.getByTestId('form-field-3-type').selectOption('select');
    await page.getByTestId('form-field-3-required').check();
    await page.getByTestId('form-field-3-options').fill('delivered, lost, refused');
    await page.getByTestId('form-field-3-options').press('Enter');
    await page.getByTestId('form-field-3-up').click();
    await expect(page.getByTestId('form-field-2-label')).toHaveValue('Carrier answer');
    await expect(page.getByTestId('form-field-2-type')).toHaveValue('select');
    await expect(page.getByTestId('form-field-2-required')).toBeChecked();
    await expect(page.getByTestId('form-field-2-options')).toHaveValue('delivered, lost, refused');
    await expect(page.getByTestId('form-field-3-label')).toHaveValue('New field');

    await page.getByTestId('task-escalation-toggle').check();
    await page.getByTestId('task-escalation-role').fill('logistics-lead');
    await expect(page.getByTestId('task-escalation-after')).toBeVisible();
    await shot(page, testInfo, 'properties-human-task');

    // Saved and read back: the settings are in the draft.
    await page.getByTestId('save-button').click();
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
    const response = await request.get(
      `/trpc/flows.get?input=${encodeURIComponent(JSON.stringify({ key }))}`,
    );
    const body = (await response.json()) as { result: { data: { definition: unknown } } };
    const definition = body.result.data.definition as {
      nodes: {
        id: string;
        retry?: unknown;
        timeoutMs?: number;
        form?: unknown;
        escalation?: unknown;
      }[];
    };
    const post = definition.nodes.find((n) => n.id === 'postInvoice');
    expect(post?.timeoutMs).toBe(30_000);
    expect(post?.retry).toMatchObject({ maxAttempts: 3, initialIntervalMs: 2000 });
    const chase = definition.nodes.find((n) => n.id === 'chasePod');
    const form = chase?.form as { id: string; label: string }[];
    expect(form.map((f) => f.label)).toEqual([
      'Carrier reference',
      'Note',
      'Carrier answer',
      'New field',
    ]);
    expect(form[2]).toMatchObject({
      type: 'select',
      required: true,
      options: ['delivered', 'lost', 'refused'],
    });
    expect(chase?.escalation).toMatchObject({ toRole: 'logistics-lead' });
  });

  test('box selection, snap to grid, zoom with the keyboard and zoom to fit, minimap', async ({
    page,
    request,
  }, testInfo) => {
    const key = await seedFlow(request, 'view', template);
    await openFlow(page, key);
    await expect(page.locator('.react-flow__minimap')).toBeVisible();

    // Shift+drag a box around the two end steps selects exactly those.
    const a = await page.getByTestId('node-invoiced').boundingBox();
    const b = await page.getByTestId('node-postingFailed').boundingBox();
    if (!a || !b) throw new Error('end steps not visible');
    await page.keyboard.down('Shift');
    await page.mouse.move(Math.min(a.x, b.x) - 14, a.y - 14);
    await page.mouse.down();
    await page.mouse.move(Math.max(a.x + a.width, b.x + b.width) + 14, b.y + b.height + 14, {
      steps: 10,
    });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    await expect(page.getByTestId('selection-inspector')).toContainText('2 steps');
    await shot(page, testInfo, 'view-box-selection');

    // A dragged step lands on the 16 px grid.
    await page.getByTestId('canvas').click({ position: { x: 30, y: 30 } });
    const start = page.getByTestId('node-start');
    const box = await start.boundingBox();
    if (!box) throw new Error('start not visible');
    await page.mouse.move(box.x + 20, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + 45, box.y + 50, { steps: 8 });
    await page.mouse.up();
    await page.getByTestId('save-button').click();
    await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved');
    const response = await request.get(
      `/trpc/flows.get?input=${encodeURIComponent(JSON.stringify({ key }))}`,
    );
    const saved = (await response.json()) as {
      result: {
        data: { definition: { nodes: { id: string; position: { x: number; y: number } }[] } };
      };
    };
    const position = saved.result.data.definition.nodes.find((n) => n.id === 'start')?.position;
    expect(position && position.x % 16).toBe(0);
    expect(position && position.y % 16).toBe(0);

    // Zoom in from the keyboard until steps leave the view, then F fits the whole flow again.
    await page.getByTestId('canvas').click({ position: { x: 30, y: 30 } });
    const canvas = await page.getByTestId('canvas').boundingBox();
    if (!canvas) throw new Error('no canvas');
    const inside = async (): Promise<boolean> => {
      for (const id of ['start', 'invoiced', 'postingFailed', 'chasePod']) {
        const r = await page.getByTestId(`node-${id}`).boundingBox();
        if (!r || r.x < canvas.x || r.x + r.width > canvas.x + canvas.width) return false;
      }
      return true;
    };
    // Each + glides to the next zoom level; keep zooming (as a user would) until steps leave.
    await expect
      .poll(async () => {
        if (await inside()) await page.keyboard.press('+');
        return inside();
      })
      .toBe(false);
    await page.keyboard.press('f');
    await expect.poll(inside).toBe(true);
    await shot(page, testInfo, 'view-fitted');
  });
});
