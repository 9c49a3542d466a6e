/**
 * The designer runs under the platform's content security policy: the editor page loads, Monaco
 * starts its workers, completes and checks an expression, and the browser reports no violation
 * (neither a `securitypolicyviolation` event nor a console error).
 */
import { readFileSync } from 'node:fs';

import { expect, test } from '../fixtures/auth.ts';

const template = JSON.parse(
  readFileSync(new URL('../../templates/billing-readiness/flow.json', import.meta.url), 'utf8'),
) as Record<string, unknown>;

test('the editor works under the content security policy with no violation', async ({
  page,
  request,
}) => {
  // Runs in the page before its scripts (a string: the page's DOM types are not the tests').
  await page.addInitScript(`
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(event.violatedDirective + ' blocked ' + event.blockedURI);
    });
  `);
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (/content security policy/i.test(message.text())) consoleErrors.push(message.text());
  });

  const key = `csp-${Date.now().toString(36)}`;
  for (const [path, input] of [
    ['flows.create', { key, name: 'E2E csp' }],
    ['flows.saveDraft', { key, definition: { ...template, key } }],
  ] as const) {
    const response = await request.post(`/trpc/${path}`, { data: input });
    expect(response.ok(), `${path}: ${await response.text()}`).toBeTruthy();
  }

  const response = await page.goto(`/#/flows/${key}`);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
  await expect(page.getByTestId('canvas')).toBeVisible();
  await expect(page.locator('.react-flow__node').first()).toBeVisible();

  // Monaco: an expression editor with completion and the runtime's own type check.
  await page.getByTestId('node-readyToBill').click();
  const editor = page.getByTestId('condition-0-expression');
  await editor.locator('.monaco-editor').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('shipment.', { delay: 30 });
  await expect(page.locator('.suggest-widget').getByText('lines', { exact: true })).toBeVisible();
  await page.keyboard.press('Escape');
  await page.keyboard.type('shipmentId > 2', { delay: 30 });
  await expect(editor).toHaveAttribute('data-diagnostics', '1');
  await expect(editor.locator('.squiggly-error')).toBeVisible();

  // Monaco's workers run from the platform's own origin.
  await expect
    .poll(() => page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)))
    .toContainEqual(expect.stringMatching(/worker/));

  const violations: unknown = await page.evaluate('window.cspViolations');
  expect(violations).toEqual([]);
  expect(consoleErrors).toEqual([]);
});
