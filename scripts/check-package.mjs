// Resolves the package's public entry points by name, as a user's code would (Node self-reference
// through package.json "exports"), and checks the contract names of ARCHITECTURE.md and PRIVACY.md.
import { existsSync } from 'node:fs';
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
for (const f of [
  'dist/types/src/client/index.d.ts',
  'dist/types/src/privacy.d.ts',
  'dist/edseg.js',
  'dist/edseg.worker.js',
]) {
  if (!existsSync(join(root, f))) failures.push(`missing ${f}`);
}
if (failures.length) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log(
  `package: 'edseg' (${sdk.version}) and 'edseg/privacy' resolve with every contract name; type declarations present`,
);
