// The copy step of a self-hosted script tag: the SDK and its worker beside the page (same origin), and
// the page with the collector's address and the pinned public key filled in.
//   EDSEG_SERVER  the reference server, e.g. http://127.0.0.1:8787
//   EDSEG_KEY     the public JWK to pin (JSON; copy it from `GET /v1/keys`)
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const server = process.env.EDSEG_SERVER ?? 'http://127.0.0.1:8787';
const key = process.env.EDSEG_KEY;
if (!key) throw new Error('set EDSEG_KEY to the public JWK (JSON) from GET /v1/keys');
const attr = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
mkdirSync('dist', { recursive: true });
for (const f of ['edseg.js', 'edseg.worker.js']) copyFileSync(`node_modules/edseg/dist/${f}`, `dist/${f}`);
const html = readFileSync('index.html', 'utf8')
  .replaceAll('%EDSEG_SERVER%', attr(server))
  .replaceAll('%EDSEG_KEY%', attr(key));
writeFileSync('dist/index.html', html);
console.log('dist/: index.html, edseg.js, edseg.worker.js');
