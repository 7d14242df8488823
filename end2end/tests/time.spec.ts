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
});
