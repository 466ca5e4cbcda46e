// `npm run build` (and the build that `npm start` and `npm test` run): every artefact, with a line per step.
//   1. rollup.config.mjs: each bundle into dist/, printed as it is written (name, size, time)
//   2. tsc -p tsconfig.build.json: the declarations into dist/types/
//   3. rollup-plugin-dts: dist/edseg.d.ts, dist/privacy.d.ts and dist/activate.d.ts, one file each with zod's types inlined
//      (a consumer type-checks without zod installed; no `import("zod")` may remain)
//   4. the two npm packages assembled from dist/ (their package.json files are committed, the rest is copied):
//      packages/edseg   `edseg`, the browser SDK: ESM, script tag, worker, activate, privacy, bundled declarations
//      packages/server  `edseg-server`, the reference server and edseg-admin, the SDK files it serves, the demo
import { cpSync, copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { rollup } from 'rollup';
import { loadConfigFile } from 'rollup/loadConfigFile';
import { dts } from 'rollup-plugin-dts';
import { root, run } from './lib.mjs';

const dist = join(root, 'dist');
const seconds = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const kb = (file) => `${(statSync(file).size / 1024).toFixed(1)} kB`;
const log = (line) => console.log(`build: ${line}`);

/** The browser SDK files: in `edseg`, and served by the reference server under /edseg/. */
export const SDK_BROWSER_FILES = ['edseg.mjs', 'edseg.js', 'edseg.worker.js', 'activate.mjs'].flatMap((f) => [
  f,
  `${f}.map`,
]);
/** What the `edseg` package ships from dist/. */
export const SDK_PACKAGE_FILES = [
  ...SDK_BROWSER_FILES,
  'privacy.mjs',
  'privacy.mjs.map',
  'edseg.d.ts',
  'privacy.d.ts',
  'activate.d.ts',
];
/** What the `edseg-server` package ships from dist/ (besides the SDK files it serves). */
export const SERVER_PACKAGE_FILES = [
  'server.mjs',
  'server.mjs.map',
  'science-worker.mjs',
  'science-worker.mjs.map',
  'admin.mjs',
  'admin.mjs.map',
];

async function bundles() {
  // Warnings are known and harmless (see onwarn in rollup.config.mjs): silent, as `rollup -c --silent` was.
  const { options } = await loadConfigFile(join(root, 'rollup.config.mjs'), { silent: true });
  for (const [i, config] of options.entries()) {
    const t0 = Date.now();
    const bundle = await rollup(config);
    for (const out of config.output) {
      await bundle.write(out);
      const file = out.file ?? join(out.dir, out.entryFileNames); // a multi-chunk build writes one file (the worker's)
      log(`[${i + 1}/${options.length}] ${relative(root, file)}  ${kb(file)}  in ${seconds(t0)}`);
    }
    await bundle.close();
  }
}

/** One declaration file per entry, everything it refers to inlined (zod's types too). */
async function bundleTypes() {
  const entries = [
    ['dist/types/src/client/index.d.ts', 'dist/edseg.d.ts'],
    ['dist/types/src/privacy.d.ts', 'dist/privacy.d.ts'],
    ['dist/types/src/activate/index.d.ts', 'dist/activate.d.ts'],
  ];
  for (const [input, file] of entries) {
    const t0 = Date.now();
    const bundle = await rollup({ input: join(root, input), plugins: [dts({ respectExternal: true })] });
    await bundle.write({ file: join(root, file), format: 'es' });
    await bundle.close();
    const text = readFileSync(join(root, file), 'utf8');
    const leftover = text.match(/\bimport\s*\(|^\s*import\s|from\s+['"][^.]/m);
    if (leftover)
      throw new Error(`${file} still imports another module ("${leftover[0]}"): consumers would need it`);
    log(`${file}  ${kb(join(root, file))}  in ${seconds(t0)}`);
  }
}

function copyFiles(files, to) {
  mkdirSync(to, { recursive: true });
  for (const f of files) copyFileSync(join(dist, f), join(to, f));
}

/**
 * Lays out packages/edseg and packages/server from dist/ (the folders npm pack and the workspaces use).
 * Each package's README.md is its own, kept in git beside its package.json; nothing is copied over it.
 */
export function assemble() {
  const t0 = Date.now();
  const sdk = join(root, 'packages/edseg');
  const server = join(root, 'packages/server');
  rmSync(join(sdk, 'dist'), { recursive: true, force: true });
  rmSync(join(server, 'dist'), { recursive: true, force: true });
  rmSync(join(server, 'demo'), { recursive: true, force: true });
  copyFiles(SDK_PACKAGE_FILES, join(sdk, 'dist'));
  copyFiles([...SERVER_PACKAGE_FILES, ...SDK_BROWSER_FILES], join(server, 'dist'));
  cpSync(join(root, 'demo'), join(server, 'demo'), { recursive: true });
  log(`packages/edseg and packages/server assembled in ${seconds(t0)}`);
}

export async function buildAll() {
  const t0 = Date.now();
  log(`rollup: ${relative(root, dist)}/ (the first build takes about a minute)`);
  await bundles();
  const t1 = Date.now();
  log('tsc -p tsconfig.build.json: type declarations…');
  const code = await run(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  if (code !== 0) return code;
  log(`dist/types/  in ${seconds(t1)}`);
  await bundleTypes();
  assemble();
  console.log(`built dist/ in ${seconds(t0)}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exit(await buildAll());
  } catch (e) {
    console.error(
      `build failed: ${e instanceof Error ? e.message : String(e)}${e?.frame ? `\n${e.frame}` : ''}`,
    );
    process.exit(1);
  }
}
