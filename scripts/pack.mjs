// `npm run package` (and `npm test`'s "package" step, after the build): packs both npm packages into
// .cache/packages/ and checks what an app installing them would get:
//   - `edseg` has no dependencies at all and ships the SDK, the worker, the script tag and bundled declarations;
//   - publint and @arethetypeswrong/cli (ESM-only profile) find nothing wrong in the edseg tarball;
//   - a tiny TypeScript consumer with only the edseg tarball in its node_modules (no zod) type-checks under
//     `moduleResolution` bundler and node16, and a wrong call in it is a type error (the types are real, not any);
//   - `edseg-server` carries the server's dependencies and both bins;
//   - each tarball's README.md is its package's own (the SDK's says nothing of the server's database or CLI).
// Prints the tarball paths last, for the examples (scripts/examples.mjs) to install.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { root, run } from './lib.mjs';
import { SDK_PACKAGE_FILES } from './build.mjs';

const out = join(root, '.cache/packages');
const failures = [];

/**
 * The README a tarball carries must be its package's own (packages/<name>/README.md, tracked in git):
 * the SDK's npm page speaks of the SDK only, never of the server's database or its admin CLI.
 */
function checkReadme(name, workspace, tarball, files, mustNotSay = []) {
  if (!files.includes('README.md')) return failures.push(`${name} tarball: missing README.md`);
  const packed = execFileSync('tar', ['-xzOf', tarball, 'package/README.md'], { encoding: 'utf8' });
  if (packed !== readFileSync(join(root, workspace, 'README.md'), 'utf8'))
    failures.push(`${name} tarball: README.md is not ${workspace}/README.md`);
  for (const word of mustNotSay)
    if (packed.includes(word)) failures.push(`${name} tarball: README.md speaks of ${word}`);
}

/** Packs one workspace into .cache/packages; returns the tarball's path and npm's file list. */
export function pack(workspace) {
  mkdirSync(out, { recursive: true });
  const json = execFileSync('npm', ['pack', '--json', '--pack-destination', out, '-w', workspace], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [info] = JSON.parse(json);
  return { tarball: join(out, info.filename), files: info.files.map((f) => f.path), size: info.size };
}

async function checkSdk() {
  const pkg = JSON.parse(readFileSync(join(root, 'packages/edseg/package.json'), 'utf8'));
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies'])
    if (Object.keys(pkg[field] ?? {}).length)
      failures.push(`edseg: ${field} must be empty (the SDK bundles what it needs)`);
  // The script tag's IIFE and the worker run for their effects; the ESM entries have none of their own.
  const effects = pkg.sideEffects;
  if (
    !Array.isArray(effects) ||
    !effects.includes('./dist/edseg.js') ||
    effects.some((f) => f.endsWith('.mjs'))
  )
    failures.push(
      `edseg: sideEffects must list ./dist/edseg.js and no .mjs entry (is ${JSON.stringify(effects)})`,
    );
  const sdk = pack('packages/edseg');
  for (const f of SDK_PACKAGE_FILES)
    if (!sdk.files.includes(`dist/${f}`)) failures.push(`edseg tarball: missing dist/${f}`);
  const extra = sdk.files.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md'].includes(f));
  if (extra.length) failures.push(`edseg tarball: unexpected files ${extra.join(', ')}`);
  checkReadme('edseg', 'packages/edseg', sdk.tarball, sdk.files, ['PostgreSQL', 'PGlite', 'edseg-admin']);
  console.log(
    `package: ${sdk.tarball} (${(sdk.size / 1024).toFixed(0)} kB packed, ${sdk.files.length} files)`,
  );

  const { messages } = await publint({ pack: { tarball: readFileSync(sdk.tarball).buffer }, strict: true });
  for (const m of messages) failures.push(`publint ${m.type}: ${formatMessage(m, pkg) ?? m.code}`);
  console.log(`package: publint: ${messages.length} message(s)`);

  const attw = await run(process.execPath, [
    join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js'),
    sdk.tarball,
    '--profile',
    'esm-only',
    // edseg/worker is the worker script (loaded with new Worker, never imported): nothing to type.
    '--exclude-entrypoints',
    './worker',
    '--format',
    'table-flipped',
  ]);
  if (attw !== 0) failures.push('@arethetypeswrong/cli: problems in the edseg tarball (table above)');
  return sdk;
}

/** A consumer project with nothing but the edseg tarball installed: tsc must pass, and must catch misuse. */
async function checkConsumerTypes(tarball) {
  // Outside the repo: inside it, TypeScript would walk up to the repo's node_modules and find zod there.
  const dir = mkdtempSync(join(tmpdir(), 'edseg-consumer-'));
  mkdirSync(join(dir, 'node_modules/edseg'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', join(dir, 'node_modules/edseg'), '--strip-components=1']);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  writeFileSync(
    join(dir, 'index.ts'),
    `import { createSegmenter, EdsegError, type ReleasedSegment, type Segmenter } from 'edseg';
import { perturbSegment, seededRandom } from 'edseg/privacy';
import { activate, dataLayer } from 'edseg/activate';
const seg: Segmenter = createSegmenter({
  site: 'lingua-kids',
  manifestUrl: '/v1/sites/lingua-kids/manifest',
  collectorUrl: '/v1/reports',
  publicKeys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }],
});
seg.track('lesson_completed', { score: 1 });
const ids: Promise<string[]> = seg.segments().then((s: ReleasedSegment[]) => s.map((r) => r.id));
const stop: () => void = activate(seg, [dataLayer({ purposes: ['instruction'] })]);
export const out = [stop, ids, new EdsegError('invalid-input', 'm', 'f').field, perturbSegment(0, 3, 1, seededRandom(1)).oracle];
`,
  );
  // The same calls made wrongly: each line must be an error, or the declarations have decayed to any.
  writeFileSync(
    join(dir, 'misuse.ts'),
    `import { createSegmenter } from 'edseg';
import { dataLayer } from 'edseg/activate';
// @ts-expect-error site is required
createSegmenter({ manifestUrl: '', collectorUrl: '', publicKeys: [] });
declare const seg: ReturnType<typeof createSegmenter>;
// @ts-expect-error props values are number | string | boolean
seg.track('x', { n: {} });
// @ts-expect-error a released segment has no such field
seg.segments().then((s) => s[0]?.nope);
// @ts-expect-error purposes is required
dataLayer({});
`,
  );
  for (const moduleResolution of ['bundler', 'node16']) {
    const tsconfig = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        target: 'es2022',
        lib: ['es2022', 'dom'],
        types: [],
        module: moduleResolution === 'bundler' ? 'esnext' : 'node16',
        moduleResolution,
      },
      files: ['index.ts', 'misuse.ts'],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const code = await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', dir]);
    if (code !== 0)
      failures.push(`consumer without zod does not type-check (moduleResolution ${moduleResolution})`);
    else
      console.log(
        `package: a consumer with no zod type-checks against edseg (moduleResolution ${moduleResolution})`,
      );
  }
  rmSync(dir, { recursive: true, force: true });
}

function checkServer() {
  const pkg = JSON.parse(readFileSync(join(root, 'packages/server/package.json'), 'utf8'));
  const server = pack('packages/server');
  for (const f of [
    'bin/edseg-server.mjs',
    'bin/edseg-admin.mjs',
    'dist/server.mjs',
    'dist/science-worker.mjs',
    'dist/admin.mjs',
    'dist/edseg.js',
    'dist/edseg.worker.js',
    'dist/activate.mjs',
    'demo/index.html',
  ])
    if (!server.files.includes(f)) failures.push(`edseg-server tarball: missing ${f}`);
  checkReadme('edseg-server', 'packages/server', server.tarball, server.files);
  for (const d of ['hono', '@electric-sql/pglite', 'pg'])
    if (!pkg.dependencies?.[d]) failures.push(`edseg-server: dependency ${d} missing`);
  console.log(
    `package: ${server.tarball} (${(server.size / 1024).toFixed(0)} kB packed, ${server.files.length} files)`,
  );
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sdk = await checkSdk();
  await checkConsumerTypes(sdk.tarball);
  checkServer();
  if (failures.length) {
    console.error(failures.map((f) => `FAIL ${f}`).join('\n'));
    process.exit(1);
  }
  console.log('package: edseg and edseg-server packed and checked');
}
