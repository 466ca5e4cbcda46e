// `npm start`: builds dist/ when the sources are newer (scripts/build.mjs prints each step), then runs the reference server
// (embedded PGlite in ./.edseg-data unless DATABASE_URL is set) with the demo at /demo/.
import { build, buildIsStale, root, run } from './lib.mjs';

if (buildIsStale()) {
  console.log('npm start: dist/ is missing or older than the sources; building it first (a line per step)…');
  const code = await build();
  if (code !== 0) process.exit(code);
}
process.exit(await run(process.execPath, [`${root}/dist/server.mjs`, ...process.argv.slice(2)]));
