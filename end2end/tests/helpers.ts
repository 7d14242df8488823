import * as fs from 'fs';
import { expect, Page, Browser, BrowserContext } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

// The admin was made by start-server.sh with `helpdesk create-admin`.
export const ADMIN = { username: 'admin', password: 'admin-password-1' };

export async function signIn(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Collects script errors and panics (a hydration mismatch panics in debug builds). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    // A 403/404 page load is logged as a failed resource: that is the page under test.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
  });
  return errors;
}

export async function waitForHydration(page: Page) {
  // The app sets data-hydrated on <html> once the WASM client has hydrated the page.
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
}

/** A browser context signed in as `username`, on the page it lands on (admins: the dashboard). */
export async function signedIn(
  browser: Browser,
  username: string,
  password: string,
  options: { javaScriptEnabled?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  await signIn(page, username, password);
  const landing = new RegExp(`^(Welcome, ${username.replace('.', '\\.')}|Dashboard)$`);
  await expect(page.getByRole('heading', { name: landing, level: 1 })).toBeVisible();
  return { context, page };
}

export async function adminPage(browser: Browser) {
  return signedIn(browser, ADMIN.username, ADMIN.password);
}

/** Opens an admin page from the header's Admin menu, as a person does. */
export async function adminMenu(page: Page, name: string) {
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByText('Admin', { exact: true }).click();
  await nav.getByRole('link', { name }).click();
}

/** Calls a server function with the page's session, as its forms do; returns the JSON. */
export async function api(page: Page, name: string, form: Record<string, string>) {
  const res = await page.request.post(`/api/${name}`, {
    form,
    headers: { accept: 'application/json' },
  });
  expect(res.ok(), `${name}: ${await res.text()}`).toBeTruthy();
  return res.json();
}

/** Set-up through the admin API: a department (its id) and an active user. */
export async function addDepartment(admin: Page, name: string): Promise<string> {
  const dept = await api(admin, 'create_list_entry', { list: 'departments', name });
  return String(dept.id);
}

export async function addUser(admin: Page, username: string, password: string) {
  await api(admin, 'create_user', {
    username,
    email: `${username}@example.com`,
    password,
    avatar_url: '',
    department_id: '',
    role_user: 'on',
    status: 'active',
  });
}

/** The service request numbers the list shows, in its order. */
export async function listedNumbers(page: Page): Promise<string[]> {
  return page.locator('td.cell-no a').allInnerTexts();
}

/** Clicks "Download CSV" as a person does; the finished file's rows (header first). */
export async function downloadCsv(page: Page): Promise<string[][]> {
  const started = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download CSV' }).click();
  const download = await started;
  // A download the server broke off ends as "canceled" or "network error".
  expect(await download.failure()).toBeNull();
  expect(download.suggestedFilename()).toBe('tickets.csv');
  return parseCsv(fs.readFileSync((await download.path())!, 'utf8'));
}

/** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length > 0) row.push(field), rows.push(row);
  return rows;
}

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** axe-core's WCAG 2.1 AA checks on what the page shows now, in light and in dark. */
export async function expectAccessible(page: Page, what: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
    const problems = result.violations.map(
      (v) => `${what} (${colorScheme}): ${v.id} ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
    expect(problems).toEqual([]);
  }
}
