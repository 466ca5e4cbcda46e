// One driver abstraction over three engines, so that every scenario is the same code in each:
//   chromium  Playwright (playwright-core through @playwright/test) driving Debian's Chromium
//   firefox   puppeteer-core driving Debian's Firefox ESR over WebDriver BiDi
//   webkit    selenium-webdriver driving WebKitGTK's MiniBrowser through WebKitWebDriver, started
//             here under `xvfb-run -a` (MiniBrowser has no headless mode) in its own process group
// An engine gives sessions (a fresh profile or context each: nothing stored is shared between two
// scenarios); a session gives tabs; a tab navigates and evaluates a function's source with one
// JSON argument (`run`), awaiting the promise it returns. Nothing here intercepts requests or reads
// the console: the site's proxy (site.mjs) records the first, the pages record the second.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';
import puppeteer from 'puppeteer-core';
import { Builder } from 'selenium-webdriver';
import { CHROMIUM, FIREFOX, MINIBROWSER, WEBKIT_DRIVER, freePort, waitForUrl } from '../../scripts/lib.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];

const expression = (fn, arg) => `(${fn.toString()})(${JSON.stringify(arg ?? null)})`;

/**
 * Chromium's switches. Playwright's defaults turn the back/forward cache off (dropped here) and
 * list ThirdPartyStoragePartitioning among the features they disable: a later --disable-features
 * replaces that list (Chromium keeps the last value of a switch), so partitioning stays on, as in
 * a user's browser. GPC: Chromium sends it only when forced (GlobalPrivacyControlForce).
 */
function chromiumArgs(gpc) {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,MediaRouter,OptimizationHints,PaintHolding',
    ...(gpc ? ['--enable-features=GlobalPrivacyControl,GlobalPrivacyControlForce'] : []),
  ];
}

/** A tab over a Playwright or puppeteer page (the two APIs agree on what is used here). */
function cdpLikeTab(page) {
  return {
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    reload: async () => void (await page.reload({ waitUntil: 'load' })),
    run: (fn, arg) => page.evaluate(expression(fn, arg)),
    close: () => page.close(),
  };
}

function playwrightEngine(extraArgs = []) {
  const browsers = {};
  const launch = (gpc) =>
    (browsers[gpc ? 'gpc' : 'plain'] ??= chromium.launch({
      executablePath: CHROMIUM,
      args: [...chromiumArgs(gpc), ...extraArgs],
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
    }));
  return {
    name: 'chromium',
    gpc: true,
    async session({ gpc = false } = {}) {
      const context = await (await launch(gpc)).newContext();
      return {
        tab: async () => cdpLikeTab(await context.newPage()),
        close: () => context.close(),
      };
    },
    async stop() {
      for (const b of Object.values(browsers)) await (await b).close();
    },
  };
}

function puppeteerFirefoxEngine() {
  const browsers = {};
  const launch = (gpc) =>
    (browsers[gpc ? 'gpc' : 'plain'] ??= puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      extraPrefsFirefox: gpc ? { 'privacy.globalprivacycontrol.enabled': true } : {},
    }));
  return {
    name: 'firefox',
    gpc: true,
    async session({ gpc = false } = {}) {
      const context = await (await launch(gpc)).createBrowserContext();
      return {
        tab: async () => cdpLikeTab(await context.newPage()),
        close: () => context.close(),
      };
    },
    async stop() {
      for (const b of Object.values(browsers)) await (await b).close();
    },
  };
}

const ASYNC_WRAP = (expr) => `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => ${expr}).then(
  (v) => done({ ok: v === undefined ? null : v }),
  (e) => done({ error: String((e && e.stack) || e) }),
);`;

/** WebKitWebDriver under xvfb-run, detached into its own process group so that the whole group is killed. */
function seleniumWebkitEngine() {
  let driverProcess;
  let url;
  return {
    name: 'webkit',
    gpc: 'WebKitGTK has no setting or switch that sets navigator.globalPrivacyControl',
    async session() {
      if (!driverProcess) {
        const port = await freePort();
        driverProcess = spawn('xvfb-run', ['-a', WEBKIT_DRIVER, `--port=${port}`], {
          detached: true,
          stdio: 'ignore',
        });
        url = `http://127.0.0.1:${port}`;
        if (!(await waitForUrl(`${url}/status`, { child: driverProcess, ms: 30_000 })))
          throw new Error('WebKitWebDriver did not start');
      }
      const d = await new Builder()
        .usingServer(url)
        .withCapabilities({
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        })
        .build();
      await d.manage().setTimeouts({ script: 60_000, pageLoad: 30_000 });
      let current = await d.getWindowHandle();
      let first = true;
      const tabOf = (handle) => {
        const focus = async () => {
          if (current !== handle) await d.switchTo().window(handle);
          current = handle;
        };
        return {
          goto: async (u) => {
            await focus();
            await d.get(u);
          },
          reload: async () => {
            await focus();
            await d.navigate().refresh();
          },
          run: async (fn, arg) => {
            await focus();
            const r = await d.executeAsyncScript(ASYNC_WRAP(expression(fn, arg)));
            if (r && 'error' in r) throw new Error(r.error);
            return r?.ok;
          },
          close: async () => {
            await focus();
            await d.close();
          },
        };
      };
      return {
        async tab() {
          if (first) {
            first = false;
            return tabOf(current);
          }
          await d.switchTo().newWindow('tab');
          current = await d.getWindowHandle();
          return tabOf(current);
        },
        close: () => d.quit(),
      };
    },
    async stop() {
      if (driverProcess?.exitCode === null) {
        try {
          process.kill(-driverProcess.pid, 'SIGTERM');
        } catch {}
        await new Promise((r) => driverProcess.once('exit', r));
      }
    },
  };
}

/**
 * The engine named `name`; throws naming the binary that is missing. `chromiumArgs`: switches added
 * to Chromium's (the peers bench's --js-flags=--expose-gc and --enable-precise-memory-info).
 */
export function engine(name, { chromiumArgs: extra = [] } = {}) {
  const need = { chromium: [CHROMIUM], firefox: [FIREFOX], webkit: [WEBKIT_DRIVER, MINIBROWSER] }[name];
  if (!need) throw new Error(`unknown engine "${name}" (one of ${ENGINES.join(', ')})`);
  for (const f of need)
    if (!existsSync(f)) throw new Error(`${name}: ${f} is missing (npm test installs it)`);
  if (name === 'chromium') return playwrightEngine(extra);
  if (name === 'firefox') return puppeteerFirefoxEngine();
  return seleniumWebkitEngine();
}
