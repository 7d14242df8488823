import { test, expect } from './fixtures';
import { adminPage, addDepartment, addUser, api, signedIn, waitForHydration, watchErrors } from './helpers';

// The admin's dashboard: tiles and SVG charts from the server's aggregates, each linking to
// exactly its tickets, and live like the ticket list.
test('the dashboard draws its charts and a bar opens the matching tickets', async ({ browser }) => {
  const { context, page } = await adminPage(browser);
  const errors = watchErrors(page);
  const dept = await addDepartment(page, 'Dashboard Desk');
  const file = (subject: string) =>
    api(page, 'create_ticket', {
      request_type_id: '1',
      department_id: dept,
      subject,
      description: 'For the dashboard',
      device_no: '',
    });
  await file('Dashboard one');
  await file('Dashboard two');
  const done: string = await file('Dashboard three');
  await api(page, 'set_ticket_status', { service_request_no: done, status: 'completed' });

  await page.goto('/dashboard');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
  // Twelve weeks of created and completed bars.
  await expect(page.locator('svg.weekly rect.bar')).toHaveCount(24);
  // One bar per department, this one with its two open tickets.
  const departments = page.locator('section', { hasText: 'Open tickets by department' });
  const deptCount = await departments.locator('table tbody tr').count();
  await expect(departments.locator('svg rect.bar')).toHaveCount(deptCount);
  const bar = departments.getByRole('link', { name: /^Dashboard Desk\s*2 open$/ });
  await expect(bar).toBeAttached();

  // The tile follows a new ticket without a reload.
  const tile = page.getByRole('link', { name: /New this week/ });
  const before = Number(await tile.locator('.stat-value').textContent());
  await file('Dashboard four');
  await expect(tile.locator('.stat-value')).toHaveText(String(before + 1));

  // Unassigned open tickets, and open tickets per assignee: taking one moves it from the
  // tile to the admin's bar, live.
  const unassigned = page.getByRole('link', { name: /Unassigned/ });
  const open = Number(await unassigned.locator('.stat-value').textContent());
  const one: string = await file('Dashboard five');
  await expect(unassigned.locator('.stat-value')).toHaveText(String(open + 1));
  await api(page, 'set_ticket_assignee', { service_request_no: one, assignee: 'me' });
  await expect(unassigned.locator('.stat-value')).toHaveText(String(open));
  const assignees = page.locator('section', { hasText: 'Open tickets by assignee' });
  await expect(assignees.getByRole('link', { name: /^admin\s*1 open$/ })).toBeAttached();
  await unassigned.click();
  await expect(page).toHaveURL(/\/tickets\?status=pending&status=ongoing&assignee=none$/);
  await expect(page.getByRole('region', { name: 'Ticket list' }).locator('tbody tr').filter({ hasText: 'Dashboard five' })).toHaveCount(0);
  await page.goto('/dashboard');
  await waitForHydration(page);
  await file('Dashboard six');

  // A bar opens the list filtered to exactly its tickets.
  await departments.getByRole('link', { name: /^Dashboard Desk\s*5 open$/ }).click();
  await expect(page).toHaveURL(/\/tickets\?status=pending&status=ongoing&department=\d+$/);
  const rows = page.getByRole('region', { name: 'Ticket list' }).locator('tbody tr');
  await expect(rows).toHaveCount(5);
  await expect(rows.filter({ hasText: 'Dashboard three' })).toHaveCount(0);
  expect(errors).toEqual([]);
  await context.close();
});

test('someone who is not an admin is not shown the dashboard', async ({ browser }) => {
  const admin = await adminPage(browser);
  await addUser(admin.page, 'dash.user', 'dash-password-1');
  await admin.context.close();
  const { context, page } = await signedIn(browser, 'dash.user', 'dash-password-1');
  await expect(page.getByRole('heading', { name: 'Welcome, dash.user' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Dashboard' })).toHaveCount(0);
  await page.goto('/dashboard');
  await expect(page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  await expect(page.locator('svg.weekly')).toHaveCount(0);
  await context.close();
});
