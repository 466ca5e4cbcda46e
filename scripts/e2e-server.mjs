// The server the e2e tests run against: the built dist/server.mjs on a fresh data folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, run } from './lib.mjs';

const port = process.argv[2] ?? process.env.EDSEG_E2E_PORT ?? '8797';
const data = mkdtempSync(join(tmpdir(), 'edseg-e2e-'));
const cleanup = () => rmSync(data, { recursive: true, force: true });
process.on('SIGTERM', () => {
  cleanup();
  process.exit(0);
});
process.on('SIGINT', () => {
  cleanup();
  process.exit(0);
});
// Warnings and errors only: one JSON line per request would drown the test output (EDSEG_LOG_LEVEL overrides).
const code = await run(
  process.execPath,
  [
    `${root}/dist/server.mjs`,
    '--port',
    port,
    '--data',
    data,
    '--log-level',
    process.env.EDSEG_LOG_LEVEL ?? 'warn',
  ],
  { env: { ...process.env, EDSEG_ADMIN_TOKEN: process.env.EDSEG_ADMIN_TOKEN ?? 'e2e-admin-token' } },
);
cleanup();
process.exit(code);
