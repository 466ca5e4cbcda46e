// `npm start`: builds dist/ when the sources are newer, then runs the reference server
// (embedded PGlite in ./.edseg-data unless DATABASE_URL is set) with the demo at /demo/.
import { build, buildIsStale, root, run } from './lib.mjs';

if (buildIsStale()) {
  const code = await build();
  if (code !== 0) process.exit(code);
}
process.exit(await run(process.execPath, [`${root}/dist/server.mjs`, ...process.argv.slice(2)]));
