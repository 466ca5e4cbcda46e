// The peers of the `peers` bench part (issue 24 point 3): the SDKs edtech sites already embed, each as
// the minimal page an app would ship (an ES module entry bundled with rollup: node-resolve, commonjs,
// terser), its hosts all set to the bench's own loopback site under /peer/<name>/, and what that site
// answers on every route the SDK calls (settings/config, batch/track), as the vendor's server would.
// Every entry sets `window.__track(i)` (one track call of the i-th event) and records
// `window.__first` (performance.now()) at the SDK's documented ready callback or promise.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import replace from '@rollup/plugin-replace';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';

/** The event every subject tracks, the same as the main-thread part's. */
const PROPS = 'const props = (i) => ({ minutes: 1 + (i % 5), items: 3 });';
const FIRST = 'const first = () => { window.__first ??= performance.now(); };';
const BASE = "const base = location.origin + '/peer/NAME';";

/**
 * name → its npm package, the entry module (what the page runs) and what "ready" is. The options
 * only point each SDK's hosts at the loopback site (and, for RudderStack, keep it from fetching a
 * polyfill from its CDN); everything else is the SDK's default.
 */
export const PEERS = {
  snowplow: {
    pkg: '@snowplow/browser-tracker',
    ready: 'newTracker() returned (it has no ready callback)',
    entry: `import { newTracker, trackSelfDescribingEvent } from '@snowplow/browser-tracker';
const schema = 'iglu:org.edseg.bench/practice_session/jsonschema/1-0-0';
window.__track = (i) => trackSelfDescribingEvent({ event: { schema, data: props(i) } });
if (newTracker('sp', base, { appId: 'bench' })) first();`,
  },
  segment: {
    pkg: '@segment/analytics-next',
    ready: 'the AnalyticsBrowser.load() promise',
    entry: `import { AnalyticsBrowser } from '@segment/analytics-next';
const analytics = AnalyticsBrowser.load({ writeKey: 'bench-key', cdnURL: base + '/cdn' });
analytics.then(first);
window.__track = (i) => analytics.track('practice_session', props(i));`,
  },
  rudderstack: {
    pkg: '@rudderstack/analytics-js',
    ready: 'rudderanalytics.ready(callback)',
    entry: `import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';
const rudder = new RudderAnalytics();
rudder.load('bench-key', base + '/dp', {
  configUrl: base + '/config',
  destSDKBaseURL: base + '/dest',
  pluginsSDKBaseURL: base + '/plugins',
  polyfillIfRequired: false,
  logLevel: 'ERROR',
});
rudder.ready(first);
window.__track = (i) => rudder.track('practice_session', props(i));`,
  },
  amplitude: {
    pkg: '@amplitude/analytics-browser',
    ready: 'the init().promise',
    entry: `import * as amplitude from '@amplitude/analytics-browser';
amplitude.init('bench-key', { serverUrl: base + '/2/httpapi', fetchRemoteConfig: false }).promise.then(first);
window.__track = (i) => amplitude.track('practice_session', props(i));`,
  },
  posthog: {
    pkg: 'posthog-js',
    ready: 'the loaded(posthog) callback of init()',
    entry: `import posthog from 'posthog-js';
posthog.init('phc_bench', { api_host: base, ui_host: base, loaded: first });
window.__track = (i) => posthog.capture('practice_session', props(i));`,
  },
};

const json = (body) => ({ type: 'application/json', body: JSON.stringify(body) });

/**
 * What the loopback site answers for `route` (the path under /peer/<name>/, the query left out) of
 * peer `name`, as the vendor's server would; undefined for a route the bench does not know (the
 * part then fails: every request a peer makes must be answered on purpose).
 */
export function answer(name, route, host) {
  if (name === 'snowplow' && route === '/com.snowplowanalytics.snowplow/tp2')
    return { type: 'text/plain', body: '' };
  if (name === 'segment') {
    if (/^\/cdn\/v1\/projects\/bench-key\/settings$/.test(route))
      return json({
        integrations: {
          'Segment.io': { apiKey: 'bench-key', apiHost: `${host}/peer/segment/api/v1`, protocol: 'http' },
        },
        plan: { track: { __default: { enabled: true, integrations: {} } } },
        metrics: { sampleRate: 0 },
      });
    if (/^\/api\/v1\/[a-z]+$/.test(route)) return json({ success: true });
  }
  if (name === 'rudderstack') {
    if (route.startsWith('/config/sourceConfig'))
      return json({
        source: {
          id: 'src-bench',
          name: 'bench',
          workspaceId: 'ws-bench',
          enabled: true,
          config: {},
          destinations: [],
        },
      });
    if (/^\/dp\/v1\/[a-z]+$/.test(route)) return { type: 'text/plain', body: 'OK' };
  }
  if (name === 'amplitude' && route === '/2/httpapi')
    return json({ code: 200, events_ingested: 1, payload_size_bytes: 1, server_upload_time: 1 });
  if (name === 'posthog') {
    if (/^\/(e|i\/v0\/e|batch|s|engage|capture)\/?$/.test(route)) return json({ status: 1 });
    if (/^\/(flags|decide)\/?$/.test(route))
      return json({ featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false, flags: {} });
    if (/^\/array\/phc_bench\/config$/.test(route)) return json({ token: 'phc_bench' });
    if (/^\/array\/phc_bench\/config\.js$/.test(route)) return { type: 'text/javascript', body: '' };
  }
  return undefined;
}

/**
 * Bundles every peer's entry as an app would (ES modules, node-resolve for the browser, commonjs,
 * production mode, terser) into `dir`/<name>/; returns name → the files written.
 */
export async function bundlePeers(dir, root) {
  const out = {};
  mkdirSync(dir, { recursive: true });
  for (const [name, peer] of Object.entries(PEERS)) {
    const src = join(dir, `${name}.entry.mjs`);
    const code = [PROPS, FIRST, BASE.replace('NAME', name)].join('\n');
    // the imports first, as a module's are hoisted anyway
    const lines = peer.entry.split('\n');
    const imports = lines.filter((l) => l.startsWith('import '));
    const rest = lines.filter((l) => !l.startsWith('import '));
    writeFileSync(src, [...imports, code, ...rest].join('\n'));
    const bundle = await rollup({
      input: src,
      plugins: [
        replace({ preventAssignment: true, values: { 'process.env.NODE_ENV': '"production"' } }),
        nodeResolve({ browser: true, rootDir: root, modulePaths: [join(root, 'node_modules')] }),
        commonjs(),
      ],
      onwarn: () => {},
    });
    const outDir = join(dir, name);
    mkdirSync(outDir, { recursive: true });
    const { output } = await bundle.write({
      dir: outDir,
      format: 'es',
      entryFileNames: 'main.js',
      plugins: [terser()],
    });
    await bundle.close();
    out[name] = output.map((o) => o.fileName);
  }
  return out;
}
