import { test as base, expect } from '@playwright/test';
import * as fs from 'fs';

/**
 * Every journey's `test`: Playwright's own, plus a check after each test that the server
 * logged no panic meanwhile, and nothing its logger did not write. A panic in a request
 * task or a response body is caught by the server (it goes on serving), so the page may
 * even look fine: the CSV export panicked after its last batch under gzip and every
 * browser's download failed, while the tests passed (issue 21). Leptos writes its own
 * warnings straight to stderr, untimed: one such line per staff ticket page went unseen
 * for three issues. The shared server writes its log to E2E_SERVER_LOG
 * (playwright.config.ts); a test's own servers are checked by OwnServer.
 */
export const test = base.extend<{ serverPanics: void }>({
  serverPanics: [
    async ({}, use, testInfo) => {
      const log = process.env.E2E_SERVER_LOG;
      const from = log && fs.existsSync(log) ? fs.statSync(log).size : 0;
      await use();
      const found = log ? troubleIn(log, from) : [];
      if (found.length > 0) {
        throw new Error(`the server panicked or warned outside its log during "${testInfo.title}":\n${found.join('\n')}`);
      }
    },
    { auto: true },
  ],
});

export { expect };

/** The lines of `log` from byte `from` on that report a panic, or that the server's logger
 * did not write (each of its lines starts with the time: `2026-12-05T10:26:16.297464Z`). */
export function troubleIn(log: string, from = 0): string[] {
  if (!fs.existsSync(log)) return [];
  const text = fs.readFileSync(log).subarray(from).toString('utf8');
  return text
    .split('\n')
    .filter((line) => line !== '' && (line.includes('panicked at') || !/^\d{4}-\d\d-\d\dT/.test(line)));
}
