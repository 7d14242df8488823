import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import {
  addDepartment,
  adminMenu,
  addUser,
  adminPage,
  downloadCsv,
  listedNumbers,
  signedIn,
  waitForHydration,
  watchErrors,
} from './helpers';

test.describe.configure({ mode: 'serial' });

const TINA = { username: 'tina', password: 'tina-password-1' };
const UMA = { username: 'uma', password: 'uma-password-1' };
let ticketUrl = '';

/** The row of the ticket list that holds `subject`. */
function row(page: Page, subject: string) {
  return page.getByRole('row').filter({ hasText: subject });
}

test('set-up: departments, a request type and two users', async ({ browser }) => {
  const { context, page } = await adminPage(browser);
  await addDepartment(page, 'Maintenance');
  await addDepartment(page, 'Finance Office');
  await addUser(page, TINA.username, TINA.password);
  await addUser(page, UMA.username, UMA.password);

  // Request types are managed like departments.
  await adminMenu(page, 'Request types');
  await expect(page.getByRole('heading', { name: 'Request types', level: 1 })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel('Request type name').fill('Furniture');
  await page.getByRole('button', { name: 'Add request type' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Request type “Furniture” created.' })).toBeVisible();
  await page.getByLabel('Request type name').fill('furniture');
  await page.getByRole('button', { name: 'Add request type' }).click();
  await expect(page.locator('#new-type-name-error')).toHaveText('A request type with that name already exists.');
  await expect(page.getByRole('rowheader', { name: 'Furniture' })).toHaveCount(1);
  await context.close();
});

test('a user submits a ticket and sees it under My tickets as pending', async ({ browser }) => {
  const { context, page } = await signedIn(browser, TINA.username, TINA.password);
  const errors = watchErrors(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New ticket' }).click();
  await expect(page.getByRole('heading', { name: 'New ticket' })).toBeVisible();
  await waitForHydration(page);

  // A server-side refusal shows next to its field and files nothing.
  await page.getByLabel('Request type').selectOption({ label: 'Furniture' });
  await page.getByLabel('Department', { exact: true }).selectOption({ label: 'Maintenance' });
  await page.getByLabel('Subject').fill('   ');
  await page.getByLabel('Description').fill('The chair in room 12 wobbles.\nOne leg is loose.');
  await page.getByRole('button', { name: 'Submit ticket' }).click();
  await expect(page.locator('#ticket-subject-error')).toHaveText('Enter a subject.');
  await expect(page.getByLabel('Subject')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Subject').fill('Broken chair in room 12');
  await page.getByLabel('Device number').fill('CH-12');
  await page.getByRole('button', { name: 'Submit ticket' }).click();
  await expect(page).toHaveURL(/\/tickets\/SR-\d{4}-\d{6}$/);
  ticketUrl = new URL(page.url()).pathname;
  await expect(page.getByRole('heading', { name: 'Broken chair in room 12', level: 1 })).toBeVisible();
  const thread = page.locator('.thread');
  await expect(thread).toContainText('opened the ticket');
  // Line breaks are kept.
  expect(await thread.locator('.comment-text').first().innerText()).toBe(
    'The chair in room 12 wobbles.\nOne leg is loose.',
  );
  await expect(thread).toContainText('CH-12');
  await expect(page.locator('.ticket-head')).toContainText('Pending');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My tickets' }).click();
  await expect(page.getByRole('heading', { name: 'My tickets', level: 1 })).toBeVisible();
  const mine = row(page, 'Broken chair in room 12');
  await expect(mine).toContainText('Pending');
  await expect(mine).toContainText('Furniture');
  await expect(mine).toContainText(ticketUrl.split('/').pop()!);

  // Home sums up their own tickets by status, each linking to them.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
  const summary = page.getByRole('list', { name: 'My tickets by status' });
  await expect(summary.getByRole('link', { name: '1 Pending' })).toBeVisible();
  await expect(summary.getByRole('link', { name: '0 Completed' })).toBeVisible();
  await summary.getByRole('link', { name: '1 Pending' }).click();
  await expect(page).toHaveURL(/\/tickets\?status=pending$/);
  await expect(row(page, 'Broken chair in room 12')).toBeVisible();
  expect(errors).toEqual([]);
  await context.close();
});

test('the admin filters by department and status; the list follows without a page load', async ({ browser }) => {
  const { context, page } = await adminPage(browser);
  const errors = watchErrors(page);
  await page.goto('/tickets');
  await waitForHydration(page);
  await expect(row(page, 'Broken chair in room 12')).toBeVisible();
  // Survives only as long as no full page load happens.
  await page.evaluate(() => ((window as any).__sameDocument = true));

  await page.getByLabel('Department', { exact: true }).selectOption({ label: 'Finance Office' });
  await expect(page.getByText('No tickets match these filters.')).toBeVisible();
  await expect(page).toHaveURL(/department=\d+/);

  await page.getByLabel('Department', { exact: true }).selectOption({ label: 'Maintenance' });
  await expect(row(page, 'Broken chair in room 12')).toBeVisible();
  await page.getByRole('checkbox', { name: 'Ongoing' }).check();
  await expect(page.getByText('No tickets match these filters.')).toBeVisible();
  await expect(page).toHaveURL(/status=ongoing/);
  // The counts follow the other filters: one pending ticket in Maintenance.
  await expect(page.locator('.status-counts li').filter({ hasText: 'Pending' })).toContainText('1');

  await page.getByRole('checkbox', { name: 'Ongoing' }).uncheck();
  await page.getByRole('checkbox', { name: 'Pending' }).check();
  await expect(row(page, 'Broken chair in room 12')).toBeVisible();
  // "Download CSV" carries the same filters and downloads every ticket they pick.
  const csvLink = page.getByRole('link', { name: 'Download CSV' });
  await expect(csvLink).toHaveAttribute('href', /^\/tickets\.csv\?status=pending&department=\d+$/);
  const csv = await downloadCsv(page);
  expect(csv[0].slice(0, 3)).toEqual(['Number', 'Subject', 'Status']);
  expect(csv.map((r) => r[1])).toContain('Broken chair in room 12');
  await page.getByLabel('Search').fill('chair');
  await expect(page).toHaveURL(/q=chair/);
  await expect(row(page, 'Broken chair in room 12')).toBeVisible();
  await page.getByLabel('Search').fill('no such words');
  await expect(page.getByText('No tickets match these filters.')).toBeVisible();
  await page.getByLabel('Search').fill('');
  await expect(row(page, 'Broken chair in room 12')).toBeVisible();

  // Requested by: names are suggested as one types (never the whole list in the page).
  const requester = page.getByLabel('Requested by');
  await requester.fill('ti');
  await expect(page.locator('#requester-suggestions option[value="tina"]')).toHaveCount(1);
  await requester.fill('uma');
  await requester.press('Tab');
  await expect(page).toHaveURL(/requester=uma/);
  await expect(page.getByText('No tickets match these filters.')).toBeVisible();
  await requester.fill('tina');
  await requester.press('Tab');
  await expect(page).toHaveURL(/requester=tina/);
  await expect(row(page, 'Broken chair in room 12')).toBeVisible();
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

  // The view lives in the URL: a reload shows the same filters and list.
  await page.reload();
  await waitForHydration(page);
  await expect(page.getByRole('checkbox', { name: 'Pending' })).toBeChecked();
  await expect(page.getByLabel('Department', { exact: true })).toHaveValue(/\d+/);
  await expect(page.getByLabel('Department', { exact: true }).locator('option:checked')).toHaveText('Maintenance');
  await expect(page.getByLabel('Requested by')).toHaveValue('tina');
  await expect(row(page, 'Broken chair in room 12')).toBeVisible();
  expect(errors).toEqual([]);
  await context.close();
});

test('"Download CSV" in Chromium gives the rows the list shows: all, filtered, and none', async ({ browser }) => {
  const { context, page } = await adminPage(browser);
  const errors = watchErrors(page);
  // A second ticket, so a filter leaves some out.
  const tina = await signedIn(browser, TINA.username, TINA.password);
  await tina.page.goto('/tickets/new');
  await waitForHydration(tina.page);
  await tina.page.getByLabel('Request type').selectOption({ label: 'Furniture' });
  await tina.page.getByLabel('Department', { exact: true }).selectOption({ label: 'Finance Office' });
  await tina.page.getByLabel('Subject').fill('Desk drawer, "stuck" again');
  await tina.page.getByLabel('Description').fill('It will not open.');
  await tina.page.getByRole('button', { name: 'Submit ticket' }).click();
  await expect(tina.page).toHaveURL(/\/tickets\/SR-\d{4}-\d{6}$/);
  await tina.context.close();

  await page.goto('/tickets');
  await waitForHydration(page);
  await expect(row(page, 'Desk drawer')).toBeVisible();
  const all = await listedNumbers(page);
  expect(all.length).toBeGreaterThanOrEqual(2);
  let rows = await downloadCsv(page);
  expect(rows[0].slice(0, 3)).toEqual(['Number', 'Subject', 'Status']);
  // Every ticket, not one page: the file starts with the page on screen, in its order.
  expect(rows.slice(1, 1 + all.length).map((r) => r[0])).toEqual(all);
  expect(rows.find((r) => r[1] === 'Desk drawer, "stuck" again')).toBeTruthy();

  // Filtered: the file follows the filters on screen.
  await page.getByLabel('Department', { exact: true }).selectOption({ label: 'Finance Office' });
  await expect(page).toHaveURL(/department=\d+/);
  await expect(row(page, 'Broken chair in room 12')).toHaveCount(0);
  await expect(row(page, 'Desk drawer')).toBeVisible();
  const filtered = await listedNumbers(page);
  rows = await downloadCsv(page);
  expect(rows.slice(1).map((r) => r[0])).toEqual(filtered);
  expect(rows.slice(1).every((r) => r[4] === 'Finance Office')).toBe(true);

  // No matches: a file with the header alone.
  await page.getByRole('checkbox', { name: 'Completed' }).check();
  await expect(page.getByText('No tickets match these filters.')).toBeVisible();
  rows = await downloadCsv(page);
  expect(rows.length).toBe(1);
  expect(rows[0][0]).toBe('Number');
  expect(errors).toEqual([]);
  await context.close();
});

test('the admin triages and comments; the requester sees it; completing sets the finished date', async ({
  browser,
}) => {
  const { context, page } = await adminPage(browser);
  const errors = watchErrors(page);
  await page.goto(ticketUrl);
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: 'Triage' })).toBeVisible();
  await page.getByLabel('Status', { exact: true }).selectOption('ongoing');
  await page.getByRole('button', { name: 'Update status' }).click();
  await expect(page.locator('.ticket-head')).toContainText('Ongoing');
  await page.getByRole('textbox', { name: 'Comment' }).fill('A new chair is on its way.');
  await page.getByRole('button', { name: 'Add comment' }).click();
  await expect(page.locator('.thread .comment').last()).toContainText('A new chair is on its way.');
  await expect(page.locator('.thread .comment').last()).toContainText('Staff');
  await expect(page.getByRole('textbox', { name: 'Comment' })).toHaveValue('');

  const tina = await signedIn(browser, TINA.username, TINA.password);
  await tina.page.goto(ticketUrl);
  await expect(tina.page.locator('.ticket-head')).toContainText('Ongoing');
  await expect(tina.page.locator('.thread')).toContainText('A new chair is on its way.');
  await expect(tina.page.getByRole('heading', { name: 'Triage' })).toHaveCount(0);
  await tina.context.close();

  await expect(page.locator('.timeline')).toContainText('Not finished yet');
  await page.getByLabel('Status', { exact: true }).selectOption('completed');
  await page.getByRole('button', { name: 'Update status' }).click();
  await expect(page.locator('.ticket-head')).toContainText('Completed');
  await expect(page.locator('.timeline li').filter({ hasText: 'Finished' }).locator('time')).toBeVisible();
  await expect(page.locator('.timeline')).not.toContainText('Not finished yet');
  await page.goto('/tickets');
  // Staff's list leaves the finished date to the ticket page (one line per ticket at
  // 1280 px); the row says completed.
  await expect(row(page, 'Broken chair in room 12').locator('.badge-completed')).toBeVisible();
  expect(errors).toEqual([]);
  await context.close();
});

test('search finds words in subjects and comments as you type, highlighted, only among visible tickets', async ({
  browser,
}) => {
  const { context, page } = await adminPage(browser);
  const errors = watchErrors(page);
  await page.goto('/tickets');
  await waitForHydration(page);
  // A prefix of a subject word.
  await page.getByLabel('Search').fill('chai');
  await expect(page).toHaveURL(/q=chai/);
  const hit = row(page, 'Broken chair in room 12');
  await expect(hit).toBeVisible();
  // Marked in the subject (a subject match needs no snippet of a comment).
  await expect(hit.locator('mark')).toHaveText(['chair']);
  await expect(page.getByText('Best matches first.')).toBeVisible();
  // A word that only the description (the first comment) has.
  await page.getByLabel('Search').fill('wobb');
  await expect(hit.locator('mark')).toHaveText(['wobbles']);
  await expect(hit.locator('.snippet')).toContainText('The chair in room 12 wobbles');
  // Combined with a filter that excludes it.
  await page.getByRole('checkbox', { name: 'Pending' }).check();
  await expect(page.getByText('No tickets match these filters.')).toBeVisible();
  expect(errors).toEqual([]);
  await context.close();

  // Another user searching the same words finds nothing of Tina's.
  const uma = await signedIn(browser, UMA.username, UMA.password);
  await uma.page.goto('/tickets?q=chair');
  await expect(uma.page.getByText('No tickets match these filters.')).toBeVisible();
  await uma.context.close();
});

test("another user opening someone else's ticket gets not found", async ({ browser }) => {
  const { context, page } = await signedIn(browser, UMA.username, UMA.password);
  const res = await page.goto(ticketUrl);
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByText('Broken chair')).toHaveCount(0);
  await page.goto('/tickets');
  await expect(page.getByText('You have no tickets yet.')).toBeVisible();
  await context.close();
});

test.describe('without JavaScript', () => {
  test('tickets are filed, commented on and filtered with plain HTML forms', async ({ browser }) => {
    const tina = await signedIn(browser, TINA.username, TINA.password, { javaScriptEnabled: false });
    const page = tina.page;
    await page.goto('/tickets/new');
    await page.getByLabel('Request type').selectOption({ label: 'Software' });
    await page.getByLabel('Department', { exact: true }).selectOption({ label: 'Finance Office' });
    await page.getByLabel('Subject').fill('Spreadsheet crashes on save');
    await page.getByLabel('Description').fill('Every time.');
    await page.getByRole('button', { name: 'Submit ticket' }).click();
    await expect(page).toHaveURL(/\/tickets\/SR-\d{4}-\d{6}$/);
    await expect(page.getByRole('heading', { name: 'Spreadsheet crashes on save' })).toBeVisible();

    await page.getByRole('textbox', { name: 'Comment' }).fill('It also happens on my laptop.');
    await page.getByLabel('Device number').fill('LT-9');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await expect(page.locator('.thread')).toContainText('It also happens on my laptop.');
    await expect(page.locator('.thread')).toContainText('LT-9');
    // An empty comment comes back with its message.
    await page.getByRole('textbox', { name: 'Comment' }).fill('   ');
    await page.getByRole('button', { name: 'Add comment' }).click();
    await expect(page.locator('#comment-text-error')).toHaveText('Enter a comment.');
    await tina.context.close();

    const admin = await signedIn(browser, 'admin', 'admin-password-1', { javaScriptEnabled: false });
    await admin.page.goto('/tickets');
    await admin.page.getByLabel('Department', { exact: true }).selectOption({ label: 'Finance Office' });
    await admin.page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(admin.page).toHaveURL(/department=\d+/);
    await expect(row(admin.page, 'Spreadsheet crashes on save')).toBeVisible();
    await expect(row(admin.page, 'Broken chair in room 12')).toHaveCount(0);
    await admin.context.close();
  });
});

test('on a phone the filters fold behind their toggle, with or without JavaScript, and nothing moves as the page hydrates', async ({ browser }) => {
  // Where the results start, once the page is as it stays (hydrated, or without JavaScript).
  const resultsTop = async (javaScriptEnabled: boolean) => {
    const { context, page } = await signedIn(browser, 'admin', 'admin-password-1', { javaScriptEnabled });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/tickets?status=pending');
    if (javaScriptEnabled) await waitForHydration(page);
    const toggle = page.getByRole('checkbox', { name: 'Show filters (1 on)' });
    await expect(toggle).toBeVisible();
    await expect(page.getByLabel('Search')).toBeHidden();
    const top = (await page.locator('section.results').boundingBox())?.y;
    // Each ticket is a card whose cells are named by their columns' headings.
    const names = await page.locator('table.tickets tbody tr').first().locator('td').evaluateAll((cells) =>
      cells.map((td) => getComputedStyle(td, '::before').content));
    expect(names).toEqual(expect.arrayContaining(['"Department"', '"Assignee"', '"Due"', '"Started"']));
    await toggle.check();
    await expect(page.getByLabel('Search')).toBeVisible();
    await toggle.uncheck();
    await expect(page.getByLabel('Search')).toBeHidden();
    await context.close();
    return top;
  };
  // The page without JavaScript is the page before it hydrates: the same HTML and CSS.
  const before = await resultsTop(false);
  expect(before).toBeGreaterThan(0);
  expect(await resultsTop(true)).toBe(before);
});

test("an agent, made on the user form, works anyone's ticket and sees no admin pages", async ({ browser }) => {
  const admin = await adminPage(browser);
  await admin.page.goto('/admin/users');
  await waitForHydration(admin.page);
  const form = admin.page.locator('section[aria-labelledby="new-user-heading"]');
  await form.getByLabel('Username').fill('aga');
  await form.getByLabel('Email').fill('aga@example.com');
  await form.getByLabel('Password').fill('aga-password-1');
  await form.getByRole('checkbox', { name: /^Agent/ }).check();
  await form.getByRole('checkbox', { name: /^User/ }).uncheck();
  await form.getByRole('button', { name: 'Create user' }).click();
  await expect(admin.page.getByRole('row').filter({ hasText: 'aga@example.com' })).toContainText('agent');
  await admin.context.close();

  const { context, page } = await signedIn(browser, 'aga', 'aga-password-1');
  const errors = watchErrors(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Tickets', exact: true })).toBeVisible();
  await expect(nav.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await expect(nav.getByText('Admin', { exact: true })).toHaveCount(0);
  await nav.getByRole('link', { name: 'Tickets', exact: true }).click();
  await waitForHydration(page);
  // Every ticket, Tina's included, with the requester column staff see.
  await expect(page.getByRole('columnheader', { name: 'Requester' })).toBeVisible();
  await row(page, 'Desk drawer').getByRole('link').first().click();
  await expect(page.getByRole('heading', { name: 'Desk drawer, "stuck" again', level: 1 })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel('Status', { exact: true }).selectOption({ label: 'Ongoing' });
  await page.getByRole('button', { name: 'Update status' }).click();
  await expect(page.locator('.ticket-head')).toContainText('Ongoing');
  // Their answers are marked as staff's in the thread.
  await page.getByRole('textbox', { name: 'Comment' }).fill('On it: a new drawer runner is ordered.');
  await page.getByRole('button', { name: 'Add comment' }).click();
  const answer = page.locator('.thread li.comment').filter({ hasText: 'a new drawer runner' });
  await expect(answer.locator('.comment-meta')).toContainText('aga');
  await expect(answer.locator('.comment-meta')).toContainText('Staff');

  // The admin pages are not theirs.
  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { name: 'Not allowed', level: 1 })).toBeVisible();
  expect(errors).toEqual([]);
  await context.close();
});

test('an agent takes a ticket and the requester sees it live; the list filters by assignee', async ({ browser }) => {
  const tina = await signedIn(browser, TINA.username, TINA.password);
  await tina.page.goto('/tickets');
  await row(tina.page, 'Desk drawer').getByRole('link').first().click();
  await waitForHydration(tina.page);
  const details = tina.page.locator('.details');
  await expect(details).toContainText('Nobody yet');

  const aga = await signedIn(browser, 'aga', 'aga-password-1');
  const errors = watchErrors(aga.page);
  await aga.page.goto(new URL(tina.page.url()).pathname);
  await waitForHydration(aga.page);
  // Staff names are suggested as one types (from the server: never the staff list in the page).
  await expect(aga.page.locator('#assignee-suggestions option')).toHaveCount(0);
  await aga.page.getByLabel('Assignee').fill('ag');
  await expect(aga.page.locator('#assignee-suggestions option[value="aga"]')).toHaveCount(1);
  // A name that is not active staff is refused, next to the field.
  await aga.page.getByLabel('Assignee').fill('tina');
  await aga.page.getByRole('button', { name: 'Assign', exact: true }).click();
  await expect(aga.page.locator('#triage-assignee-error')).toHaveText('Choose an active agent or admin.');
  await aga.page.getByRole('button', { name: 'Assign to me' }).click();
  await expect(aga.page.getByRole('status').filter({ hasText: 'Assignee updated.' })).toBeVisible();
  await expect(aga.page.locator('.thread')).toContainText('took the ticket');

  // Tina's open page follows without a reload.
  await expect(details).toContainText('aga');
  await tina.context.close();

  // "Assigned to me" on the list, in the URL.
  await aga.page.goto('/tickets');
  await waitForHydration(aga.page);
  await aga.page.getByLabel('Assignee', { exact: true }).selectOption({ label: 'Assigned to me' });
  await expect(aga.page).toHaveURL(/assignee=me/);
  await expect(row(aga.page, 'Desk drawer')).toBeVisible();
  await expect(row(aga.page, 'Broken chair in room 12')).toHaveCount(0);
  await aga.page.getByLabel('Assignee', { exact: true }).selectOption({ label: 'Unassigned' });
  await expect(aga.page).toHaveURL(/assignee=none/);
  await expect(row(aga.page, 'Desk drawer')).toHaveCount(0);
  expect(errors).toEqual([]);
  await aga.context.close();
});

test('an internal note reaches staff, never the requester: not on the page, live or in search', async ({
  browser,
}) => {
  const tina = await signedIn(browser, TINA.username, TINA.password);
  const tinaErrors = watchErrors(tina.page);
  await tina.page.goto('/tickets');
  await row(tina.page, 'Desk drawer').getByRole('link').first().click();
  await waitForHydration(tina.page);
  // Requesters are not offered the choice.
  await expect(tina.page.getByLabel('Internal note')).toHaveCount(0);

  const aga = await signedIn(browser, 'aga', 'aga-password-1');
  const errors = watchErrors(aga.page);
  await aga.page.goto(new URL(tina.page.url()).pathname);
  await waitForHydration(aga.page);
  await aga.page.getByLabel('Comment', { exact: true }).fill('Locksmith code quokka-19, do not share');
  await aga.page.getByLabel('Internal note').check();
  await aga.page.getByRole('button', { name: 'Add internal note' }).click();
  await expect(aga.page.getByRole('status').filter({ hasText: 'Internal note added.' })).toBeVisible();
  const note = aga.page.locator('.comment-internal');
  await expect(note).toContainText('Locksmith code quokka-19');
  await expect(note).toContainText('Internal note');
  // The box is a comment box again, and a public answer follows.
  await expect(aga.page.getByRole('button', { name: 'Add comment' })).toBeVisible();
  await aga.page.getByLabel('Comment', { exact: true }).fill('The locksmith comes on Monday.');
  await aga.page.getByRole('button', { name: 'Add comment' }).click();
  await expect(aga.page.getByRole('status').filter({ hasText: 'Comment added.' })).toBeVisible();

  // Tina's open page receives the answer live, and never the note.
  const thread = tina.page.locator('.thread');
  await expect(thread).toContainText('The locksmith comes on Monday.');
  await expect(thread).not.toContainText('quokka');
  await tina.page.reload();
  await waitForHydration(tina.page);
  await expect(thread).toContainText('The locksmith comes on Monday.');
  await expect(thread).not.toContainText('quokka');
  // Searching the note's words finds nothing for her; staff find the ticket by them.
  await tina.page.goto('/tickets?q=quokka');
  await expect(tina.page.getByText('No tickets match these filters.')).toBeVisible();
  await aga.page.goto('/tickets?q=quokka');
  await expect(row(aga.page, 'Desk drawer')).toBeVisible();
  await expect(row(aga.page, 'Desk drawer').locator('mark')).toHaveText('quokka');
  expect(errors).toEqual([]);
  expect(tinaErrors).toEqual([]);
  await tina.context.close();
  await aga.context.close();
});

test('staff insert a saved reply with the requester, the ticket and their own name filled in', async ({
  browser,
}) => {
  const { context, page } = await signedIn(browser, 'aga', 'aga-password-1');
  const errors = watchErrors(page);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Saved replies' }).click();
  await expect(page.getByRole('heading', { name: 'Saved replies', level: 1 })).toBeVisible();
  await page.getByLabel('Name').fill('Greeting');
  await page.getByLabel('Text').fill('Hello {requester}, {ticket} is with {agent}.');
  await page.getByRole('button', { name: 'Save reply' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Reply “Greeting” saved.' })).toBeVisible();

  await page.goto('/tickets');
  await row(page, 'Desk drawer').getByRole('link').first().click();
  await waitForHydration(page);
  const number = (await page.locator('.ticket-no').innerText()).trim();
  await page.getByLabel('Insert a saved reply').fill('Greeting');
  await page.getByRole('button', { name: 'Insert', exact: true }).click();
  const box = page.getByLabel('Comment', { exact: true });
  await expect(box).toHaveValue(`Hello tina, ${number} is with aga.`);
  await expect(box).toBeFocused();
  // A name that is not a reply says so.
  await page.getByLabel('Insert a saved reply').fill('Nothing like it');
  await page.getByRole('button', { name: 'Insert', exact: true }).click();
  await expect(page.locator('#reply-pick-error')).toHaveText('No saved reply is called “Nothing like it”.');
  await page.getByRole('button', { name: 'Add comment' }).click();
  await expect(page.locator('.thread')).toContainText(`Hello tina, ${number} is with aga.`);
  expect(errors).toEqual([]);
  await context.close();
});

test('the keyboard tour: j/k choose, x ticks, a assigns, Enter opens, r and i write, ? lists them; off on My account', async ({
  browser,
}) => {
  const { context, page } = await signedIn(browser, 'aga', 'aga-password-1');
  const errors = watchErrors(page);
  await page.goto('/tickets');
  await waitForHydration(page);
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await page.keyboard.press('?');
  await expect(help).toBeVisible();
  await expect(help).toContainText('Ticket list: the next / previous ticket');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  const rows = page.locator('table.tickets tbody tr');
  const current = page.locator('table.tickets tbody tr.row-current');
  await page.keyboard.press('j');
  await expect(rows.first()).toHaveClass(/row-current/);
  await page.keyboard.press('j');
  await expect(rows.nth(1)).toHaveClass(/row-current/);
  await page.keyboard.press('k');
  await expect(rows.first()).toHaveClass(/row-current/);
  const subject = (await current.locator('td.subject').getAttribute('title'))!;
  await page.keyboard.press('x');
  await expect(page.locator('.bulk-count')).toHaveText('1 ticket ticked');
  await expect(current.locator('td.cell-tick input')).toBeChecked();
  await page.keyboard.press('a');
  await expect(row(page, subject).getByRole('link', { name: 'aga', exact: true })).toBeVisible();
  // Typing in a field is typing, not a shortcut.
  await page.getByLabel('Search').fill('');
  await page.getByLabel('Search').press('j');
  await expect(page.getByLabel('Search')).toHaveValue('j');
  await page.getByLabel('Search').fill('');
  await page.locator('h1').click();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: subject, level: 1 })).toBeVisible();
  await waitForHydration(page);
  await page.keyboard.press('r');
  await expect(page.getByLabel('Comment', { exact: true })).toBeFocused();
  await page.locator('h1').click();
  await page.keyboard.press('i');
  await expect(page.getByLabel('Comment', { exact: true })).toBeFocused();
  await expect(page.getByLabel('Internal note')).toBeChecked();
  await expect(page.getByRole('button', { name: 'Add internal note' })).toBeVisible();

  // Turned off on My account: the keys are keys again.
  await page.goto('/account');
  await waitForHydration(page);
  await page.getByRole('checkbox', { name: /^Keyboard shortcuts/ }).uncheck();
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Preferences saved.' })).toBeVisible();
  await page.goto('/tickets');
  await waitForHydration(page);
  await page.keyboard.press('j');
  await page.keyboard.press('?');
  await expect(current).toHaveCount(0);
  await expect(help).toBeHidden();
  expect(errors).toEqual([]);
  await context.close();
});

test('staff set a priority; the list shows it and filters by it', async ({ browser }) => {
  const { context, page } = await signedIn(browser, 'aga', 'aga-password-1');
  const errors = watchErrors(page);
  await page.goto('/tickets');
  await waitForHydration(page);
  await expect(row(page, 'Desk drawer').locator('.badge.priority-normal')).toHaveText('Normal');
  await row(page, 'Desk drawer').getByRole('link').first().click();
  await waitForHydration(page);
  await page.getByLabel('Priority').selectOption({ label: 'Urgent' });
  await page.getByRole('button', { name: 'Set priority' }).click();
  await expect(page.locator('.details')).toContainText('Urgent');
  await expect(page.locator('.thread')).toContainText('changed the priority from Normal to Urgent');

  await page.goto('/tickets');
  await waitForHydration(page);
  await page.getByLabel('Priority', { exact: true }).selectOption({ label: 'Urgent' });
  await expect(page).toHaveURL(/priority=urgent/);
  await expect(row(page, 'Desk drawer')).toBeVisible();
  await expect(row(page, 'Broken chair in room 12')).toHaveCount(0);
  expect(errors).toEqual([]);
  await context.close();
});
