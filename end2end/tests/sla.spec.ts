import { test, expect } from './fixtures';
import { addDepartment, adminMenu, api, expectAccessible, signIn, waitForHydration, watchErrors } from './helpers';
import { OwnServer } from './own-server';

test('an admin sets a target; the ticket turns overdue on screen as time passes, and the filter finds it', async ({
  browser,
}) => {
  // A server of its own: this test moves its clock.
  const server = await OwnServer.start({ args: ['--test-clock'] });
  try {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const errors = watchErrors(page);
    // The page's own clock, so time can pass on screen without waiting for it.
    await page.clock.install();
    await signIn(page, 'admin', 'admin-password-1');
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    const dept = await addDepartment(page, 'Clock Desk');

    await adminMenu(page, 'Service levels');
    await expect(page.getByRole('heading', { name: 'Service levels', level: 1 })).toBeVisible();
    await waitForHydration(page);
    await expectAccessible(page, 'service levels');
    const urgent = page.getByRole('group', { name: 'Urgent' });
    // A bad value is refused next to its field, and nothing is saved.
    await urgent.getByLabel('Resolution', { exact: true }).fill('10');
    await urgent.getByLabel('Unit').nth(1).selectOption('minutes');
    await page.getByRole('button', { name: 'Save targets' }).click();
    await expect(page.locator('#sla-urgent-resolution-error')).toHaveText(
      'Resolution cannot be due before the first response.',
    );
    await expectAccessible(page, 'service levels with an error');
    await urgent.getByLabel('First response', { exact: true }).fill('30');
    await urgent.getByLabel('Unit').first().selectOption('minutes');
    await urgent.getByLabel('Resolution', { exact: true }).fill('2');
    await urgent.getByLabel('Unit').nth(1).selectOption('hours');
    await page.getByRole('button', { name: 'Save targets' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Targets saved' })).toBeVisible();

    const number = await api(page, 'create_ticket', {
      request_type_id: '1',
      department_id: dept,
      subject: 'Server room too hot',
      description: 'The alarm is on.',
      device_no: '',
    });
    await api(page, 'set_ticket_priority', { service_request_no: number, priority: 'urgent' });

    await page.goto('/tickets');
    await waitForHydration(page);
    const due = page.getByRole('row').filter({ hasText: 'Server room too hot' }).locator('.due');
    await expect(due).toHaveText(/^due in (29|30) min$/);
    await expect(due).toHaveAttribute('title', /^First response due /);
    await expect(due).toHaveClass(/due-soon/);

    // Half an hour later, with nobody writing anything, the open list says it is late.
    await page.clock.fastForward('31:00');
    await expect(due).toHaveText(/^overdue by [12] min$/);
    await expect(due).toHaveClass(/due-overdue/);
    await expectAccessible(page, 'list with an overdue ticket');

    // The server's clock moves on too: the Overdue filter finds it, and the dashboard counts it.
    const moved = await page.request.post('/api/test/clock?advance_minutes=31');
    expect(moved.ok()).toBeTruthy();
    await page.getByLabel('Due', { exact: true }).selectOption({ label: 'Overdue' });
    await expect(page).toHaveURL(/due=overdue/);
    await expect(page.getByRole('row').filter({ hasText: 'Server room too hot' })).toBeVisible();
    await page.goto(`/tickets/${number}`);
    await waitForHydration(page);
    await expect(page.locator('.details')).toContainText(/First response\s*overdue by/);
    await page.goto('/dashboard');
    await expect(page.getByRole('link', { name: /^1\s*Overdue$/ })).toBeVisible();
    expect(errors).toEqual([]);
    await context.close();
  } finally {
    await server.close();
  }
});
