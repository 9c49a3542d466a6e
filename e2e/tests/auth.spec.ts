/**
 * Signing in and out of the designer: a signed-out visitor gets the sign-in page, a wrong
 * password is refused with a message, the right one opens the flows, and sign-out ends it.
 */
import { E2E_PASSWORD } from '../e2e-env.ts';
import { expect, signInThroughForm, test } from '../fixtures/auth.ts';
import { shot } from '../fixtures/designer.ts';

test.use({ signInAs: null });

test('sign in with a password, see the flows, sign out', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page.getByTestId('sign-in-form')).toBeVisible();
  await shot(page, testInfo, '1-sign-in');

  await signInThroughForm(page, 'owner', 'not the password');
  await expect(page.getByTestId('sign-in-error')).toContainText('Unknown user or wrong password');

  await signInThroughForm(page, 'owner', E2E_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Flows' })).toBeVisible();
  await expect(page.getByTestId('user-menu-button')).toHaveText('Olivia Owner');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'waybill_session');
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  await shot(page, testInfo, '2-signed-in');

  await page.getByTestId('user-menu-button').click();
  await page.getByTestId('sign-out').click();
  await expect(page.getByTestId('sign-in-form')).toBeVisible();
  // The ended session opens nothing any more, even replayed.
  const replay = await page.request.get('/trpc/flows.list', {
    headers: { cookie: `waybill_session=${session?.value ?? ''}` },
  });
  expect(replay.status()).toBe(401);
});

test('an approver is refused what only a process owner may do', async ({ request }) => {
  const signIn = await request.post('/auth/sign-in', {
    data: { username: 'cora.credit', password: E2E_PASSWORD },
  });
  expect(signIn.ok()).toBeTruthy();
  const { csrfToken } = (await signIn.json()) as { csrfToken: string };
  const publish = await request.post('/trpc/flows.publish', {
    data: { key: 'billing-readiness' },
    headers: { 'x-csrf-token': csrfToken },
  });
  expect(publish.status()).toBe(403);
  expect(await publish.text()).toContain('flows:publish');
});
