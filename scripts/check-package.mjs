// Resolves the package's public entry points by name, as a user's code would (node_modules/edseg is
// the packages/edseg workspace, through its package.json "exports"), and checks the contract names of ARCHITECTURE.md and PRIVACY.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './lib.mjs';

const failures = [];
const expectNames = (what, mod, names) => {
  for (const n of names) if (typeof mod[n] !== 'function') failures.push(`${what}: missing export ${n}`);
};

const sdk = await import('edseg');
expectNames("'edseg'", sdk, ['createSegmenter', 'EdsegError']);
if (typeof sdk.version !== 'string') failures.push("'edseg': missing version");
const privacy = await import('edseg/privacy');
expectNames("'edseg/privacy'", privacy, [
  'perturbSegment',
  'perturbScalar',
  'perturbVector',
  'estimateFrequencies',
  'estimateMean',
  'seededRandom',
  'buildReport',
  'estimateSite',
]);
const r = privacy.perturbSegment(0, 3, 1, privacy.seededRandom(1));
if (r.oracle !== 'grr' || !(r.value >= 0 && r.value < 3))
  failures.push(`'edseg/privacy': perturbSegment(0, 3, 1) gave ${JSON.stringify(r)}`);
const act = await import('edseg/activate');
expectNames("'edseg/activate'", act, [
  'activate',
  'dataLayer',
  'segment',
  'posthog',
  'rudderstack',
  'amplitude',
]);
for (const f of [
  'edseg.d.ts',
  'privacy.d.ts',
  'activate.d.ts',
  'edseg.js',
  'edseg.worker.js',
  'activate.mjs',
]) {
  if (!existsSync(join(root, 'packages/edseg/dist', f))) failures.push(`missing packages/edseg/dist/${f}`);
}
// Each package's own README (tracked in git; npm pack ships it as the package's page).
for (const p of ['packages/edseg', 'packages/server'])
  if (!existsSync(join(root, p, 'README.md'))) failures.push(`missing ${p}/README.md`);
// One version everywhere: the SDK reports the edseg package's, and the server package ships with it.
const versions = ['package.json', 'packages/edseg/package.json', 'packages/server/package.json'].map(
  (f) => `${f} ${JSON.parse(readFileSync(join(root, f), 'utf8')).version}`,
);
if (new Set(versions.map((v) => v.split(' ')[1])).size !== 1)
  failures.push(`versions differ: ${versions.join(', ')}`);
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(
  `package: 'edseg' (${sdk.version}), 'edseg/privacy' and 'edseg/activate' resolve with every contract name; type declarations present`,
);
