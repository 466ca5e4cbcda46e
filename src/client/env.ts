/**
 * What the segmenter needs of the page around it: absolute URLs, a page session, whether a worker
 * can run.
 */
import { EdsegError } from '../core/errors.js';

/** `url` resolved against the page; a clear error naming `field` if it is not a URL. */
export function absolute(url: string, field: string): string {
  try {
    return new URL(url, globalThis.location?.href).href;
  } catch {
    throw new EdsegError('invalid-input', `edseg: ${field} is not a URL: ${url}`, field);
  }
}

/**
 * A page session for batch ids: 16 random bytes as hex (Web Crypto, not privacy randomness: it only
 * tells this page's batches apart in the worker's store, and never leaves the device).
 */
export function pageSession(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whether this environment can run the worker at all (a browser with Worker and IndexedDB). */
export function canRunWorker(): boolean {
  return typeof Worker === 'function' && typeof indexedDB !== 'undefined';
}
