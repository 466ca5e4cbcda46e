/**
 * Static files: the SDK bundles under /edseg/ and the demo site under /demo/.
 * Contract: a request path never escapes its root (no `..`, no absolute path, no NUL), and a
 * missing file is a 404, never a directory listing.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { PublicJwk } from '../../core/schema.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** The content type for a file name (application/octet-stream when unknown). */
export function contentType(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** The absolute path of `rel` inside `root`, or null when it would leave the root. */
function safeJoin(root: string, rel: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split(/[\\/]/).includes('..')) return null;
  const base = resolve(root);
  const full = resolve(base, `.${sep}${decoded}`);
  return full === base || full.startsWith(base + sep) ? full : null;
}

/** Reads a regular file under root; `index.html` for a directory path; null when absent. */
export async function readStatic(root: string, rel: string): Promise<{ path: string; body: Buffer } | null> {
  let path = safeJoin(root, rel);
  if (!path) return null;
  try {
    let s = await stat(path);
    if (s.isDirectory()) {
      path = resolve(path, 'index.html');
      s = await stat(path);
    }
    if (!s.isFile()) return null;
    return { path, body: await readFile(path) };
  } catch {
    return null;
  }
}

/** The SDK files served under /edseg/ (and their source maps); nothing else in dist/ is public. */
export const SDK_FILES = new Set([
  'edseg.js',
  'edseg.worker.js',
  'edseg.mjs',
  'activate.mjs',
  'edseg.js.map',
  'edseg.worker.js.map',
  'edseg.mjs.map',
  'activate.mjs.map',
]);

/** The placeholder in demo HTML that becomes the current public JWK. */
export const JWK_PLACEHOLDER = '__EDSEG_PUBLIC_JWK__';

/** A JWK as JSON that is safe inside a single- or double-quoted HTML attribute. */
export function jwkForAttribute(jwk: PublicJwk): string {
  return JSON.stringify(jwk).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The policy sent with the SDK's scripts; it is the worker's own CSP (pages ignore a script's CSP header). */
export const SDK_CSP = "script-src 'self'; object-src 'none'; base-uri 'none'";

/**
 * A strict policy for a demo page: same-origin everything, no eval, inline scripts only by hash
 * (computed from the HTML actually served, so editing the stub cannot silently break it).
 */
export function demoCsp(html: string): string {
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')}`.trim(),
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}
