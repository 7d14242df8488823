import { test, expect } from './fixtures';
import { addDepartment, adminPage, api, waitForHydration, watchErrors } from './helpers';

test('a long thread opens on its newest comments and shows earlier ones on request', async ({ browser }) => {
  const admin = await adminPage(browser);
  const errors = watchErrors(admin.page);
  const dept = await addDepartment(admin.page, 'Long Threads');
  const number: string = await api(admin.page, 'create_ticket', {
    request_type_id: '1',
    department_id: dept,
    subject: 'A thread that grew',
    description: 'The first words.',
    device_no: '',
  });
  for (let i = 0; i < 55; i++) {
    await api(admin.page, 'add_comment', { service_request_no: number, comment_text: `Reply number ${i}.`, device_no: '' });
  }
  await admin.page.goto(`/tickets/${number}`);
  await waitForHydration(admin.page);
  const thread = admin.page.locator('.thread');
  await expect(thread).toContainText('Reply number 54.');
  await expect(thread).toContainText('Reply number 5.');
  await expect(thread).not.toContainText('Reply number 4.');
  await admin.page.getByRole('link', { name: 'Show earlier' }).click();
  await expect(thread).toContainText('The first words.');
  await expect(thread).toContainText('Reply number 4.');
  await expect(thread).not.toContainText('Reply number 5.');
  await expect(admin.page.getByRole('link', { name: 'Show earlier' })).toHaveCount(0);
  await admin.page.getByRole('link', { name: 'Show the newest' }).click();
  await expect(thread).toContainText('Reply number 54.');
  expect(errors).toEqual([]);
  await admin.context.close();
});
