/**
 * The script-tag entry:
 *   <script src="/edseg/edseg.js" data-site="…" data-manifest="URL" data-collector="URL" data-key='JWK-JSON'></script>
 * exposes the segmenter as `window.edseg`. Calls made before it loads, on a stub
 * (`window.edseg = { q: [] , track(...a) { this.q.push(['track', a]) }, … }`), are replayed in order;
 * a queued entry may carry [method, args, resolve, reject] to receive the call's result.
 * Optional: data-worker="URL" (a same-origin copy of edseg.worker.js, the way for strict-CSP pages;
 * default: edseg.worker.js beside this script, through a blob: bootstrap when that is another origin),
 * data-debug (prefixed console lines), data-activate="dataLayer" with data-activate-purposes="instruction,…"
 * (edseg/activate's dataLayer destination without code: activate.mjs, loaded from beside this script only then). A configuration that cannot start (no data-key, bad JSON, a
 * bad option) gives an inert segmenter that says why once on the console and in explain(): no host
 * call ever throws because loading failed. Without data-site, only `window.edseg.createSegmenter` is exposed.
 */
import { EdsegError } from '../core/errors.js';
import type { Segmenter } from '../core/protocol.js';
import { createSegmenter, segmenterFor } from './segmenter.js';

type Queued = [
  method: string,
  args: unknown[],
  resolve?: (v: unknown) => void,
  reject?: (e: unknown) => void,
];
type EdsegGlobal = Partial<Segmenter> & {
  q?: Queued[];
  createSegmenter: typeof createSegmenter;
  EdsegError: typeof EdsegError;
  version: string;
};

const w = window as unknown as { edseg?: { q?: Queued[] } };
const script = document.currentScript as HTMLScriptElement | null;
const queued: Queued[] = Array.isArray(w.edseg?.q) ? w.edseg.q : [];

/** data-key holds one JWK, an array of JWKs, or a JWKS ({ keys: [...] }). */
function parseKeys(raw: string | undefined): unknown[] {
  if (!raw)
    throw new EdsegError(
      'invalid-input',
      'edseg: the script tag needs data-key (the pinned public JWK)',
      'data-key',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new EdsegError('invalid-input', 'edseg: data-key is not JSON', 'data-key');
  }
  if (Array.isArray(parsed)) return parsed;
  if (parsed && typeof parsed === 'object' && Array.isArray((parsed as { keys?: unknown }).keys))
    return (parsed as { keys: unknown[] }).keys;
  return [parsed];
}

const api: EdsegGlobal = { createSegmenter, EdsegError, version: __EDSEG_VERSION__ };
const ds = script?.dataset;
if (ds?.site) {
  let seg: Segmenter;
  try {
    seg = createSegmenter({
      site: ds.site,
      manifestUrl: ds.manifest ?? '',
      collectorUrl: ds.collector ?? '',
      publicKeys: parseKeys(ds.key) as never,
      workerUrl: ds.worker ?? new URL('edseg.worker.js', script!.src).href,
      ...(ds.debug !== undefined && ds.debug !== 'false' ? { debug: true } : {}),
    });
  } catch (e) {
    const why = e instanceof EdsegError ? e : new EdsegError('invalid-input', String(e));
    seg = segmenterFor(
      { site: ds.site, manifestUrl: '', collectorUrl: '', publicKeys: [] },
      new EdsegError(why.code, `${why.message} (the script tag's data-* attributes)`, why.field),
    );
  }
  if (ds.activate !== undefined) {
    // Its own file, so the main-thread bundle stays as small without it.
    const url = new URL('activate.mjs', script!.src).href;
    const tag = ds.activate;
    (import(url) as Promise<typeof import('../activate/index.js')>).then(
      (m) => m.activateFromTag(seg, tag, ds.activatePurposes),
      (e) => console.warn(`[edseg] data-activate: ${url} did not load (${String(e)}); nothing is activated`),
    );
  }
  Object.assign(api, seg);
  for (const [method, args, resolve, reject] of queued) {
    try {
      const fn = (seg as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
      if (typeof fn !== 'function')
        throw new EdsegError('invalid-input', `edseg: unknown method "${method}"`, 'method');
      Promise.resolve(fn.apply(seg, args)).then(resolve, (e) => {
        if (reject) reject(e);
        else console.error(e);
      });
    } catch (e) {
      // One bad queued call does not stop the others.
      if (reject) reject(e);
      else console.error(e);
    }
  }
}
w.edseg = api as never;
