import { test, expect } from './fixtures';
import { ADMIN, adminMenu, adminPage, signIn, waitForHydration, watchErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

test('anonymous visitors are sent to the sign-in page', async ({ page }) => {
  await page.goto('/admin/users');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});

test('a wrong password is refused with one neutral message', async ({ page }) => {
  await signIn(page, ADMIN.username, 'not-the-password');
  await expect(page.getByRole('alert')).toContainText('Invalid username or password');
  await expect(page).toHaveURL(/\/login/);
  await signIn(page, 'nobody-here', 'whatever-password');
  await expect(page.getByRole('alert')).toContainText('Invalid username or password');
});

test('admin sets up a department and a user; the user has no admin access; deactivation locks them out', async ({
  browser,
}) => {
  const { context: adminContext, page: admin } = await adminPage(browser);
  const adminErrors = watchErrors(admin);

  // Department
  await adminMenu(admin, 'Departments');
  await expect(admin.getByRole('heading', { name: 'Departments', level: 1 })).toBeVisible();
  await waitForHydration(admin);
  await admin.getByLabel('Department name').fill('Human Resources');
  await admin.getByRole('button', { name: 'Add department' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'Department “Human Resources” created.' })).toBeVisible();
  await expect(admin.getByRole('rowheader', { name: 'Human Resources' })).toBeVisible();

  // A duplicate is refused next to the field, and nothing is added.
  await admin.getByLabel('Department name').fill('human resources');
  await admin.getByRole('button', { name: 'Add department' }).click();
  await expect(admin.locator('#new-department-name-error')).toHaveText(
    'A department with that name already exists.',
  );
  await expect(admin.getByRole('rowheader', { name: /human resources/i })).toHaveCount(1);

  // User in that department
  await adminMenu(admin, 'Users');
  await expect(admin.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  await waitForHydration(admin);
  const form = admin.locator('form').filter({ has: admin.getByRole('button', { name: 'Create user' }) });
  await form.getByLabel('Username').fill('Jane.Doe');
  await form.getByLabel('Email').fill('jane@example.com');
  await form.getByLabel('Password', { exact: true }).fill('short');
  await form.getByLabel('Department', { exact: true }).selectOption({ label: 'Human Resources' });
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(form.locator('#new-user-password-error')).toHaveText('A password has at least 8 characters.');
  await expect(form.getByRole('alert')).toContainText('Nothing was saved');
  // What was typed stays, so only the wrong field needs retyping.
  await expect(form.getByLabel('Username')).toHaveValue('Jane.Doe');
  await expect(form.getByLabel('Password', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(admin.getByRole('rowheader', { name: 'jane.doe' })).toHaveCount(0);

  await form.getByLabel('Password', { exact: true }).fill('jane-password-1');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'User jane.doe created.' })).toBeVisible();
  const row = admin.getByRole('row').filter({ has: admin.getByRole('rowheader', { name: 'jane.doe' }) });
  await expect(row).toContainText('jane@example.com');
  await expect(row).toContainText('Human Resources');
  await expect(row).toContainText('Active');

  // The user signs in (own browser), sees no admin links and cannot open the admin pages.
  const userContext = await browser.newContext();
  const user = await userContext.newPage();
  const userErrors = watchErrors(user);
  await signIn(user, 'jane.doe', 'jane-password-1');
  await expect(user.getByRole('heading', { name: 'Welcome, jane.doe' })).toBeVisible();
  await expect(user.getByRole('banner')).toContainText('jane.doe');
  await expect(user.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await user.goto('/admin/users');
  await expect(user.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expect(user.getByText('jane@example.com')).toHaveCount(0);

  // The admin deactivates her; her open session ends on her next request.
  await row.getByRole('button', { name: 'Deactivate jane.doe' }).click();
  await expect(row).toContainText('Inactive');
  await user.goto('/');
  await expect(user).toHaveURL(/\/login$/);
  await signIn(user, 'jane.doe', 'jane-password-1');
  await expect(user.getByRole('alert')).toContainText('Invalid username or password');

  // Sign out ends the admin's session too.
  await admin.getByRole('button', { name: 'Sign out' }).click();
  await expect(admin).toHaveURL(/\/login$/);
  await admin.goto('/admin/users');
  await expect(admin).toHaveURL(/\/login$/);

  expect(adminErrors).toEqual([]);
  expect(userErrors).toEqual([]);
  await userContext.close();
  await adminContext.close();
});

test('the last active admin cannot deactivate themself', async ({ browser }) => {
  const { context, page } = await adminPage(browser);
  await page.goto('/admin/users');
  await waitForHydration(page);
  const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'admin' }) });
  await row.getByRole('button', { name: 'Deactivate admin' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'last active admin' })).toBeVisible();
  await expect(row).toContainText('Active');
  await context.close();
});

test('an admin edits a user, including a new password', async ({ browser }) => {
  const { context, page } = await adminPage(browser);
  await page.goto('/admin/users');
  await waitForHydration(page);
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Create user' }) });
  await form.getByLabel('Username').fill('sam');
  await form.getByLabel('Email').fill('sam@example.com');
  await form.getByLabel('Password', { exact: true }).fill('sam-password-1');
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('rowheader', { name: 'sam' })).toBeVisible();

  await page.getByRole('link', { name: 'Edit sam' }).click();
  await expect(page.getByRole('heading', { name: 'Edit sam' })).toBeVisible();
  await waitForHydration(page);
  // Values the browser's own email/url checks accept but the server refuses.
  await page.getByLabel('Email').fill('sam@localhost');
  await page.getByLabel('Avatar URL').fill('ftp://example.com/sam.png');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.locator('#edit-user-email-error')).toHaveText(
    'Enter a valid email address, like name@example.com.',
  );
  await expect(page.locator('#edit-user-avatar-error')).toHaveText(
    'The avatar must be an http:// or https:// address.',
  );
  await expect(page.getByRole('alert')).toHaveText(
    'Nothing was saved: please correct the 2 fields marked below.',
  );
  // The email field is announced with its error.
  await expect(page.getByLabel('Email')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Email').fill('samuel@example.com');
  await page.getByLabel('Avatar URL').fill('');
  await page.getByLabel('New password').fill('sam-password-2');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Changes to sam saved.' })).toBeVisible();
  await expect(page.getByLabel('New password')).toHaveValue('');
  await context.close();

  const samContext = await browser.newContext();
  const sam = await samContext.newPage();
  await signIn(sam, 'sam', 'sam-password-2');
  await expect(sam.getByRole('heading', { name: 'Welcome, sam' })).toBeVisible();
  await samContext.close();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('sign-in and the department form still work as plain HTML forms', async ({ page }) => {
    await signIn(page, ADMIN.username, 'wrong-password');
    await expect(page.getByRole('alert')).toContainText('Invalid username or password');
    await signIn(page, ADMIN.username, ADMIN.password);
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();

    await page.goto('/admin/departments');
    await page.getByLabel('Department name').fill('Facilities');
    await page.getByRole('button', { name: 'Add department' }).click();
    await expect(page.getByRole('rowheader', { name: 'Facilities' })).toBeVisible();

    await page.getByLabel('Department name').fill('   ');
    await page.getByRole('button', { name: 'Add department' }).click();
    await expect(page.locator('#new-department-name-error')).toHaveText('Enter a department name.');
  });
});
