import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { OwnServer } from './own-server';
import { addDepartment, addUser, adminPage, api, signIn, signedIn, waitForHydration, watchErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

const LENA = { username: 'lena', password: 'lena-password-1' };
const OTTO = { username: 'otto', password: 'otto-password-1' };

function row(page: Page, subject: string) {
  return page.getByRole('row').filter({ hasText: subject });
}

/** Marks the document: the mark is gone after any full page load. */
async function markDocument(page: Page) {
  await page.evaluate(() => ((window as any).__sameDocument = true));
}

async function sameDocument(page: Page) {
  return page.evaluate(() => (window as any).__sameDocument === true);
}

test('changes appear in other open browsers without reload, and only where allowed', async ({ browser }) => {
  const admin = await adminPage(browser);
  await addDepartment(admin.page, 'Live Desk');
  await addUser(admin.page, LENA.username, LENA.password);
  await addUser(admin.page, OTTO.username, OTTO.password);
  const adminErrors = watchErrors(admin.page);
  await admin.page.goto('/tickets');
  await waitForHydration(admin.page);
  await expect(admin.page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
  await markDocument(admin.page);

  // Otto listens on his own stream and keeps every event he is sent.
  const otto = await signedIn(browser, OTTO.username, OTTO.password);
  await otto.page.goto('/tickets');
  await waitForHydration(otto.page);
  await otto.page.evaluate(
    () =>
      new Promise<void>((ready) => {
        const w = window as any;
        w.__heard = [];
        const source = new EventSource('/api/events');
        source.addEventListener('ticket', (e) => w.__heard.push((e as MessageEvent).data));
        source.addEventListener('ready', () => ready());
      }),
  );

  // Lena files a ticket: it shows up in the admin's open list by itself.
  const lena = await signedIn(browser, LENA.username, LENA.password);
  const lenaErrors = watchErrors(lena.page);
  await lena.page.goto('/tickets/new');
  await waitForHydration(lena.page);
  await lena.page.getByLabel('Request type').selectOption({ label: 'Network' });
  await lena.page.getByLabel('Department', { exact: true }).selectOption({ label: 'Live Desk' });
  await lena.page.getByLabel('Subject').fill('Wi-Fi drops every hour');
  await lena.page.getByLabel('Description').fill('Since Monday.');
  await lena.page.getByRole('button', { name: 'Submit ticket' }).click();
  await expect(lena.page).toHaveURL(/\/tickets\/SR-\d{4}-\d{6}$/);
  const filed = Date.now();
  await expect(row(admin.page, 'Wi-Fi drops every hour')).toBeVisible();
  const listLatency = Date.now() - filed;
  expect(await sameDocument(admin.page)).toBe(true);
  const number = lena.page.url().split('/').pop()!;
  await waitForHydration(lena.page);
  await markDocument(lena.page);

  // The admin comments and changes the status: Lena's open page follows.
  await admin.page.goto(`/tickets/${number}`);
  await waitForHydration(admin.page);
  await admin.page.getByRole('textbox', { name: 'Comment' }).fill('Which floor are you on?');
  await admin.page.getByRole('button', { name: 'Add comment' }).click();
  const commented = Date.now();
  await expect(lena.page.locator('.thread')).toContainText('Which floor are you on?');
  const threadLatency = Date.now() - commented;
  await admin.page.getByLabel('Status', { exact: true }).selectOption('ongoing');
  await admin.page.getByRole('button', { name: 'Update status' }).click();
  await expect(lena.page.locator('.ticket-head')).toContainText('Ongoing');
  await expect(lena.page.locator('.thread')).toContainText('changed the status from Pending to Ongoing');
  expect(await sameDocument(lena.page)).toBe(true);

  // Otto files his own ticket last: once he has heard of it, he would have heard of Lena's.
  const ottoNumber = await api(otto.page, 'create_ticket', {
    request_type_id: '1',
    department_id: String((await api(admin.page, 'ticket_choices', {})).departments.find(
      (d: { name: string }) => d.name === 'Live Desk',
    ).id),
    subject: 'Otto needs a mouse',
    description: 'Mine broke.',
    device_no: '',
  });
  await expect(row(otto.page, 'Otto needs a mouse')).toBeVisible();
  await expect
    .poll(() => otto.page.evaluate(() => (window as any).__heard.join('\n')))
    .toContain(ottoNumber);
  const heard: string = await otto.page.evaluate(() => (window as any).__heard.join('\n'));
  expect(heard).not.toContain(number);
  await expect(row(otto.page, 'Wi-Fi drops every hour')).toHaveCount(0);

  console.log(`live latency: list ${listLatency} ms, thread ${threadLatency} ms (upper bounds)`);
  expect(adminErrors).toEqual([]);
  expect(lenaErrors).toEqual([]);
  await Promise.all([admin.context.close(), otto.context.close(), lena.context.close()]);
});

test('after a server restart the page reconnects and catches up on what it missed', async ({ browser }) => {
  // A server of its own, so this test can stop and restart it.
  const server = await OwnServer.start();
  try {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await signIn(page, 'admin', 'admin-password-1');
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    const dept = await addDepartment(page, 'Restart Desk');
    await page.goto('/tickets');
    await waitForHydration(page);
    const indicator = page.getByRole('status').filter({ hasText: /Live|Reconnecting/ });
    await expect(indicator).toHaveText('Live');
    await markDocument(page);

    await server.stop();
    await expect(indicator).toHaveText('Reconnecting…');
    // Keep this browser away from the restarted server until a change has happened there.
    await context.route('**/api/events', (route) => route.abort());
    await server.restart();
    const other = await browser.newContext({ baseURL: server.url });
    const otherPage = await other.newPage();
    await signIn(otherPage, 'admin', 'admin-password-1');
    await expect(otherPage.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    await api(otherPage, 'create_ticket', {
      request_type_id: '1',
      department_id: dept,
      subject: 'Filed while you were away',
      description: 'Catch up, please.',
      device_no: '',
    });
    await context.unroute('**/api/events');
    // Back on its own, and the missed ticket is fetched without a reload.
    await expect(indicator).toHaveText('Live');
    await expect(row(page, 'Filed while you were away')).toBeVisible();
    expect(await sameDocument(page)).toBe(true);
    await Promise.all([context.close(), other.close()]);
  } finally {
    await server.close();
  }
});
