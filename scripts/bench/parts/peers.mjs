// edseg beside the SDKs edtech sites already embed (issue 24 point 3), in every engine of the
// cross-browser suite (Chromium through Playwright, Firefox ESR through puppeteer-core over WebDriver
// BiDi, WebKitGTK's MiniBrowser through selenium-webdriver under xvfb-run: test/browsers/drivers.mjs),
// in the same run: Snowplow, Segment, RudderStack, Amplitude and PostHog, each bundled as an app ships
// it (../peers/sdks.mjs), edseg's built script tag against the built reference server, and a plain
// postMessage to an empty worker as the baseline. Per engine, after one cold load of every page,
// ROUNDS interleaved rounds (every subject once a round, in turn); the medians:
//   - bytes: gzip -9 of every script file the page loaded (edseg: edseg.js + edseg.worker.js)
//   - navigation to ready: edseg's first `segments` event; a peer's documented ready callback or
//     promise (PEERS[name].ready); the echo's first answer
//   - track() per call: 1,000 calls timed as one loop, over 1,000
//   - busy for 1,000 calls: the CPU time of the page's main thread from just before the calls until
//     it is idle (../peers/cpu.mjs: /proc schedstat of the engine's content processes; at least 3.2 s,
//     so that the SDKs' batch timers fire, then until a second with under 10 ms of CPU; at most 60 s);
//     CPU time, not wall time, so that the machine's other load does not count
//   - heap growth: Chromium's JS heap after the calls and a gc() over the page's start; n/a elsewhere
// Every request must stay on loopback (the pages refuse and record any other, ../peers/page.mjs) and
// every route a peer calls must be one the bench answers on purpose (sdks.mjs's answer()): the part
// fails otherwise. Every page load and every measurement has a time limit.
// Needs `npm run build` first. Run: npm run bench -- peers, or
// npx tsx scripts/bench/parts/peers.mjs [chromium firefox webkit] (BENCH_ROUNDS=N for fewer rounds).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ENGINES, engine } from '../../../test/browsers/drivers.mjs';
import { freePort, markdownTable, root, sleep, startHostSite, startServerProcess } from '../lib.ts';
import { peersTable, summarise } from '../peers/core.ts';
import { cpuUntilIdle } from '../peers/cpu.mjs';
import { ECHO_WORKER, echoPage, edsegPage, peerPage } from '../peers/page.mjs';
import { PEERS, answer, bundlePeers } from '../peers/sdks.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const N = 1000;
/** The time limit of one page load (navigation to ready). */
const LOAD_MS = 30_000;
const engines = process.argv.slice(2).length ? process.argv.slice(2) : ENGINES;

for (const f of ['edseg.js', 'edseg.worker.js', 'server.mjs'])
  if (!existsSync(join(root, 'dist', f))) {
    console.error(`peers bench: dist/${f} is missing; run npm run build first`);
    process.exit(1);
  }

const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const version = (pkg) =>
  JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const work = mkdtempSync(join(tmpdir(), 'edseg-bench-peers-'));
const data = join(work, 'data');
/** name → the files of its bundle (bundled below, once the cleanup is in place) */
let files = {};

/** What the bench saw on the wire: the bundle files each peer's page loaded, and any unanswered route. */
const loaded = Object.fromEntries(Object.keys(PEERS).map((n) => [n, new Set()]));
const unanswered = new Set();
/** What a reader of the tables should know (a figure cut at its time limit) */
const notes = new Set();
function handle(req, res, path) {
  const m = /^\/peer\/([a-z]+)(\/.*)?$/.exec(path);
  if (!m) return false;
  req.resume();
  const [, name, route = '/'] = m;
  const file = route.startsWith('/js/') ? route.slice(4) : null;
  const a =
    file !== null
      ? files[name]?.includes(file) && {
          type: 'text/javascript',
          body: readFileSync(join(work, 'bundles', name, file)),
        }
      : PEERS[name] && answer(name, route, req.headers.host);
  if (!a) {
    unanswered.add(`${req.method} ${path}`);
    res.writeHead(404).end();
    return true;
  }
  if (file !== null) loaded[name].add(file);
  res.writeHead(200, { 'content-type': a.type, 'cache-control': 'no-cache' });
  res.end(a.body);
  return true;
}

const serverPort = await freePort();
const upstream = `http://127.0.0.1:${serverPort}`;
let pages = {};
const host = await startHostSite(upstream, () => pages, handle);
const base = host.base;

const SUBJECTS = [
  { id: 'echo', label: 'plain postMessage, empty worker (baseline)', path: '/bench/echo.html' },
  { id: 'edseg', label: 'edseg (script tag + worker, dist/)', path: '/bench/edseg.html' },
  ...Object.entries(PEERS).map(([id, p]) => ({
    id,
    label: `${id} (${p.pkg} ${version(p.pkg)})`,
    path: `/bench/${id}.html`,
  })),
];

/** `promise`, or a rejection naming `what` after `ms`. */
function limit(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

/** Navigates to the subject's page; its navigation-to-ready time (ms), within LOAD_MS. */
async function load(tab, subject) {
  const until = Date.now() + LOAD_MS;
  await limit(tab.goto(base + subject.path), LOAD_MS, `${subject.id}: load`);
  while (Date.now() < until) {
    const t = await limit(
      tab.run(() => window.__first ?? null),
      LOAD_MS,
      `${subject.id}: ready`,
    ).catch(() => null);
    if (typeof t === 'number') return t;
    await sleep(20);
  }
  throw new Error(`${subject.id}: not ready within ${LOAD_MS / 1000} s`);
}

/** One engine: a cold load of every page, then ROUNDS interleaved rounds; its table (or throws). */
async function measureEngine(name, escaped) {
  const e = engine(name, { chromiumArgs: ['--js-flags=--expose-gc', '--enable-precise-memory-info'] });
  let session;
  try {
    session = await limit(e.session(), 60_000, `${name}: session`);
    let tab = await session.tab();
    const rounds = Object.fromEntries(SUBJECTS.map((s) => [s.id, []]));
    const failed = {};
    for (const s of SUBJECTS) await load(tab, s).catch((err) => (failed[s.id] = err.message));
    for (let r = 0; r < ROUNDS; r++)
      for (const s of SUBJECTS) {
        if (failed[s.id]) continue;
        try {
          // a new tab for every page: nothing of the last one (its back/forward cache entry) is left
          const next = await limit(session.tab(), LOAD_MS, 'a new tab');
          await limit(tab.close(), LOAD_MS, 'closing a tab');
          tab = next;
          const readyMs = await load(tab, s);
          await limit(
            tab.run(() => window.__prepare?.()),
            LOAD_MS,
            `${s.id}: prepare`,
          );
          const {
            result: perCallUs,
            cpuMs,
            idle,
          } = await cpuUntilIdle(() =>
            limit(
              tab.run((n) => window.__calls(n), N),
              120_000,
              `${s.id}: ${N} calls`,
            ),
          );
          if (!idle)
            notes.add(`${name} ${s.id}: still busy 60 s after the calls (its busy time is cut there)`);
          const heapBytes = await limit(
            tab.run(() => window.__heapGrowth()),
            LOAD_MS,
            `${s.id}: heap`,
          );
          const off = await limit(
            tab.run(() => window.__offLoopback()),
            LOAD_MS,
            `${s.id}: requests`,
          );
          for (const u of off) escaped.add(`${name} ${s.id}: ${u}`);
          rounds[s.id].push({ readyMs, perCallUs, busyMs: cpuMs, heapBytes });
        } catch (err) {
          failed[s.id] = String(err?.message ?? err).split('\n')[0];
        }
        console.error(
          `peers bench: ${name} round ${r + 1}/${ROUNDS} ${s.id}${failed[s.id] ? ' failed' : ''}`,
        );
      }
    if (failed.echo) throw new Error(`the baseline failed: ${failed.echo}`);
    const bytes = (id) =>
      id === 'echo'
        ? null
        : id === 'edseg'
          ? ['edseg.js', 'edseg.worker.js'].reduce((n, f) => n + gz(readFileSync(join(root, 'dist', f))), 0)
          : [...loaded[id]].reduce((n, f) => n + gz(readFileSync(join(work, 'bundles', id, f))), 0);
    const ok = SUBJECTS.filter((s) => !failed[s.id]);
    const table = peersTable(
      ok.map((s) => ({ label: s.label, bytes: bytes(s.id), summary: summarise(rounds[s.id]) })),
      summarise(rounds.echo),
    );
    const failures = SUBJECTS.filter((s) => failed[s.id]).map((s) => `${s.id}: ${failed[s.id]}`);
    return { table, failures };
  } finally {
    await session?.close().catch(() => {});
    await e.stop().catch(() => {});
  }
}

const problems = [];
try {
  console.error('peers bench: bundling the peers (rollup: node-resolve, commonjs, terser) ...');
  files = await bundlePeers(join(work, 'bundles'), root);
  const server = await startServerProcess(
    [join(root, 'dist/server.mjs'), '--port', String(serverPort), '--data', data],
    {
      port: serverPort,
      env: { ...process.env, EDSEG_ADMIN_TOKEN: 'bench-token', EDSEG_ORIGINS: base },
      timeoutMs: 90_000,
    },
  );
  try {
    const jwks = JSON.stringify(await (await fetch(`${upstream}/v1/keys`)).json());
    pages = {
      '/bench/echo.html': { type: 'text/html', body: echoPage() },
      '/bench/echo.worker.js': { type: 'text/javascript', body: ECHO_WORKER },
      '/bench/edseg.html': { type: 'text/html', body: edsegPage(jwks) },
      ...Object.fromEntries(
        Object.keys(PEERS).map((n) => [`/bench/${n}.html`, { type: 'text/html', body: peerPage(n) }]),
      ),
    };
    console.log(
      `edseg beside the peers, per engine; ${N} track() calls a round, medians of ${ROUNDS} interleaved rounds after a cold load; every request on loopback\n`,
    );
    console.log(
      markdownTable(
        ['peer', 'package', 'ready'],
        Object.entries(PEERS).map(([n, p]) => [n, `${p.pkg} ${version(p.pkg)}`, p.ready]),
      ),
    );
    for (const name of engines) {
      const escaped = new Set();
      try {
        const { table, failures } = await measureEngine(name, escaped);
        console.log(`\n### ${name}\n\n${table}`);
        for (const f of failures) problems.push(`${name}: ${f}`);
      } catch (err) {
        problems.push(`${name}: ${String(err?.message ?? err).split('\n')[0]}`);
      }
      for (const u of escaped) problems.push(`a request left loopback: ${u}`);
    }
  } finally {
    await server.stop();
  }
} finally {
  host.close();
  rmSync(work, { recursive: true, force: true });
}
for (const u of unanswered) problems.push(`a route the bench does not answer: ${u}`);
for (const n of notes) console.log(`\nnote: ${n}`);
if (problems.length) console.log(`\nfailed:\n${problems.map((p) => `- ${p}`).join('\n')}`);
process.exit(problems.length ? 1 : 0);
