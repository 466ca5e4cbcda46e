#!/usr/bin/env node
// `npx edseg-admin`: the admin CLI built into dist/admin.mjs (see packages/server/README.md "The CLI").
import { existsSync } from 'node:fs';

const built = new URL('../dist/admin.mjs', import.meta.url);
if (!existsSync(built)) {
  console.error('edseg-admin: dist/admin.mjs is missing; run `npm run build` first.');
  process.exit(1);
}
const { main } = await import(built.href);
await main(process.argv.slice(2), process.env);
