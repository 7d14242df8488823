import { test, expect } from './fixtures';
import { adminPage, addUser, signedIn, waitForHydration, watchErrors } from './helpers';

test('my account: a new password signs the other browser out; sign out everywhere ends this one too', async ({
  browser,
}) => {
  const admin = await adminPage(browser);
  await addUser(admin.page, 'mia', 'mia-password-1');
  await admin.context.close();

  const here = await signedIn(browser, 'mia', 'mia-password-1');
  const there = await signedIn(browser, 'mia', 'mia-password-1');
  const errors = watchErrors(here.page);

  await here.page.getByRole('link', { name: 'mia (my account)' }).click();
  await expect(here.page.getByRole('heading', { level: 1, name: 'My account' })).toBeVisible();
  await expect(here.page.getByText('You are signed in in 2 browsers, this one included.')).toBeVisible();
  await waitForHydration(here.page);

  const current = here.page.getByLabel('Current password');
  const fresh = here.page.getByLabel('New password', { exact: true });
  const again = here.page.getByLabel('New password again');
  const change = here.page.getByRole('button', { name: 'Change password' });
  await current.fill('not-my-password');
  await fresh.fill('mia-password-2');
  await again.fill('mia-password-2');
  await change.click();
  await expect(here.page.locator('#account-current-error')).toHaveText('That is not your current password.');
  await expect(current).toHaveAttribute('aria-invalid', 'true');

  await current.fill('mia-password-1');
  await change.click();
  await expect(here.page.getByRole('status').filter({ hasText: 'Password changed.' })).toBeVisible();
  await expect(here.page.getByText('You are signed in in this browser only.')).toBeVisible();
  await expect(current).toHaveValue('');

  // The other browser's next page is the sign-in page; the old password no longer works.
  await there.page.goto('/tickets');
  await expect(there.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await there.context.close();

  await here.page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(here.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await here.page.goto('/account');
  await expect(here.page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect(errors).toEqual([]);
  await here.context.close();

  const back = await signedIn(browser, 'mia', 'mia-password-2');
  await back.context.close();
});

test('an avatar whose picture cannot load shows the initials instead', async ({ browser }) => {
  const admin = await adminPage(browser);
  await addUser(admin.page, 'noel.pic', 'noel-password-1');
  await admin.context.close();
  const { context, page } = await signedIn(browser, 'noel.pic', 'noel-password-1');
  // Nothing listens on port 9: the picture fails to load.
  await page.request.post('/api/set_my_avatar', {
    form: { avatar_url: 'https://127.0.0.1:9/missing.png' },
    headers: { accept: 'application/json' },
  });
  // As the server renders it (the picture's error can come before the WASM does) ...
  await page.goto('/account');
  const avatar = page.getByRole('banner').locator('.avatar-frame');
  await expect(avatar.locator('img')).toBeHidden();
  await expect(avatar.locator('.avatar-initials')).toHaveText('NP');
  await expect(avatar.locator('.avatar-initials')).toBeVisible();
  // ... and once hydrated.
  await waitForHydration(page);
  await expect(avatar.locator('.avatar-initials')).toBeVisible();
  await context.close();
});
