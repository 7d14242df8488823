import { test, expect } from './fixtures';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { E2E_SITE, OwnServer } from './own-server';
import { addDepartment, adminMenu, downloadCsv, listedNumbers, signIn, waitForHydration, watchErrors } from './helpers';

// The release binary (built by `make release`, which `make test` runs first) copied alone
// into an empty folder: everything the browser needs comes from inside it.
const RELEASE_BIN = process.env.HELPDESK_RELEASE_BIN ?? '../target/release/helpdesk';

test('the release binary alone serves an app that hydrates, signs in and navigates', async ({ browser }) => {
  const server = await OwnServer.start({ bin: RELEASE_BIN, alone: true });
  try {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const wasm = page.waitForResponse((res) => res.url().endsWith('.wasm'));
    await signIn(page, 'admin', 'admin-password-1');
    const wasmResponse = await wasm;
    expect(wasmResponse.status()).toBe(200);
    expect(wasmResponse.headers()['content-type']).toBe('application/wasm');
    expect(['br', 'gzip']).toContain(wasmResponse.headers()['content-encoding']);
    expect(wasmResponse.headers()['cache-control']).toContain('immutable');
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();

    // Only the running WASM opens the live stream that turns the indicator on.
    await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
    // And links are followed inside the page, without loading a new document.
    await page.evaluate(() => ((window as any).__sameDocument = true));
    await page.getByRole('navigation').getByRole('link', { name: 'New ticket' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'New ticket' })).toBeVisible();
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    // The stylesheet arrived and applies: its colour variables are defined on the page.
    const surface = await page.evaluate(() =>
      getComputedStyle(document.documentElement).getPropertyValue('--surface').trim(),
    );
    expect(surface).not.toBe('');

    // "Download CSV" in Chromium on the release binary (gzip, as browsers ask): the
    // file holds the list's rows, and a list with none gives the header alone (issue 21).
    await addDepartment(page, 'Front desk');
    await page.goto('/tickets/new');
    await waitForHydration(page);
    await page.getByLabel('Request type').selectOption({ label: 'Hardware' });
    await page.getByLabel('Department').selectOption({ label: 'Front desk' });
    await page.getByLabel('Subject').fill('Badge printer, jammed');
    await page.getByLabel('Description').fill('Since this morning.');
    await page.getByRole('button', { name: 'Submit ticket' }).click();
    await expect(page).toHaveURL(/\/tickets\/SR-\d{4}-\d{6}$/);
    await page.goto('/tickets');
    await waitForHydration(page);
    const listed = await listedNumbers(page);
    expect(listed).toHaveLength(1);
    let rows = await downloadCsv(page);
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual([[listed[0], 'Badge printer, jammed']]);
    await page.getByRole('checkbox', { name: 'Completed' }).check();
    await expect(page.getByText('No tickets match these filters.')).toBeVisible();
    rows = await downloadCsv(page);
    expect(rows).toEqual([rows[0]]);
    expect(rows[0][0]).toBe('Number');
    expect(errors).toEqual([]);
    await context.close();
  } finally {
    await server.close();
  }
});

// The admin pages' code is loaded when first opened (lazy routes, issue 25). A tab open
// across an upgrade asks for its release's part, which the new server no longer has: it
// loads the page in full instead, from the new release, rather than stop working.
test('a tab open across an upgrade opens a page whose code it had not loaded yet', async ({ browser }) => {
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-site-'));
  fs.cpSync(E2E_SITE, site, { recursive: true });
  const server = await OwnServer.start({ site });
  try {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await signIn(page, 'admin', 'admin-password-1');
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    await page.goto('/tickets');
    await waitForHydration(page);
    const release = () => page.evaluate(() => document.querySelector('link[rel=modulepreload]')!.getAttribute('href'));
    const before = await release();
    await page.evaluate(() => ((window as any).__sameDocument = true));

    // The upgrade: any file of the app changed gives its files a new folder.
    await server.stop();
    fs.writeFileSync(path.join(site, 'pkg', 'upgrade.txt'), 'a new release');
    await server.restart();

    // The users page's part was never loaded in this tab: it comes from the new release.
    const gone = page.waitForResponse((res) => res.url().includes(before!.replace(/helpdesk\.js$/, '')) && res.status() === 404);
    await adminMenu(page, 'Users');
    await gone;
    await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
    await expect(page).toHaveURL(/\/admin\/users$/);
    await waitForHydration(page);
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBeUndefined();
    expect(await release()).not.toBe(before);
    // And it works on: another admin page, its part loaded from the new release, in place.
    await page.evaluate(() => ((window as any).__sameDocument = true));
    await adminMenu(page, 'Departments');
    await expect(page.getByRole('heading', { name: 'Departments', level: 1 })).toBeVisible();
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await context.close();
  } finally {
    await server.close();
    fs.rmSync(site, { recursive: true, force: true });
  }
});
