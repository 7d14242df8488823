import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import AxeBuilder from '@axe-core/playwright';
import { waitForHydration } from './helpers';

// WCAG 2.1 A and AA rules, checked by axe-core on every page, in light and dark.
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function expectAccessible(page: Page, what: string) {
  await waitForHydration(page);
  const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const problems = result.violations.map(
    (v) => `${what}: ${v.id} (${v.impact}) ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(problems).toEqual([]);
}

for (const colorScheme of ['light', 'dark'] as const) {
  test.describe(`${colorScheme} theme`, () => {
    test.use({ colorScheme });

    test('every page passes the WCAG 2.1 AA checks', async ({ page }) => {
      // Some thirty pages and states, each checked in full: more than the default 30 s.
      test.setTimeout(120_000);
      await page.goto('/login');
      await expectAccessible(page, 'login');
      // The sign-in error state too.
      await page.getByLabel('Username').fill('admin');
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert')).toBeVisible();
      await expectAccessible(page, 'login with error');

      await page.getByLabel('Password').fill('admin-password-1');
      await page.getByRole('button', { name: 'Sign in' }).click();
      // Admins land on the dashboard.
      await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
      await expectAccessible(page, 'dashboard');
      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'Welcome, admin' })).toBeVisible();
      await expectAccessible(page, 'home');

      await page.goto('/account');
      await expectAccessible(page, 'my account');
      await page.getByLabel('Current password').fill('wrong-password');
      await page.getByLabel('New password', { exact: true }).fill('short');
      await page.getByLabel('New password again').fill('short');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.locator('#account-new-error')).toBeVisible();
      await expectAccessible(page, 'my account with errors');

      await page.goto('/admin/departments');
      await expectAccessible(page, 'departments');
      await page.getByRole('button', { name: 'Add department' }).click(); // empty: native check
      await page.getByLabel('Department name').fill('   ');
      await page.getByRole('button', { name: 'Add department' }).click();
      await expect(page.locator('#new-department-name-error')).toBeVisible();
      await expectAccessible(page, 'departments with error');

      await page.goto('/admin/users');
      await expectAccessible(page, 'users');
      await page.getByRole('link', { name: 'Edit admin' }).click();
      await expect(page.getByRole('heading', { name: 'Edit admin' })).toBeVisible();
      await expectAccessible(page, 'edit user');

      await page.goto('/admin/request-types');
      await expectAccessible(page, 'request types');
      await page.goto('/admin/service-levels');
      await expectAccessible(page, 'service levels');
      await page.goto('/admin/mail');
      await expect(page.getByText('Mail is not set up')).toBeVisible();
      await expectAccessible(page, 'mail (not set up)');
      await page.goto('/replies');
      await expectAccessible(page, 'saved replies');
      await page.getByLabel('Name').fill('   ');
      await page.getByLabel('Text').fill('Checked');
      await page.getByRole('button', { name: 'Save reply' }).click();
      await expect(page.locator('#new-reply-name-error')).toBeVisible();
      await expectAccessible(page, 'saved replies with an error');

      // Ticket pages, with a ticket to show (the department may exist from the other theme).
      await page.request.post('/api/create_list_entry', {
        form: { list: 'departments', name: 'Accessibility Desk' },
        headers: { accept: 'application/json' },
      });
      await page.goto('/tickets/new');
      await expectAccessible(page, 'new ticket');
      await page.getByLabel('Request type').selectOption({ label: 'Hardware' });
      await page.getByLabel('Department').selectOption({ label: 'Accessibility Desk' });
      await page.getByLabel('Subject').fill('   ');
      await page.getByLabel('Description').fill('Contrast check');
      await page.getByRole('button', { name: 'Submit ticket' }).click();
      await expect(page.locator('#ticket-subject-error')).toBeVisible();
      await expectAccessible(page, 'new ticket with error');
      await page.getByLabel('Subject').fill(`Checked in ${colorScheme}`);
      await page.getByRole('button', { name: 'Submit ticket' }).click();
      await expect(page).toHaveURL(/\/tickets\/SR-/);
      await expectAccessible(page, 'ticket');
      await page.getByRole('button', { name: 'Update status' }).click();
      await expect(page.getByRole('status').filter({ hasText: 'Status updated.' })).toBeVisible();
      await expectAccessible(page, 'ticket after triage');
      // An internal note in the thread, and the box while writing one (its own colours).
      await page.getByLabel('Comment', { exact: true }).fill('Checked the contrast of notes');
      await page.getByLabel('Internal note').check();
      await expectAccessible(page, 'ticket writing an internal note');
      await page.getByRole('button', { name: 'Add internal note' }).click();
      await expect(page.locator('.comment-internal')).toContainText('Checked the contrast of notes');
      await expectAccessible(page, 'ticket with an internal note');
      await page.goto('/tickets?status=pending&status=completed&sort=oldest');
      await expectAccessible(page, 'ticket list');
      await page.goto('/tickets?q=checked');
      await expect(page.locator('mark').first()).toBeVisible();
      await expectAccessible(page, 'search results with highlights');
      await page.goto('/tickets?q=nothing-matches-this');
      await expectAccessible(page, 'empty ticket list');
      // The keyboard shortcuts panel, the chosen row, the bulk form opened by a tick.
      await page.goto('/tickets');
      await waitForHydration(page);
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
      await expectAccessible(page, 'keyboard shortcuts panel');
      await page.keyboard.press('Escape');
      await page.keyboard.press('j');
      await page.keyboard.press('x');
      await expect(page.locator('.bulk-count')).toHaveText('1 ticket ticked');
      await expectAccessible(page, 'list with a chosen row and the bulk form open');
      // On a phone: the filters folded behind their toggle, then opened.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto('/tickets?status=pending');
      await waitForHydration(page);
      const toggle = page.getByRole('checkbox', { name: 'Show filters (1 on)' });
      await expect(toggle).toBeVisible();
      await expectAccessible(page, 'ticket list on a phone');
      await toggle.check();
      await expect(page.getByLabel('Search')).toBeVisible();
      await expectAccessible(page, 'ticket list on a phone, filters open');
      await page.setViewportSize({ width: 1280, height: 860 });
      // With tickets, its charts have bars, labels and links.
      await page.goto('/dashboard');
      await expect(page.locator('svg.weekly rect.bar').first()).toBeVisible();
      await expectAccessible(page, 'dashboard with tickets');

      await page.goto('/no/such/page');
      await expectAccessible(page, 'not found');
    });
  });
}

test('signing in and moving around works with the keyboard alone', async ({ page }) => {
  await page.goto('/login');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Username')).toBeFocused();
  await page.keyboard.type('admin');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type('admin-password-1');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();

  // The skip link jumps past the header.
  await page.goto('/admin/departments');
  await waitForHydration(page);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Department name')).toBeFocused();
  await page.keyboard.type('Keyboard Team');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('rowheader', { name: 'Keyboard Team' })).toBeVisible();
});
