import { test, expect } from './fixtures';
import { adminPage, addDepartment, api, waitForHydration } from './helpers';

// Times are rendered in UTC by the server (it cannot know the viewer's zone) and turn
// into the viewer's local time once the page is hydrated; <time datetime> keeps UTC.
test('a ticket shows its times in the viewer’s zone once hydrated, UTC before', async ({ browser }) => {
  const admin = await adminPage(browser);
  const dept = await addDepartment(admin.page, 'Time Desk');
  const number: string = await api(admin.page, 'create_ticket', {
    request_type_id: '1',
    department_id: dept,
    subject: 'What time is it',
    description: 'Somewhere',
    device_no: '',
  });
  const cookies = await admin.context.cookies();
  await admin.context.close();

  const zone = async (javaScriptEnabled: boolean) => {
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', javaScriptEnabled });
    await context.addCookies(cookies);
    const page = await context.newPage();
    await page.goto(`/tickets/${number}`);
    return { context, page };
  };

  // Without JavaScript: what the server rendered, in UTC.
  const plain = await zone(false);
  const started = plain.page.locator('time').first();
  await expect(started).toContainText('UTC');
  const utc = new Date((await started.getAttribute('datetime'))!);
  await plain.context.close();

  // Hydrated in Tokyo (UTC+9, no summer time): nine hours later, without "UTC".
  const hydrated = await zone(true);
  await waitForHydration(hydrated.page);
  const local = hydrated.page.locator('time').first();
  const hour = String((utc.getUTCHours() + 9) % 24).padStart(2, '0');
  const minute = String(utc.getUTCMinutes()).padStart(2, '0');
  await expect(local).toContainText(`${hour}:${minute}`);
  await expect(local).not.toContainText('UTC');
  expect(await local.getAttribute('datetime')).toBe(utc.toISOString().replace('.000Z', 'Z'));
  await hydrated.context.close();

  // The list's dates (its rows are written as HTML, and turned local once hydrated): in a
  // zone where the ticket's local date is not its UTC date, whatever the hour now.
  const offset = utc.getUTCHours() >= 12 ? 14 : -11;
  const list = await browser.newContext({
    timezoneId: offset > 0 ? 'Pacific/Kiritimati' : 'Pacific/Pago_Pago',
  });
  await list.addCookies(cookies);
  const listPage = await list.newPage();
  await listPage.goto(`/tickets?q=${number}`);
  await waitForHydration(listPage);
  const day = new Date(utc.getTime() + offset * 3_600_000);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const localDate = `${day.getUTCDate()} ${months[day.getUTCMonth()]} ${day.getUTCFullYear()}`;
  const row = listPage.getByRole('row').filter({ hasText: number });
  await expect(row.locator('time')).toHaveText(localDate);
  await expect(row.locator('time')).toHaveAttribute('title', /UTC$/);
  await list.close();
});
