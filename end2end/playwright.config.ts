import { defineConfig, devices } from '@playwright/test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The Makefile picks a free port; running `npx playwright test` by hand falls back to 3123.
const port = Number(process.env.E2E_PORT ?? 3123);
const baseURL = `http://127.0.0.1:${port}`;
// The shared server's log, read after each test for panics (tests/fixtures.ts) and after
// the run by the Makefile. Set here, in the runner, so the workers inherit it.
// (The workers load this file again: only the runner, which sets it, starts it afresh.)
if (!process.env.E2E_SERVER_LOG) {
  process.env.E2E_SERVER_LOG = path.join(os.tmpdir(), `helpdesk-e2e-${port}.log`);
  fs.rmSync(process.env.E2E_SERVER_LOG, { force: true });
}

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium: Playwright never downloads a browser here.
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  // The real server on a fresh database, with its first admin made by `helpdesk create-admin`.
  webServer: {
    command: `bash ./start-server.sh ${port}`,
    url: `${baseURL}/login`,
    reuseExistingServer: false,
    timeout: 60_000,
    // SIGTERM rather than SIGKILL, so start-server.sh removes its temporary database.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    stdout: 'pipe',
    stderr: 'pipe',
    env: { E2E_SERVER_LOG: process.env.E2E_SERVER_LOG },
  },
});
