import { test, expect } from './fixtures';
import { OwnServer } from './own-server';
import { addDepartment, downloadCsv, listedNumbers, signIn, waitForHydration, watchErrors } from './helpers';

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
