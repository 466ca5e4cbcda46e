// `npm test`'s "examples" step (or `node scripts/examples.mjs [name...]`): each app in examples/ installed as a
// user would, with edseg from the packed tarball (not the registry), built, served from its own origin, and
// driven in Chromium against the reference server: the page must be told released segments. The Vite
// example's dev server is driven too (the worker must load there, not 404 under /.vite/deps/).
// Installs go to .cache/examples/<name> (node_modules kept between runs; downloads from npm's own cache, --prefer-offline).
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { CHROMIUM, freePort, root, run, waitForUrl } from './lib.mjs';
import { pack } from './pack.mjs';

const ALL = ['script-tag', 'vite', 'webpack', 'react', 'next'];
const wanted = process.argv.slice(2).filter((a) => ALL.includes(a));
const names = wanted.length ? wanted : ALL;
const cache = join(root, '.cache');
const vite = join(root, 'node_modules/vite/bin/vite.js');
const children = [];

/** Starts a long-running child (killed at the end); resolves once `url` answers. */
async function serve(cmd, args, opts, url, what) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  children.push(child);
  if (await waitForUrl(url, { child })) return child;
  throw new Error(`${what} did not answer at ${url}:\n${output}`);
}

/** Opens the page and waits for released segments in #segments (the example's `segments` listener). */
async function drive(browser, url) {
  const page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  try {
    await page.goto(url);
    // An early `segments` event may carry [] (before consent or the manifest); wait for one that releases.
    const released = () => {
      const out = document.querySelector('#segments[data-state="received"]');
      const text = out?.textContent?.trim() ?? '';
      return text !== '' && text !== 'none';
    };
    try {
      await page.waitForFunction(released, null, { timeout: 30_000 });
    } catch {
      const now = (await page.locator('#segments').getAttribute('data-state')) ?? '?';
      const text = (await page.locator('#segments').textContent())?.trim();
      throw new Error(`no segments released in 30 s (state ${now}, "${text}")`);
    }
    return (await page.locator('#segments').textContent())?.trim() ?? '';
  } catch (e) {
    throw new Error(
      `${url}: ${e instanceof Error ? e.message.split('\n')[0] : e}\n  ${problems.join('\n  ')}`,
    );
  } finally {
    await page.close();
  }
}

const failures = [];
const results = [];
const t0 = Date.now();
try {
  const { tarball } = pack('packages/edseg');
  const pagePorts = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await freePort()])));
  const devPort = await freePort();
  const serverPort = await freePort();
  const server = `http://127.0.0.1:${serverPort}`;
  const origins = [...Object.values(pagePorts), devPort].map((p) => `http://127.0.0.1:${p}`);
  const data = mkdtempSync(join(tmpdir(), 'edseg-examples-'));
  await serve(
    process.execPath,
    [join(root, 'packages/server/bin/edseg-server.mjs'), '--port', String(serverPort), '--data', data],
    { env: { ...process.env, EDSEG_ORIGINS: origins.join(','), EDSEG_ADMIN_TOKEN: 'examples-token' } },
    `${server}/v1/keys`,
    'edseg-server',
  );
  const key = JSON.stringify((await (await fetch(`${server}/v1/keys`)).json()).keys[0]);
  const env = {
    ...process.env,
    EDSEG_SERVER: server,
    EDSEG_KEY: key,
    VITE_EDSEG_SERVER: server,
    VITE_EDSEG_KEY: key,
  };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    for (const name of names) {
      const t1 = Date.now();
      const dir = join(cache, 'examples', name);
      // The example's own files, over the cached install (node_modules kept, the build redone).
      rmSync(join(dir, 'dist'), { recursive: true, force: true });
      cpSync(join(root, 'examples', name), dir, {
        recursive: true,
        filter: (p) => !/\/(node_modules|dist|\.next)(\/|$)/.test(p),
      });
      const pkgFile = join(dir, 'package.json');
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
      pkg.dependencies.edseg = `file:${tarball}`;
      writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
      const npm = (args) => run('npm', args, { cwd: dir, env });
      if (await npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'])) {
        failures.push(`${name}: npm install failed`);
        continue;
      }
      if (await npm(['run', 'build', '--silent'])) {
        failures.push(`${name}: build failed`);
        continue;
      }
      const port = pagePorts[name];
      // Static builds are served by `vite preview`; the Next.js app by its own server (server-side rendering).
      const serveArgs =
        name === 'next'
          ? [join(dir, 'node_modules/next/dist/bin/next'), 'start', '-p', String(port), '-H', '127.0.0.1']
          : [
              vite,
              'preview',
              '--outDir',
              'dist',
              '--port',
              String(port),
              '--strictPort',
              '--host',
              '127.0.0.1',
            ];
      await serve(
        process.execPath,
        serveArgs,
        { cwd: dir, env },
        `http://127.0.0.1:${port}/`,
        `${name} preview`,
      );
      try {
        const got = await drive(browser, `http://127.0.0.1:${port}/`);
        results.push(
          `ok   ${name.padEnd(10)} built and driven: segments "${got}" (${((Date.now() - t1) / 1000).toFixed(1)} s)`,
        );
      } catch (e) {
        failures.push(`${name}: ${e.message}`);
      }
      if (name === 'vite') {
        await serve(
          process.execPath,
          [
            join(dir, 'node_modules/vite/bin/vite.js'),
            '--port',
            String(devPort),
            '--strictPort',
            '--host',
            '127.0.0.1',
          ],
          { cwd: dir, env },
          `http://127.0.0.1:${devPort}/`,
          'vite dev server',
        );
        try {
          const got = await drive(browser, `http://127.0.0.1:${devPort}/`);
          results.push(`ok   vite dev   dev server driven: segments "${got}"`);
        } catch (e) {
          failures.push(`vite dev server: ${e.message}`);
        }
      }
    }
  } finally {
    await browser.close();
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(data, { recursive: true, force: true });
  }
} catch (e) {
  failures.push(e instanceof Error ? e.message : String(e));
  for (const c of children) c.kill('SIGTERM');
}
writeFileSync(
  join(cache, 'examples-results.json'),
  JSON.stringify({ passed: results.length, failed: failures.length }),
);
console.log(results.join('\n'));
if (failures.length) console.error(failures.map((f) => `FAIL ${f}`).join('\n'));
console.log(
  `examples: ${results.length} driven, ${failures.length} failed (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
);
process.exit(failures.length ? 1 : 0);
