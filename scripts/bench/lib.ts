// The one library of the benchmarks: the parts in scripts/bench/parts/ (npm run bench) and the server's
// in scripts/bench/server/ (npm run bench:server). Medians (core.ts, the same code the browser page
// runs), free ports, the reference server started as its own process, the Markdown tables every
// benchmark prints, ratios and number formats, and storePage: a page in Debian's Chromium that runs the
// worker's store code (worker/idb.ts and the pure core it needs) on a real IndexedDB. Everything runs
// under tsx (scripts/bench/run.mjs, `npx tsx scripts/bench/parts/<part>.mjs`, or npm run bench:server).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { CHROMIUM, freePort, root, waitForUrl } from '../lib.mjs';

export { demoEvent, median, medianMs, medianMsSync } from './core.js';
export { CHROMIUM, freePort, root };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A Markdown table: `head` the column names, `rows` arrays of cells; `align`, when given, a column's
 * alignment ('right' for figures), else every column's separator is `---`.
 */
export function markdownTable(
  head: string[],
  rows: (string | number)[][],
  align?: ('left' | 'right')[],
): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const rule = head.map((_, i) => (align?.[i] === 'right' ? '---:' : '---'));
  return [line(head), line(rule), ...rows.map(line)].join('\n');
}

/** Prints a titled Markdown table and the notes under it. */
export function printTable(title: string, head: string[], rows: (string | number)[][], notes: string[] = []) {
  console.log(`### ${title}\n`);
  console.log(markdownTable(head, rows));
  for (const n of notes) console.log(`\n${n}`);
  console.log('');
}

/** `a / b` as "1.23x" (or "-" when b is 0). */
export const ratio = (a: number, b: number) => (b === 0 ? '-' : `${(a / b).toFixed(2)}x`);

export const fmt = {
  ms: (x: number) => (x < 1 ? `${(x * 1000).toFixed(1)} us` : `${x.toFixed(2)} ms`),
  ratio: (x: number) => `${x.toFixed(2)}x`,
  /** rounded, with thousands separators: 12,345 */
  int: (x: number) => Math.round(x).toLocaleString('en-US'),
};

/** The reference server as its own process. stop(): SIGTERM (a graceful shutdown), resolves with the exit code. */
export type ServerProcess = { child: ChildProcess; url: string; stop(): Promise<number | null> };

/**
 * Runs `node <args>` in the repo's root (the server: `dist/server.mjs …` or `--import tsx
 * src/server/cli.ts …`, listening on `port` of 127.0.0.1) and resolves once GET /readyz answers 200
 * (listening and seeded). Throws, the child stopped, when it exits first or is not ready in time.
 */
export async function startServerProcess(
  args: string[],
  opts: { port: number; env?: NodeJS.ProcessEnv; stdio?: StdioOptions; timeoutMs?: number },
): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: opts.env ?? process.env,
    stdio: opts.stdio ?? 'ignore',
  });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${opts.port}`;
  const timeoutMs = opts.timeoutMs ?? 180_000;
  if (!(await waitForUrl(`${url}/readyz`, { child, ms: timeoutMs }))) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it was ready`);
    child.kill('SIGTERM');
    throw new Error(`the server was not ready within ${timeoutMs / 1000} s`);
  }
  return {
    child,
    url,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The worker's store and the pure core it needs, as one browser module exposed on `globalThis.bench`. */
const ENTRY = `
  export { IdbStore } from './worker/idb.ts';
  export { rollupDeltas, rollupEvents } from './src/core/rollup.ts';
  export { computeFeatures, rollupWindowDays } from './src/core/features.ts';
  export { vocabularyOf, minimise } from './src/core/minimise.ts';
  export { SEED_FEATURES } from './src/server/demo/features.ts';
  export { demoEvent, median, medianMs } from './scripts/bench/core.ts';
`;

/**
 * A Chromium page at a real origin (served by route, nothing listens) with `globalThis.bench` set to
 * the bundle above. (esbuild and Playwright load only for the parts that use it.)
 */
export async function storePage(): Promise<{ page: Page; close: () => Promise<void> }> {
  const [{ build }, { chromium }] = await Promise.all([import('esbuild'), import('playwright-core')]);
  const bundle = await build({
    stdin: { contents: ENTRY, resolveDir: root, loader: 'ts', sourcefile: 'bench-entry.ts' },
    bundle: true,
    format: 'iife',
    globalName: 'bench',
    platform: 'browser',
    write: false,
    logLevel: 'error',
  });
  const js = bundle.outputFiles[0]!.text;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const page = await browser.newPage();
  await page.route('http://bench.edseg.test/**', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><meta charset="utf-8"><script>${js.replace(/<\/script/g, '<\\/script')}</script>`,
    }),
  );
  await page.goto('http://bench.edseg.test/');
  return { page, close: () => browser.close() };
}

/** A page of the bench's host site: its content type and body. */
export type HostPage = { type: string; body: string | Buffer };

/** A part's own routes on the host site: true when it answered the request (path: its pathname). */
export type HostHandler = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

/**
 * The bench's host site on a free loopback port: a plain static server that serves `pages()` (read
 * at each request, so a part can set them once the server's keys are known) and the SDK's files
 * copied from dist/, as a site would, and passes /v1/ to the reference server at `upstream`, so the
 * pages are served over the network as a real site's are (a Playwright route would add its own delay).
 * `handle`, when given, is asked first about every request (the peers part answers its SDKs' routes).
 */
export async function startHostSite(
  upstream: string,
  pages: () => Record<string, HostPage>,
  handle?: HostHandler,
): Promise<{ base: string; close: () => void }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const host = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', base).pathname;
    if (handle?.(req, res, path)) return;
    if (path.startsWith('/v1/')) {
      const body =
        req.method === 'POST' ? await new Response(req as unknown as BodyInit).arrayBuffer() : undefined;
      const r = await fetch(upstream + req.url, {
        method: req.method ?? 'GET',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        ...(body ? { body } : {}),
      });
      res.writeHead(r.status, {
        'content-type': r.headers.get('content-type') ?? 'text/plain',
        'cache-control': 'no-cache',
      });
      res.end(Buffer.from(await r.arrayBuffer()));
      return;
    }
    const sdk = /^\/edseg\/(edseg\.js|edseg\.worker\.js)$/.exec(path);
    const page = sdk
      ? { type: 'text/javascript', body: readFileSync(join(root, 'dist', sdk[1]!)) }
      : pages()[path];
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': page.type, 'cache-control': 'no-cache' });
    res.end(page.body);
  });
  await new Promise<void>((r) => host.listen(port, '127.0.0.1', () => r()));
  return { base, close: () => void host.close() };
}
