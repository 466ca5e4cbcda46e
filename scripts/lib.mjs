// Shared helpers for the project's scripts (no dependencies beyond Node 20).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/** A TCP port of 127.0.0.1 that was free a moment ago (the system's choice). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Asks `url` every 250 ms until it answers 2xx (true), `child` (a process that should serve it)
 * exits, or `ms` pass (false).
 */
export async function waitForUrl(url, { child, ms = 90_000 } = {}) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child && child.exitCode !== null) return false;
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

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
  const outputs = [
    ...[
      'edseg.js',
      'edseg.mjs',
      'edseg.worker.js',
      'privacy.mjs',
      'server.mjs',
      'science-worker.mjs',
      'admin.mjs',
      'edseg.d.ts',
    ].map((f) => join(root, 'dist', f)),
    join(root, 'packages/edseg/dist/edseg.mjs'),
    join(root, 'packages/server/dist/server.mjs'),
    join(root, 'packages/server/dist/science-worker.mjs'),
  ];
  if (!outputs.every(existsSync)) return true;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const sources = Math.max(
    newest(join(root, 'src')),
    newest(join(root, 'worker')),
    statSync(join(root, 'rollup.config.mjs')).mtimeMs,
    statSync(join(root, 'package.json')).mtimeMs,
    ...['edseg', 'server'].map((p) => statSync(join(root, 'packages', p, 'package.json')).mtimeMs),
  );
  return sources > built;
}

/** Builds dist/ and the two packages (scripts/build.mjs prints each step as it is done). */
export function build() {
  return run(process.execPath, [join(root, 'scripts/build.mjs')]);
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

export const FIREFOX = process.env.EDSEG_FIREFOX ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.EDSEG_WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER =
  process.env.EDSEG_MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/**
 * Makes sure the three engines of the cross-browser suite (test/browsers/) are installed from
 * Debian, as ensureChromium does for Chromium: firefox-esr, webkit2gtk-driver (WebKitWebDriver and
 * MiniBrowser), and xvfb with xauth for `xvfb-run` (MiniBrowser has no headless mode).
 */
export function ensureBrowsers() {
  if (!ensureChromium()) return false;
  const needs = [
    [FIREFOX, 'firefox-esr'],
    [WEBKIT_DRIVER, 'webkit2gtk-driver'],
    [MINIBROWSER, 'webkit2gtk-driver'],
    ['/usr/bin/xvfb-run', 'xvfb'],
    ['/usr/bin/Xvfb', 'xvfb'],
    ['/usr/bin/xauth', 'xauth'],
  ];
  const missing = [...new Set(needs.filter(([f]) => !existsSync(f)).map(([, pkg]) => pkg))];
  if (missing.length === 0) return true;
  if (process.getuid?.() !== 0) {
    console.error(
      `Browsers for the cross-browser tests are missing. Install them with: sudo apt-get install -y ${missing.join(' ')}`,
    );
    return false;
  }
  console.log(`Installing Debian ${missing.join(', ')} (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  return r.status === 0 && needs.every(([f]) => existsSync(f));
}
