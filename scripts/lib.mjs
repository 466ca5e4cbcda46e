// Shared helpers for the project's scripts (no dependencies beyond Node 20).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/** Runs a command with inherited stdio; resolves with its exit code. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (e) => {
      console.error(e.message);
      resolve(1);
    });
  });
}

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Whether dist/ is older than any source that goes into it. */
export function buildIsStale() {
  const outputs = ['edseg.js', 'edseg.mjs', 'edseg.worker.js', 'privacy.mjs', 'server.mjs', 'admin.mjs'].map((f) =>
    join(root, 'dist', f),
  );
  if (!outputs.every(existsSync)) return true;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const sources = Math.max(
    newest(join(root, 'src')),
    newest(join(root, 'worker')),
    statSync(join(root, 'rollup.config.mjs')).mtimeMs,
    statSync(join(root, 'package.json')).mtimeMs,
  );
  return sources > built;
}

/** Builds dist/ with rollup (and the type declarations). */
export async function build() {
  const t0 = Date.now();
  const code = await run(process.execPath, [
    join(root, 'node_modules/rollup/dist/bin/rollup'),
    '-c',
    '--silent',
  ]);
  if (code !== 0) return code;
  const dts = await run(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  console.log(`built dist/ in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return dts;
}

export const CHROMIUM = process.env.EDSEG_CHROMIUM ?? '/usr/bin/chromium';

/** Makes sure Debian's Chromium is installed (the only browser the e2e tests use). */
export function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  if (process.getuid?.() !== 0) {
    console.error(
      `Chromium is missing at ${CHROMIUM}. Install it with: sudo apt-get install -y chromium (or set EDSEG_CHROMIUM).`,
    );
    return false;
  }
  console.log('Installing Debian chromium (apt-get)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  return r.status === 0 && existsSync(CHROMIUM);
}
