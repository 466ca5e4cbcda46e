import { execFileSync } from 'node:child_process';
import { defineConfig } from '@playwright/test';

// End-to-end tests drive Debian's Chromium (never a downloaded browser) against the built SDK
// served by the real reference server on a throwaway PGlite database.
//
// The server listens on EDSEG_E2E_PORT, or else on a port the system reports free, so a second
// run (or anything else on the machine) never collides with this one. The choice is written to
// process.env, which Playwright's worker processes inherit, so they read the same port back.
if (!process.env.EDSEG_E2E_PORT) {
  process.env.EDSEG_E2E_PORT = execFileSync(
    process.execPath,
    [
      '-e',
      "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); })",
    ],
    { encoding: 'utf8' },
  ).trim();
}
export const E2E_PORT = Number(process.env.EDSEG_E2E_PORT);

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: '.cache/e2e-results.json' }]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.EDSEG_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: `node scripts/e2e-server.mjs ${E2E_PORT}`,
    url: `http://127.0.0.1:${E2E_PORT}/v1/keys`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
  },
});
