// Builds every artefact edseg ships:
//   dist/edseg.mjs        ESM for npm (the main-thread client: no TensorFlow.js)
//   dist/edseg.js         IIFE for the script tag (replays calls queued by the stub)
//   dist/edseg.worker.js  the Web Worker: its start, then the engine (IndexedDB, custom TensorFlow.js
//                         bundle) as a function run only when the start calls it (scripts/lazy-engine.mjs)
//   dist/privacy.mjs      `edseg/privacy`, the mechanisms for auditors
//   dist/activate.mjs     `edseg/activate`, released segments into the page's tools (not in the main bundle)
//   dist/server.mjs       the reference server (Node ESM, dependencies external)
//   dist/admin.mjs        edseg-admin, the admin CLI (Node ESM, dependencies external)
//   dist/science-worker.mjs  the server's fit/train worker thread (src/server/science/worker.ts), loaded
//                         by dist/server.mjs from beside itself (new URL('./science-worker.mjs', import.meta.url))
import { builtinModules } from 'node:module';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import typescript from '@rollup/plugin-typescript';
import resolve from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import replace from '@rollup/plugin-replace';
import terser from '@rollup/plugin-terser';
import alias from '@rollup/plugin-alias';
import { lazyEngine } from './scripts/lazy-engine.mjs';
import { TFJS_INTERNAL_RE, tfjsEngineTrim } from './scripts/tfjs-trim.mjs';

const json = (path) => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const pkg = json('./packages/edseg/package.json');
// The build identity a stored decision names (src/core/decision.ts `buildId`): the version and a hash of
// the code that decides (worker/, src/core/), so that a rebuild under the same version with other
// policy, consent, feature or model code releases no decision of the old code early.
const sourceHash = createHash('sha256');
for (const dir of ['worker', 'src/core'])
  for (const f of readdirSync(dir, { recursive: true }).map(String).sort())
    if (/\.[cm]?[jt]s$/.test(f)) sourceHash.update(`${dir}/${f}\0`).update(readFileSync(`${dir}/${f}`));
const build = `${pkg.version}+${sourceHash.digest('hex').slice(0, 8)}`;
// The server's dependencies are its package's (packages/server/package.json): kept external, installed with it.
const serverPkg = json('./packages/server/package.json');
// The root package is the private workspace root: a run-time dependency listed there would be bundled into
// dist/server.mjs yet missing from the edseg-server package. Say where it goes instead.
const misplaced = Object.keys(json('./package.json').dependencies ?? {});
if (misplaced.length)
  throw new Error(
    `package.json "dependencies" must stay empty: move ${misplaced.join(', ')} to packages/server/package.json ` +
      `(npm install ${misplaced.join(' ')} -w packages/server) if the server needs it at run time, ` +
      'else to the root devDependencies (npm install -D …); see CONTRIBUTING.md "Dependencies"',
  );

// Type-checking is `npm run typecheck`'s job; here TypeScript only strips types, so the build stays fast.
const ts = () =>
  typescript({
    tsconfig: './tsconfig.json',
    compilerOptions: { noEmit: false, declaration: false, sourceMap: true, noCheck: true, types: [] },
    include: ['src/**/*.ts', 'worker/**/*.ts'],
    outputToFilesystem: false,
  });

// Every `z.*(…)` schema builder is pure: unused schemas drop out of the bundles that do not need them.
const treeshake = { manualPureFunctions: ['z'] };
// The worker parses with the plain checks (src/core/schema/manifest-check.ts, checks.ts), never with zod: the
// schema modules' one side effect, zod's config() in atoms.ts, is dropped with them, and `npm run size`
// fails if any zod code is left in the worker (issue 24).
const workerTreeshake = {
  ...treeshake,
  moduleSideEffects: (id) => !/[\\/]src[\\/]core[\\/]schema[\\/]/.test(id),
};

// The worker's tfjs-core: the same engine without the Node platform, model IO handlers and optimizers
// (see worker/tfjs-core-lite.js). Exact-name match so deep `@tensorflow/tfjs-core/dist/...` imports still resolve.
const tfjsLite = alias({
  entries: [
    {
      find: /^@tensorflow\/tfjs-core$/,
      replacement: fileURLToPath(new URL('./worker/tfjs-core-lite.js', import.meta.url)),
    },
  ],
});

// tfjs-core's kernel profiler, gradient tape and tensor pretty-printer, which its engine and Tensor import but
// the worker never runs, its console logger (silent in production mode, which tf.ts sets before anything
// else) and its global lookup (globalThis), replaced by worker/tfjs-core-stubs.js in the worker's build.
const tfjsStubs = {
  name: 'tfjs-core-stubs',
  resolveId(source, importer) {
    if (!importer || !/[\\/]@tensorflow[\\/]tfjs-core[\\/]dist[\\/]/.test(importer)) return null;
    if (!/^\.\/(profiler|tape|tensor_format|log|global_util)(\.js)?$/.test(source)) return null;
    return fileURLToPath(new URL('./worker/tfjs-core-stubs.js', import.meta.url));
  },
};

// tfjs-core's Engine methods the worker never reaches (gradients, variables, profiling), each a throw by
// name in the worker's build (scripts/tfjs-trim.mjs).
const tfjsTrim = tfjsEngineTrim({
  stubs: fileURLToPath(new URL('./worker/tfjs-core-stubs.js', import.meta.url)),
});

// `module: false` for the worker: a classic script, one IIFE (scripts/lazy-engine.mjs).
const terserOptions = (module) => ({
  ecma: 2020,
  module,
  compress: { passes: 2 },
  format: { comments: false },
});
const browserPlugins = (minify = true, extra = []) =>
  [
    ...extra,
    replace({
      preventAssignment: true,
      values: {
        'process.env.NODE_ENV': JSON.stringify('production'),
        __EDSEG_VERSION__: JSON.stringify(pkg.version),
        __EDSEG_BUILD__: JSON.stringify(build),
      },
    }),
    resolve({ browser: true, preferBuiltins: false }),
    commonjs(),
    ts(),
    minify && terser(terserOptions(true)),
  ].filter(Boolean);

const onwarn = (warning, warn) => {
  // tfjs-core's ESM uses `this` at the top level of a few helpers; harmless.
  if (warning.code === 'THIS_IS_UNDEFINED') return;
  if (warning.code === 'CIRCULAR_DEPENDENCY' && /node_modules/.test(warning.message)) return;
  warn(warning);
};

// The Node builds keep TensorFlow.js external (a runtime dependency, loaded through its CommonJS main);
// src/server/science/tf-node.ts loads the whole cpu backend, the device's own kernels (src/core/tf-kernels.ts)
// are plain code.
const nodeExternal = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  ...Object.keys(serverPkg.dependencies ?? {}),
];

export default [
  {
    input: 'src/client/index.ts',
    output: { file: 'dist/edseg.mjs', format: 'es', sourcemap: true },
    plugins: browserPlugins(),
    treeshake,
    onwarn,
  },
  {
    input: 'src/client/script.ts',
    output: { file: 'dist/edseg.js', format: 'iife', sourcemap: true },
    plugins: browserPlugins(),
    treeshake,
    onwarn,
  },
  {
    input: 'worker/index.ts',
    // The start (worker/index.ts, start.ts) answers first; the engine, a dynamic chunk sharing the start's
    // modules, is joined to it as a function run only when the start calls it, and the one file minified
    // (scripts/lazy-engine.mjs, ARCHITECTURE.md "The start path").
    output: {
      dir: 'dist',
      entryFileNames: 'edseg.worker.js',
      chunkFileNames: 'edseg.worker-engine.js',
      format: 'es',
      sourcemap: true,
    },
    plugins: [
      ...browserPlugins(false, [tfjsLite, tfjsStubs, tfjsTrim]),
      lazyEngine({
        importer: /worker[\\/]index\.ts$/,
        // tfjs-core's internal property names shortened too (scripts/tfjs-trim.mjs TFJS_INTERNAL)
        terser: { ...terserOptions(false), mangle: { properties: { regex: TFJS_INTERNAL_RE } } },
      }),
    ],
    treeshake: workerTreeshake,
    onwarn,
  },
  {
    input: 'src/privacy.ts',
    output: { file: 'dist/privacy.mjs', format: 'es', sourcemap: true },
    plugins: browserPlugins(false),
    treeshake,
    onwarn,
  },
  {
    input: 'src/activate/index.ts',
    output: { file: 'dist/activate.mjs', format: 'es', sourcemap: true },
    plugins: browserPlugins(),
    treeshake,
    onwarn,
  },
  {
    input: 'src/server/cli.ts',
    output: { file: 'dist/server.mjs', format: 'es', sourcemap: true, banner: '// edseg reference server' },
    external: (id) => nodeExternal.some((d) => id === d || id.startsWith(`${d}/`)),
    plugins: [resolve({ preferBuiltins: true, exportConditions: ['node'] }), ts()],
    onwarn,
  },
  {
    input: 'src/server/science/worker.ts',
    output: {
      file: 'dist/science-worker.mjs',
      format: 'es',
      sourcemap: true,
      banner: '// edseg science worker',
    },
    external: (id) => nodeExternal.some((d) => id === d || id.startsWith(`${d}/`)),
    plugins: [resolve({ preferBuiltins: true, exportConditions: ['node'] }), ts()],
    onwarn,
  },
  {
    input: 'src/server/admin-cli/main.ts',
    output: { file: 'dist/admin.mjs', format: 'es', sourcemap: true, banner: '// edseg-admin' },
    external: (id) => nodeExternal.some((d) => id === d || id.startsWith(`${d}/`)),
    plugins: [resolve({ preferBuiltins: true, exportConditions: ['node'] }), ts()],
    onwarn,
  },
];
