// The cross-browser suite's site: the built reference server (scripts/e2e-server.mjs, a fresh data
// folder) behind a loopback recording proxy (node:http). The proxy is the one place every engine's
// traffic passes, WebKit's classic WebDriver included, which can neither intercept requests nor
// read the console. It
//   - serves the suite's pages under /t/ (a host page with the built script tag, a second page of the
//     same site, a host on another origin, a cross-site iframe), each with a console capture;
//   - passes everything else (/edseg/, /v1/, /demo/) to the server and records each request;
//   - refuses every connection while `offline` is set (no engine's offline emulation is needed).
// The server's manifest lists both loopback names of the proxy: 127.0.0.1 and localhost are two
// sites of one machine, which the cross-origin and cross-site scenarios use.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { freePort, root, waitForUrl } from '../../scripts/lib.mjs';
import { generateKeyPairSync } from 'node:crypto';
import { DAY, testKey, testManifest } from '../fixtures/manifest.ts';

/** Records console lines and bfcache restores in the page; the SDK's queue stub, hooked. */
const HEAD = `window.__console = [];
for (const k of ['log', 'info', 'warn', 'error']) {
  const f = console[k].bind(console);
  console[k] = (...a) => { window.__console.push(k + ' ' + a.map(String).join(' ')); f(...a); };
}
window.__errors = []; window.__segs = []; window.__shows = [];
addEventListener('error', (e) => window.__console.push('pageerror ' + e.message));
addEventListener('pageshow', (e) => window.__shows.push(e.persisted));
window.edseg = window.edseg || { q: [],
  track(...a) { this.q.push(['track', a]) }, declare(...a) { this.q.push(['declare', a]) },
  setConsent(...a) { return new Promise((res, rej) => this.q.push(['setConsent', a, res, rej])) },
  on(...a) { this.q.push(['on', a]) } };
window.edseg.on('segments', (s) => window.__segs.push(s));
window.edseg.on('error', (e) => window.__errors.push(e.code));`;

/** Answers the top page's calls (an async function body and an argument) inside a cross-site frame. */
const FRAME_RPC = `addEventListener('message', async (e) => {
  const { id, body, arg } = e.data ?? {};
  if (typeof id !== 'number') return;
  try {
    const value = await new (Object.getPrototypeOf(async function () {}).constructor)('arg', body)(arg);
    e.source.postMessage({ id, value }, e.origin);
  } catch (err) { e.source.postMessage({ id, error: String(err) }, e.origin); }
});`;

/** The top page's side: window.__frameCall(body, arg) runs `body` in the frame and resolves with its value. */
const TOP_RPC = `window.__frameCall = (body, arg) => new Promise((resolve, reject) => {
  const id = (window.__rpc = (window.__rpc ?? 0) + 1);
  const on = (e) => {
    if (e.data?.id !== id) return;
    removeEventListener('message', on);
    if ('error' in e.data) reject(new Error(e.data.error)); else resolve(e.data.value);
  };
  addEventListener('message', on);
  document.querySelector('iframe').contentWindow.postMessage({ id, body, arg }, '*');
});`;

const page = (title, head, body) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><script>${HEAD}</script>${head}</head><body>${body}</body></html>`;

/** The built script tag: the SDK served from `cdn` ('' for the page's own origin). */
const scriptTag = (cdn, jwks) =>
  `<script src="${cdn}/edseg/edseg.js" data-site="lingua-kids" data-manifest="${cdn}/v1/sites/lingua-kids/manifest"
  data-collector="${cdn}/v1/reports" data-key='${jwks}'></script>`;

/**
 * Starts the server and the proxy. Returns the two origins of the proxy (`site`: 127.0.0.1,
 * `other`: localhost) and a third the manifest does not list (`unlisted`: 127.0.0.2, a loopback
 * address too), the recorded requests, the offline switch and `close()`.
 */
export async function startSite() {
  const serverPort = await freePort();
  const port = await freePort();
  const site = `http://127.0.0.1:${port}`;
  const other = `http://localhost:${port}`;
  const unlisted = `http://127.0.0.2:${port}`;
  const upstream = `http://127.0.0.1:${serverPort}`;
  const server = spawn(process.execPath, [`${root}/scripts/e2e-server.mjs`, String(serverPort)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true, // its own process group: the server it starts goes with it
    env: { ...process.env, EDSEG_ORIGINS: `${site},${other}` },
  });
  const close = async () => {
    for (const p of [proxy, proxy2]) {
      p.closeAllConnections?.();
      await new Promise((r) => p.close(() => r(undefined)));
    }
    if (server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {}
      await new Promise((r) => server.once('exit', r));
    }
  };
  const state = {
    offline: false,
    /** while set, manifest requests wait for it before they are passed on (the early-release scenario) */
    holdManifest: /** @type {Promise<void> | null} */ (null),
    seen: /** @type {{method: string, path: string, status: number, body: string}[]} */ ([]),
  };
  let pages = {};
  const handle = async (req, res) => {
    if (state.offline) {
      req.socket.destroy();
      return;
    }
    const host = req.headers.host ?? '';
    const path = new URL(req.url ?? '/', `http://${host}`).pathname;
    if (state.holdManifest && path.endsWith('/manifest')) await state.holdManifest;
    const own = pages[path];
    if (own) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(own);
      return;
    }
    const body = ['GET', 'HEAD'].includes(req.method ?? 'GET')
      ? undefined
      : Buffer.from(await new Response(req).arrayBuffer());
    const headers = {};
    for (const [k, v] of Object.entries(req.headers))
      if (!['host', 'connection', 'content-length', 'accept-encoding'].includes(k) && typeof v === 'string')
        headers[k] = v;
    try {
      const r = await fetch(upstream + req.url, { method: req.method, headers, body, redirect: 'manual' });
      const out = Buffer.from(await r.arrayBuffer());
      state.seen.push({ method: req.method ?? 'GET', path, status: r.status, body: body?.toString() ?? '' });
      const h = {};
      r.headers.forEach((v, k) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) h[k] = v;
      });
      res.writeHead(r.status, h);
      res.end(out);
    } catch (e) {
      res.writeHead(502).end(String(e));
    }
  };
  const proxy = createServer(handle);
  const proxy2 = createServer(handle);
  await new Promise((r) => proxy.listen(port, '127.0.0.1', () => r(undefined)));
  await new Promise((r) => proxy2.listen(port, '127.0.0.2', () => r(undefined)));
  if (!(await waitForUrl(`${upstream}/v1/keys`, { child: server, ms: 90_000 }))) {
    await close();
    throw new Error('the e2e server did not start (is dist/ built? npm run build)');
  }
  const jwks = JSON.stringify(await (await fetch(`${upstream}/v1/keys`)).json());
  // The setup mistakes the SDK warns of: a key that did not sign the manifest, an expired manifest
  // (signed by a key of the test's own, which that page pins, and served by the proxy).
  const retired = {
    ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
    kid: 'retired-key',
  };
  const signer = await testKey('expired-test');
  const now = Date.now();
  const expiredJws = await signer.sign({
    ...testManifest({ site: { id: 'lingua-kids', origins: [site] } }, now - 7 * DAY),
    expiresAt: new Date(now - DAY).toISOString(),
  });
  pages = {
    '/t/a.html': page('a', scriptTag('', jwks), '<p id="page">a</p><a id="next" href="/t/b.html">next</a>'),
    '/t/b.html': page('b', scriptTag('', jwks), '<p id="page">b</p>'),
    // on `other`, the script from `site`: the worker starts through the blob: bootstrap
    '/t/xo.html': page('xo', scriptTag(site, jwks), '<p>cross-origin script tag</p>'),
    '/t/frame.html': page('frame', `${scriptTag('', jwks)}<script>${FRAME_RPC}</script>`, 'frame'),
    '/t/top.html': page('top', `<script>${TOP_RPC}</script>`, `<iframe src="${site}/t/frame.html"></iframe>`),
    '/t/key.html': page('key', scriptTag('', JSON.stringify([retired])), '<p>a retired key pinned</p>'),
    '/t/expired.html': page(
      'expired',
      scriptTag('', JSON.stringify([signer.publicJwk])).replace(
        '/v1/sites/lingua-kids/manifest',
        '/t/expired/manifest',
      ),
      '<p>an expired manifest</p>',
    ),
    '/t/expired/manifest': expiredJws,
  };
  return {
    site,
    other,
    unlisted,
    state,
    /** The collector's POSTs recorded since `from` (an index into state.seen). */
    reportPosts: (from = 0) =>
      state.seen.slice(from).filter((s) => s.method === 'POST' && s.path === '/v1/reports'),
    close,
  };
}
