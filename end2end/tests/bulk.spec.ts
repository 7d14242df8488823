import AxeBuilder from '@axe-core/playwright';
import { test, expect } from './fixtures';
import { addDepartment, api, signIn, waitForHydration, watchErrors } from './helpers';
import { OwnServer } from './own-server';

test('staff set 50 tickets to ongoing in one action; a shift-click ticks a range; the most urgent first', async ({ browser }) => {
  // A server of its own: a known set of tickets, whatever the other tests file.
  const server = await OwnServer.start();
  try {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await signIn(page, 'admin', 'admin-password-1');
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    const dept = await addDepartment(page, 'Bulk Desk');
    for (let i = 1; i <= 52; i++) {
      await api(page, 'create_ticket', {
        request_type_id: '1',
        department_id: dept,
        subject: `Batch ticket ${i}`,
        description: 'One of many.',
        device_no: '',
      });
    }

    await page.goto('/tickets');
    await waitForHydration(page);
    await page.getByLabel('Per page').selectOption('50');
    await expect(page).toHaveURL(/per=50/);
    const ticks = page.locator('td.cell-tick input');
    await expect(ticks).toHaveCount(50);
    const count = page.locator('.bulk-count');

    // A shift-click ticks the rows between the last box clicked and this one.
    await ticks.nth(2).click();
    await ticks.nth(6).click({ modifiers: ['Shift'] });
    await expect(count).toHaveText('5 tickets ticked');
    await expect(ticks.nth(4)).toBeChecked();
    await expect(ticks.nth(7)).not.toBeChecked();

    await page.getByRole('button', { name: 'Tick all on this page' }).click();
    await expect(count).toHaveText('50 tickets ticked');
    await page.getByLabel('Set status').selectOption({ label: 'Ongoing' });
    const axe = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    expect(axe.violations.map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' '))}`)).toEqual([]);
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByRole('status').filter({ hasText: '50 tickets set to Ongoing.' })).toBeVisible();
    await expect(count).toHaveText('No tickets ticked');
    // The list follows: every row on the page is ongoing now, and the counts say so.
    await expect(page.locator('td.cell-status .badge-ongoing')).toHaveCount(50);
    await expect(page.locator('.status-counts li').filter({ hasText: 'Ongoing' })).toHaveText('Ongoing 50');
    // The two oldest were not ticked: still pending, on the next page.
    await page.getByRole('link', { name: 'Next page →' }).click();
    await expect(page.locator('td.cell-status .badge-pending')).toHaveCount(2);

    // Those two made urgent, then the list by priority: they come first, newest first,
    // and the order stays in the URL across pages.
    await page.getByRole('button', { name: 'Tick all on this page' }).click();
    await page.getByLabel('Set priority').selectOption({ label: 'Urgent' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page.getByRole('status').filter({ hasText: '2 tickets set to Urgent.' })).toBeVisible();
    await page.goto('/tickets?per=50');
    await waitForHydration(page);
    await page.getByLabel('Sort').selectOption({ label: 'Most urgent first' });
    await expect(page).toHaveURL(/sort=priority/);
    const subjects = page.locator('td.subject');
    await expect(subjects.nth(0)).toHaveText('Batch ticket 2');
    await expect(subjects.nth(1)).toHaveText('Batch ticket 1');
    await expect(subjects.nth(2)).toHaveText('Batch ticket 52');
    await page.getByRole('link', { name: 'Next page →' }).click();
    await expect(page).toHaveURL(/sort=priority.*after=\d+\.\d+\.normal/);
    await expect(subjects).toHaveCount(2);
    await expect(subjects.nth(1)).toHaveText('Batch ticket 3');

    // A live change writes the rows again: what was ticked stays ticked, and the tick box
    // being used keeps the focus (the keyboard user is not thrown back to the page top).
    await page.goto('/tickets');
    await waitForHydration(page);
    const tick = page.getByRole('checkbox', { name: /^Tick SR-/ });
    await tick.nth(1).focus();
    await page.keyboard.press('Space');
    await expect(count).toHaveText('1 ticket ticked');
    const ticked = await tick.nth(1).getAttribute('value');
    const other = await context.newPage();
    await other.goto('/tickets');
    await api(other, 'create_ticket', {
      request_type_id: '1',
      department_id: dept,
      subject: 'Filed while ticking',
      description: 'A live change.',
      device_no: '',
    });
    await expect(subjects.first()).toHaveText('Filed while ticking');
    await expect(count).toHaveText('1 ticket ticked');
    await expect(page.locator(`td.cell-tick input[value="${ticked}"]`)).toBeChecked();
    await expect(page.locator(`td.cell-tick input[value="${ticked}"]`)).toBeFocused();
    await other.close();
    expect(errors).toEqual([]);
    await context.close();
  } finally {
    await server.close();
  }
});
