import { Page } from '@playwright/test';
import { test, expect } from './fixtures';
import { addDepartment, addUser, adminPage, expectAccessible, signedIn, waitForHydration, watchErrors } from './helpers';

test.describe.configure({ mode: 'serial' });

const PIA = { username: 'pia', password: 'pia-password-1' };

/** A real PNG of `width` × `height`, drawn by the page's own canvas. */
async function png(page: Page, width: number, height: number, colour: string): Promise<Buffer> {
  const data = await page.evaluate(
    ([w, h, c]) => {
      const canvas = document.createElement('canvas');
      canvas.width = w as number;
      canvas.height = h as number;
      const g = canvas.getContext('2d')!;
      g.fillStyle = c as string;
      g.fillRect(0, 0, w as number, h as number);
      g.fillStyle = '#fff';
      g.fillText('printer error 0x51', 20, 40);
      return canvas.toDataURL('image/png').split(',')[1];
    },
    [width, height, colour],
  );
  return Buffer.from(data, 'base64');
}

/** Pastes a picture into `target` as a screenshot from the clipboard arrives. */
async function pastePicture(page: Page, target: string, bytes: Buffer) {
  await page.locator(target).evaluate((el, b64) => {
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([raw], 'image.png', { type: 'image/png' }));
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, bytes.toString('base64'));
}

let number = '';

test('files by picker and paste, a thumbnail live elsewhere, the viewer by keyboard, a PDF download', async ({
  browser,
}) => {
  const admin = await adminPage(browser);
  const dept = await addDepartment(admin.page, 'Print Room');
  await addUser(admin.page, PIA.username, PIA.password);
  const adminErrors = watchErrors(admin.page);

  // Pia files a ticket with a photo chosen in the file picker.
  const pia = await signedIn(browser, PIA.username, PIA.password);
  const piaErrors = watchErrors(pia.page);
  await pia.page.goto('/tickets/new');
  await waitForHydration(pia.page);
  await pia.page.getByLabel('Request type').selectOption({ label: 'Hardware' });
  await pia.page.getByLabel('Department', { exact: true }).selectOption(dept);
  await pia.page.getByLabel('Subject').fill('Printer shows an error');
  await pia.page.getByLabel('Description').fill('The display says this.');
  await expect(pia.page.getByText(/Up to 10 files of 25 MB each/)).toBeVisible();
  const photo = await png(pia.page, 1600, 1200, '#204080');
  await pia.page.getByLabel('Attach files').setInputFiles({ name: 'printer.png', mimeType: 'image/png', buffer: photo });
  const upload = pia.page.locator('.upload').filter({ hasText: 'printer.png' });
  await expect(upload.getByText('Attached')).toBeVisible();
  // Too large for the server: refused at once, by name, and nothing sent.
  await pia.page.getByLabel('Attach files').setInputFiles({
    name: 'backup.zip',
    mimeType: 'application/zip',
    buffer: Buffer.alloc(26 * 1024 * 1024),
  });
  await expect(pia.page.getByRole('alert').filter({ hasText: 'backup.zip is larger than 25 MB' })).toBeVisible();
  await pia.page.locator('.upload').filter({ hasText: 'backup.zip' }).getByRole('button', { name: 'Dismiss' }).click();
  await pia.page.getByRole('button', { name: 'Submit ticket' }).click();
  await expect(pia.page).toHaveURL(/\/tickets\/SR-\d{4}-\d{6}$/);
  number = pia.page.url().split('/').pop()!;
  await expect(pia.page.getByRole('img', { name: 'printer.png (open full size)' })).toBeVisible();

  // The admin has the ticket open when Pia pastes a screenshot into a comment.
  await admin.page.goto(`/tickets/${number}`);
  await waitForHydration(admin.page);
  await expect(admin.page.getByRole('img', { name: 'printer.png (open full size)' })).toBeVisible();
  await waitForHydration(pia.page);
  await expect(pia.page.getByText(/Up to 10 files of 25 MB each/)).toBeVisible();
  await pia.page.getByRole('textbox', { name: 'Comment' }).fill('And now this one.');
  await pastePicture(pia.page, '#comment-text', await png(pia.page, 800, 600, '#803020'));
  await expect(pia.page.locator('.upload').getByText('Attached')).toBeVisible();
  await expect(pia.page.getByRole('textbox', { name: 'Comment' })).toHaveValue('And now this one.');
  // A PDF too, from the picker.
  await pia.page.getByLabel('Attach files').setInputFiles({
    name: 'report.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n'),
  });
  await expect(pia.page.locator('.upload').filter({ hasText: 'report.pdf' }).getByText('Attached')).toBeVisible();
  await pia.page.getByRole('button', { name: 'Add comment' }).click();
  await expect(pia.page.getByText('Comment added.')).toBeVisible();
  await expect(pia.page.locator('.upload')).toHaveCount(0);

  // Live in the admin's open page: the screenshot's thumbnail, without reload.
  const shot = admin.page.getByRole('img', { name: /^Screenshot .*\.png \(open full size\)$/ });
  await expect(shot).toBeVisible();
  await expect(admin.page.getByRole('link', { name: 'report.pdf' })).toBeVisible();

  // The viewer, by keyboard: Enter on the thumbnail opens it, the arrows move, Escape
  // closes it and gives the focus back.
  await admin.page.getByRole('link', { name: 'printer.png (open full size)' }).focus();
  await admin.page.keyboard.press('Enter');
  const viewer = admin.page.getByRole('dialog', { name: 'printer.png' });
  await expect(viewer).toBeVisible();
  await expect(viewer.getByRole('button', { name: 'Close' })).toBeFocused();
  await expect(viewer.getByText('1 of 2')).toBeVisible();
  await expectAccessible(admin.page, 'picture viewer');
  await admin.page.keyboard.press('ArrowRight');
  await expect(admin.page.getByRole('dialog', { name: /^Screenshot .*\.png$/ })).toBeVisible();
  await expect(admin.page.getByText('2 of 2')).toBeVisible();
  await admin.page.keyboard.press('ArrowLeft');
  await expect(viewer).toBeVisible();
  await admin.page.keyboard.press('Escape');
  await expect(admin.page.getByRole('dialog')).toHaveCount(0);
  await expect(admin.page.getByRole('link', { name: 'printer.png (open full size)' })).toBeFocused();
  await expectAccessible(admin.page, 'ticket page with files');

  // The PDF downloads under its own name.
  const started = admin.page.waitForEvent('download');
  await admin.page.getByRole('link', { name: 'report.pdf' }).click();
  const download = await started;
  expect(await download.failure()).toBeNull();
  expect(download.suggestedFilename()).toBe('report.pdf');

  expect(adminErrors).toEqual([]);
  expect(piaErrors).toEqual([]);
  await admin.context.close();
  await pia.context.close();
});

test('a slow upload shows its progress and can be cancelled; a dropped file can be removed', async ({ browser }) => {
  const pia = await signedIn(browser, PIA.username, PIA.password);
  await pia.page.goto(`/tickets/${number}`);
  await waitForHydration(pia.page);
  // The hint comes with the limits, once the form has come to life.
  await expect(pia.page.getByText(/Up to 10 files of 25 MB each/)).toBeVisible();
  // 256 KB a second up: a 4 MB file takes long enough to see and cancel.
  const cdp = await pia.context.newCDPSession(pia.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 256 * 1024,
  });
  await pia.page.getByLabel('Attach files').setInputFiles({
    name: 'big-log.txt',
    mimeType: 'text/plain',
    buffer: Buffer.alloc(4 * 1024 * 1024, 'x'),
  });
  const upload = pia.page.locator('.upload').filter({ hasText: 'big-log.txt' });
  const bar = upload.getByRole('progressbar', { name: 'Sending big-log.txt' });
  await expect(bar).toBeVisible();
  await expect(pia.page.getByRole('button', { name: 'Add comment' })).toBeDisabled();
  await expect.poll(async () => Number(await bar.getAttribute('value'))).toBeGreaterThan(0);
  await upload.getByRole('button', { name: 'Cancel' }).click();
  await expect(upload).toHaveCount(0);
  await expect(pia.page.getByRole('button', { name: 'Add comment' })).toBeEnabled();
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });

  // A file dropped on the form is sent too; Remove takes it off again before sending.
  await pia.page.locator('#comment-text').evaluate((el) => {
    const data = new DataTransfer();
    data.items.add(new File(['dropped notes'], 'dropped.txt', { type: 'text/plain' }));
    el.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    el.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  });
  const dropped = pia.page.locator('.upload').filter({ hasText: 'dropped.txt' });
  await expect(dropped.getByText('Attached')).toBeVisible();
  await dropped.getByRole('button', { name: 'Remove dropped.txt' }).click();
  await expect(dropped).toHaveCount(0);
  await pia.page.getByRole('textbox', { name: 'Comment' }).fill('Nothing attached after all.');
  await pia.page.getByRole('button', { name: 'Add comment' }).click();
  await expect(pia.page.getByText('Comment added.')).toBeVisible();
  await expect(pia.page.getByRole('link', { name: 'dropped.txt' })).toHaveCount(0);
  await pia.context.close();
});

test.describe('without JavaScript', () => {
  test('a comment with a file is a plain multipart form', async ({ browser }) => {
    const pia = await signedIn(browser, PIA.username, PIA.password, { javaScriptEnabled: false });
    await pia.page.goto(`/tickets/${number}`);
    await pia.page.getByRole('textbox', { name: 'Comment' }).fill('The log, without scripts.');
    await pia.page.getByLabel('Attach files').setInputFiles({
      name: 'printer-log.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('E51 paper jam\n'),
    });
    await pia.page.getByRole('button', { name: 'Add comment' }).click();
    await expect(pia.page.locator('.thread')).toContainText('The log, without scripts.');
    await expect(pia.page.getByRole('link', { name: 'printer-log.txt' })).toBeVisible();
    // A thumbnail is a plain link to the picture.
    await pia.page.getByRole('link', { name: 'printer.png (open full size)' }).click();
    await expect(pia.page).toHaveURL(/\/files\/\d+\/printer\.png$/);
    await pia.context.close();
  });
});
