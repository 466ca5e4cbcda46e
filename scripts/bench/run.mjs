// `npm run bench`: runs every part in scripts/bench/parts/*.mjs in turn, each standalone (it can also be run
// alone: `npx tsx scripts/bench/parts/<part>.mjs`), each printing a Markdown table of its figures beside a
// baseline measured in the same run (medians, ratios). Exits 1 if a part fails; the others still run.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root, run } from '../lib.mjs';

const only = process.argv.slice(2);
const parts = readdirSync(join(root, 'scripts/bench/parts'))
  .filter((f) => f.endsWith('.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const failed = [];
for (const part of parts) {
  console.log(`\n## ${part.replace(/\.mjs$/, '')}\n`);
  // tsx, so that parts may import the TypeScript sources directly
  const code = await run(process.execPath, ['--import', 'tsx', join('scripts/bench/parts', part)]);
  if (code !== 0) failed.push(`${part} (exit ${code})`);
}
if (failed.length) console.error(`\nbench: failed parts: ${failed.join(', ')}`);
process.exit(failed.length ? 1 : 0);
