/**
 * The approvers' inbox, as approvers use it: the ERP puts an order on credit hold, the
 * credit-hold-review flow opens a task for the credit group; a credit approver signs in, finds it
 * in the inbox, claims and opens it, fills in the form (the form refuses a bad value before it
 * is sent), releases the hold, and the instance goes on to release the hold in the ERP. An
 * approver of another group sees none of it and is refused when opening the task by its URL.
 */
import { expect, test } from '../fixtures/auth.ts';
import { awaitReview, creditHold, instanceOf, taskIdOf } from '../fixtures/inbox.ts';

test.describe('a credit approver', () => {
  test.use({ signInAs: 'cora.credit' });

  test('finds the task in the inbox, decides it, and the instance goes on', async ({
    page,
  }, testInfo) => {
    const order = `SO-INBOX-${Date.now().toString(36)}`;
    await creditHold(order);
    await awaitReview(order);

    // An approver starts on the inbox (they do not work on flows).
    await page.goto('/');
    await expect(page.getByTestId('inbox-page')).toBeVisible();
    await expect(page.getByTestId('nav-inbox')).toBeVisible();
    const row = page.getByTestId(`inbox-row-${order}`);
    await expect(row).toBeVisible();
    await expect(row).toContainText('Credit hold: release, prepayment or reject');
    await expect(row).toContainText('C-400');
    await expect(row).toContainText(/due in/);
    await page.screenshot({ path: testInfo.outputPath('inbox.png') });

    // Claim it from the list: it is mine now.
    await page.getByTestId(`inbox-claim-${order}`).click();
    await expect(page.getByTestId(`inbox-unclaim-${order}`)).toBeVisible();
    await page.getByTestId('inbox-tab-mine').click();
    await expect(page.getByTestId(`inbox-row-${order}`)).toBeVisible();

    await page.getByTestId(`inbox-open-${order}`).click();
    await expect(page.getByTestId('task-title')).toHaveText(
      'Credit hold: release, prepayment or reject',
    );
    // The credit facts the decision rests on, beside the form.
    await expect(page.getByTestId('task-context')).toContainText('creditLimit');
    await expect(page.getByTestId('task-context')).toContainText('over-limit');

    // A prepayment that is not a number is refused before anything is sent.
    await page.getByTestId('task-field-prepaymentAmount').fill('a lot');
    await page.getByTestId('task-outcome-approve').click();
    await expect(page.getByTestId('task-field-prepaymentAmount-error')).toHaveText(
      'Prepayment required must be a number.',
    );
    await expect(page.getByTestId('task-field-prepaymentAmount')).toBeFocused();
    await page.getByTestId('task-field-prepaymentAmount').fill('');
    await page.getByTestId('task-field-note').fill('Customer paid the overdue invoice today.');
    await page.getByTestId('task-comment').fill('Checked with the customer by phone.');
    await page.getByTestId('task-comment-add').click();
    await expect(page.getByTestId('comments')).toContainText('Checked with the customer by phone.');
    await page.screenshot({ path: testInfo.outputPath('task.png'), fullPage: true });

    await page.getByTestId('task-outcome-approve').click();
    await expect(page.getByTestId('task-decided')).toContainText('approve');
    await expect(page.getByTestId('task-decided')).toContainText('cora.credit');

    // The instance went on: the hold was released in the ERP and the flow ended.
    await expect
      .poll(async () => (await instanceOf(order))?.outcome ?? null, { timeout: 30_000 })
      .toBe('released');
    const view = await instanceOf(order);
    expect(view?.status).toBe('completed');
    expect(view?.history.some((h) => h.toNodes.includes('releaseHold'))).toBe(true);
    await expect(page.getByTestId(`inbox-row-${order}`)).toHaveCount(0);
  });
});

test.describe('an approver of another group', () => {
  test.use({ signInAs: 'lena.logistics' });

  test('cannot see a credit task nor open it by its URL', async ({ page, request }) => {
    const order = `SO-OTHER-${Date.now().toString(36)}`;
    await creditHold(order);
    await awaitReview(order);
    const taskId = await taskIdOf(order);

    await page.goto('/#/inbox');
    await expect(page.getByTestId('inbox-page')).toBeVisible();
    await expect(page.getByTestId('inbox-empty').or(page.getByTestId('inbox-table'))).toBeVisible();
    await expect(page.getByTestId(`inbox-row-${order}`)).toHaveCount(0);

    await page.goto(`/#/tasks/${taskId}`);
    await expect(page.getByTestId('task-denied')).toContainText('Not in your inbox');
    await expect(page.getByTestId('task-title')).toHaveCount(0);

    // The server refuses it, whatever the page shows.
    const input = encodeURIComponent(JSON.stringify({ taskId }));
    const refused = await request.get(`/trpc/tasks.get?input=${input}`);
    expect(refused.status()).toBe(403);
    const claim = await request.post('/trpc/tasks.claim', { data: { taskId } });
    expect(claim.status()).toBe(403);
  });
});

test.describe('an administrator', () => {
  test.use({ signInAs: 'admin' });

  test('creates a user in a group and disables them', async ({ page }, testInfo) => {
    const username = `ivy${Date.now().toString(36)}`;
    await page.goto('/#/admin');
    await expect(page.getByTestId('admin-users-table')).toContainText('cora.credit');

    await page.getByTestId('user-create').click();
    await page.getByTestId('user-username').fill(username);
    await page.getByTestId('user-display-name').fill('Ivy (credit)');
    await page.getByTestId('user-password').fill('a-long-enough-password-1');
    await page.getByTestId('user-role-credit').check();
    await page.getByTestId('user-group-credit').check();
    await page.getByTestId('user-save').click();
    const row = page.getByTestId(`admin-user-${username}`);
    await expect(row).toContainText('credit');
    await expect(row).toContainText('active');
    await expect(page.getByTestId('admin-groups')).toContainText(username);
    await page.screenshot({ path: testInfo.outputPath('admin.png') });

    await page.getByTestId(`user-toggle-${username}`).click();
    await expect(row).toContainText('disabled');
  });
});
