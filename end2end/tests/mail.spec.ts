import { test, expect } from './fixtures';
import { addDepartment, addUser, adminMenu, expectAccessible, signIn, waitForHydration, watchErrors } from './helpers';
import { OwnServer } from './own-server';
import { ImapServer, readable, SmtpSink } from './smtp-sink';

test('a filed ticket is mailed to its requester, whose link opens it; mail choices and the Mail page', async ({
  browser,
}) => {
  test.setTimeout(90_000);
  const sink = await SmtpSink.start();
  const imap = await ImapServer.start();
  // A server of its own: it sends mail to this sink, reads that mailbox, and its clock is
  // moved.
  const server = await OwnServer.start({
    args: [
      '--test-clock',
      '--smtp-url',
      sink.url,
      '--imap-url',
      imap.url,
      '--mail-from',
      'Helpdesk <help@example.com>',
    ],
    argsFor: (url) => ['--public-url', url],
  });
  try {
    const adminContext = await browser.newContext({ baseURL: server.url });
    const admin = await adminContext.newPage();
    const adminErrors = watchErrors(admin);
    await signIn(admin, 'admin', 'admin-password-1');
    await expect(admin.getByRole('heading', { name: 'Dashboard', level: 1 })).toBeVisible();
    await addDepartment(admin, 'Print Room');
    await addUser(admin, 'mia', 'mia-password-1');

    // Mia files a ticket as anyone does.
    const miaContext = await browser.newContext({ baseURL: server.url });
    const mia = await miaContext.newPage();
    const miaErrors = watchErrors(mia);
    await signIn(mia, 'mia', 'mia-password-1');
    await expect(mia.getByRole('heading', { name: 'Welcome, mia', level: 1 })).toBeVisible();
    await mia.goto('/tickets/new');
    await waitForHydration(mia);
    await mia.getByLabel('Request type').selectOption({ index: 1 });
    await mia.getByLabel('Department', { exact: true }).selectOption({ label: 'Print Room' });
    await mia.getByLabel('Subject').fill('Printer eats paper');
    await mia.getByLabel('Description').fill('Every second page.');
    await mia.getByRole('button', { name: 'Submit ticket' }).click();
    await expect(mia).toHaveURL(/\/tickets\/SR-\d{4}-\d{6}$/);
    const number = mia.url().split('/').pop()!;

    // A minute's changes go out together: the server's clock moves on, the mail arrives.
    expect((await admin.request.post('/api/test/clock?advance_minutes=2')).ok()).toBeTruthy();
    await expect.poll(() => sink.mailsTo('mia@example.com').length, { timeout: 20_000 }).toBe(1);
    const receipt = readable(sink.mailsTo('mia@example.com')[0].text);
    expect(receipt).toContain(`We received your ticket ${number}`);
    const link = new RegExp(`${server.url}/tickets/${number}`).exec(receipt)?.[0];
    expect(link, receipt).toBeTruthy();

    // The link opens the ticket.
    await mia.goto('/');
    await mia.goto(link!);
    await expect(mia.getByRole('heading', { name: 'Printer eats paper' })).toBeVisible();
    await waitForHydration(mia);

    // Mia answers the mail from her mail client: the answer appears on the open page by
    // itself, without her quote of our mail.
    const ours = /^Message-ID: (.*)$/im.exec(sink.mailsTo('mia@example.com')[0].text)![1].trim();
    imap.deliver(
      [
        'From: Mia <mia@example.com>',
        'To: help@example.com',
        `Subject: Re: [${number}] Printer eats paper`,
        'Message-ID: <mia-reply-1@mail.example.org>',
        `In-Reply-To: ${ours}`,
        `References: ${ours}`,
        '',
        'It is the one on the second floor.',
        '',
        'On Fri, 4 Dec 2026, Helpdesk <help@example.com> wrote:',
        '> We received your ticket.',
        '',
      ].join('\r\n'),
    );
    await expect(mia.locator('.thread')).toContainText('It is the one on the second floor.');
    await expect(mia.locator('.thread')).not.toContainText('We received your ticket');

    // Mia turns answers off on My account; the admin answers and closes the ticket: she
    // hears that it closed, not the answer.
    await mia.goto('/account');
    await waitForHydration(mia);
    const mail = mia.getByRole('region', { name: 'Mail' });
    await expect(mail.getByRole('checkbox', { name: 'Staff answered my ticket' })).toBeChecked();
    await expect(mail.getByRole('checkbox', { name: 'A ticket was assigned to me' })).toHaveCount(0);
    await mail.getByRole('checkbox', { name: 'Staff answered my ticket' }).uncheck();
    await mail.getByRole('button', { name: 'Save mail choices' }).click();
    await expect(mail.getByRole('status')).toHaveText('Mail choices saved.');
    await expectAccessible(mia, 'my account: mail choices');
    await mia.reload();
    await expect(mia.getByRole('checkbox', { name: 'Staff answered my ticket' })).not.toBeChecked();

    await admin.goto(`/tickets/${number}`);
    await waitForHydration(admin);
    await admin.getByRole('textbox', { name: 'Comment' }).fill('Replaced the roller.');
    await admin.getByRole('button', { name: 'Add comment' }).click();
    await expect(admin.locator('.thread')).toContainText('Replaced the roller.');
    await admin.getByLabel('Status', { exact: true }).selectOption('completed');
    await admin.getByRole('button', { name: 'Update status' }).click();
    await expect(admin.locator('.ticket-head')).toContainText('Completed');
    expect((await admin.request.post('/api/test/clock?advance_minutes=2')).ok()).toBeTruthy();
    await expect.poll(() => sink.mailsTo('mia@example.com').length, { timeout: 20_000 }).toBe(2);
    const closed = readable(sink.mailsTo('mia@example.com')[1].text);
    expect(closed).toContain('admin changed the status from Pending to Completed.');
    expect(closed).not.toContain('Replaced the roller');

    // The admin's Mail page lists both, sent.
    await adminMenu(admin, 'Mail');
    await expect(admin.getByRole('heading', { name: 'Mail', level: 1 })).toBeVisible();
    await waitForHydration(admin);
    await expect(admin.getByText('Mail is on')).toBeVisible();
    const outbox = admin.getByRole('region', { name: 'Outbox' });
    const rows = outbox.getByRole('row').filter({ hasText: 'mia@example.com' });
    await expect(rows).toHaveCount(2);
    await expect(rows.first()).toContainText('Sent');
    const incoming = admin.getByRole('region', { name: 'Incoming mail' });
    await expect(incoming.getByRole('row').filter({ hasText: 'mia@example.com' })).toContainText('Comment added');
    await expectAccessible(admin, 'mail page');
    expect(adminErrors).toEqual([]);
    expect(miaErrors).toEqual([]);
    await adminContext.close();
    await miaContext.close();
  } finally {
    await server.close();
    sink.close();
    imap.close();
  }
});
