#!/usr/bin/env node
// `npx edseg-server`: runs the reference server built into dist/server.mjs (see docs/SERVER.md).
import { existsSync } from 'node:fs';

const built = new URL('../dist/server.mjs', import.meta.url);
if (!existsSync(built)) {
  console.error('edseg-server: dist/server.mjs is missing; run `npm run build` first.');
  process.exit(1);
}
const { main } = await import(built.href);
main(process.argv.slice(2), process.env).catch((e) => {
  console.error(`edseg-server: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
