// The pages of the `peers` bench part: one per subject (the empty-worker echo, edseg's script tag, each
// peer's bundle), every one starting with the same harness, an inline script run before anything else:
//   - a guard: fetch, XMLHttpRequest, sendBeacon, WebSocket, EventSource and the src/href of script,
//     img, iframe and link elements refuse any URL that is not loopback and record it in
//     `window.__escaped` (the part fails on any; Resource Timing is checked too, at the end);
//   - the heap at the page's start (Chromium only, where the part exposes gc() and precise
//     performance.memory; elsewhere the heap is not measured, and the table says n/a);
//   - `window.__calls(N)`: N calls of `window.__track(i)` timed as one loop: µs a call (the part
//     reads the main thread's CPU time around it until the page is idle: cpu.mjs);
//   - `window.__offLoopback()`: every URL the page refused or loaded off loopback (Resource Timing);
//   - `window.__heapGrowth()`: the heap after gc() over the heap at the page's start (null: n/a).
// `window.__prepare`, when a page sets it, runs before (edseg: ready, then consent to store).

/** The harness (see above), as an inline script's text. */
export function harness() {
  return `(() => {
const local = (u) => {
  try {
    const h = new URL(String(u), location.href);
    return h.protocol === 'data:' || h.protocol === 'blob:' || h.hostname === '127.0.0.1' || h.hostname === 'localhost';
  } catch { return true; }
};
window.__escaped = [];
const check = (u) => { if (local(u)) return true; window.__escaped.push(String(u)); return false; };
const f = window.fetch;
window.fetch = function (input, init) {
  const u = typeof input === 'string' || input instanceof URL ? input : input.url;
  return check(u) ? f.call(this, input, init) : Promise.reject(new TypeError('bench: not loopback: ' + u));
};
const open = XMLHttpRequest.prototype.open;
XMLHttpRequest.prototype.open = function (m, u, ...r) {
  if (!check(u)) throw new TypeError('bench: not loopback: ' + u);
  return open.call(this, m, u, ...r);
};
if (navigator.sendBeacon) {
  const b = Navigator.prototype.sendBeacon;
  Navigator.prototype.sendBeacon = function (u, d) { return check(u) ? b.call(this, u, d) : false; };
}
for (const C of ['WebSocket', 'EventSource']) {
  const K = window[C];
  if (K) window[C] = class extends K { constructor(u, ...r) { if (!check(u)) throw new TypeError('bench: not loopback: ' + u); super(u, ...r); } };
}
for (const [C, a] of [['HTMLScriptElement', 'src'], ['HTMLImageElement', 'src'], ['HTMLIFrameElement', 'src'], ['HTMLLinkElement', 'href']]) {
  const d = Object.getOwnPropertyDescriptor(window[C].prototype, a);
  Object.defineProperty(window[C].prototype, a, { ...d, set(v) { if (check(v)) d.set.call(this, v); } });
}
const sa = Element.prototype.setAttribute;
Element.prototype.setAttribute = function (n, v) {
  if ((n === 'src' || n === 'href') && this.tagName !== 'A' && !check(v)) return;
  return sa.call(this, n, v);
};
const heap = () => { if (typeof window.gc !== 'function' || !performance.memory) return null; window.gc(); return performance.memory.usedJSHeapSize; };
window.__heap0 = heap();
window.__calls = async (N) => {
  const track = window.__track;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) track(i);
  return ((performance.now() - t0) / N) * 1000;
};
window.__offLoopback = () => [
  ...window.__escaped,
  ...performance.getEntriesByType('resource').map((e) => e.name).filter((u) => !local(u)),
];
window.__heapGrowth = () => { const h = heap(); return h === null || window.__heap0 === null ? null : h - window.__heap0; };
})();`;
}

const head = (scripts) =>
  `<!doctype html><html><head><meta charset="utf-8"><script>${harness()}</script>${scripts}</head><body>bench</body></html>`;

/** The empty-worker echo: "ready" at the worker's first answer; track() a plain postMessage of the event. */
export const echoPage = () =>
  head(`<script>
const w = new Worker('/bench/echo.worker.js');
w.onmessage = () => { window.__first ??= performance.now(); w.onmessage = null; };
w.postMessage('hello');
window.__track = (i) => w.postMessage({ type: 'practice_session', props: { minutes: 1 + (i % 5), items: 3 }, ts: Date.now() });
</script>`);

export const ECHO_WORKER = 'self.onmessage = (e) => self.postMessage(e.data);';

/**
 * edseg's script tag from dist/, as the main-thread part embeds it: ready at the first `segments`
 * event; before the calls, consent to store (so that every event is minimised, stored and assigned).
 */
export const edsegPage = (jwks) =>
  head(`<script>
window.edseg = { q: [], on(...a) { this.q.push(['on', a]) } };
window.edseg.on('segments', () => { window.__first ??= performance.now(); });
window.__track = (i) => window.edseg.track('practice_session', { minutes: 1 + (i % 5), items: 3 });
window.__prepare = async () => {
  await window.edseg.ready;
  await window.edseg.setConsent({ ageBand: 'adult', self: { purposes: ['instruction', 'analytics'] } });
};
</script>
<script src="/edseg/edseg.js" data-site="lingua-kids" data-manifest="/v1/sites/lingua-kids/manifest"
  data-collector="/v1/reports" data-key='${jwks}'></script>`);

/** A peer's bundle, as a module script. */
export const peerPage = (name) => head(`<script type="module" src="/peer/${name}/js/main.js"></script>`);
