/**
 * Manifest signing and verification: a compact JWS (ES256, `kid` in the header) whose payload is
 * a schema-valid Manifest. Shared by the SDK's worker (verify) and the reference server (sign).
 *
 * Contract of verifyManifest (each refusal is a value, never a throw):
 * - the JWS is checked with WebCrypto directly (ECDSA P-256 over SHA-256: a JWS ES256 signature is the
 *   raw r||s WebCrypto takes), not a JOSE library, so the worker carries none (issue 24); the server
 *   signs with jose (signManifest), and test/unit/core/manifest.test.ts verifies what it signs;
 * - only ES256 is accepted; `none`, HMAC and every other alg are refused before any key is tried;
 * - a `crit` header is refused, so no extension applies: `b64` (RFC 7797) is only honoured when
 *   listed in `crit`, hence never, and the payload is always base64url;
 * - the payload is decoded and parsed only after the signature verifies;
 * - the key is chosen by the header's `kid` among the pinned keys, never taken from the token
 *   (no `jwk`/`jku` header is honoured), and only the public members of a pinned JWK are used;
 * - the payload must parse with the Manifest schema; the first failing field is named;
 * - then the site id, the page origin, the validity window (at most MAX_VALIDITY_DAYS long), the
 *   minimum version and the device's epsilon ceilings are checked, in that order, so a refusal names
 *   the first thing that does not check out.
 */
import { CompactSign } from 'jose';
import type { CompactSign as CompactSignType, JWK } from 'jose';
import { ceilingExcess, type Ceilings } from './privacy/ceilings.js';
import { DAY_MS, checkManifest, type Manifest } from './schema.js';

export type ManifestRefusal =
  | 'malformed'
  | 'unknown-key'
  | 'bad-signature'
  | 'invalid-payload'
  | 'site-mismatch'
  | 'origin-not-allowed'
  | 'expired'
  | 'not-yet-valid'
  | 'validity-too-long'
  | 'older-version'
  | 'over-ceiling';

export type VerifyResult =
  { ok: true; manifest: Manifest; kid: string } | { ok: false; reason: ManifestRefusal; message: string };

export type VerifyOptions = {
  publicKeys: JWK[];
  site: string;
  /** the page origin; null skips the origin check (the server, tests) */
  origin: string | null;
  now: Date;
  /** refuse a manifest older than this version (rollback protection) */
  minVersion?: number;
  /** refuse a manifest that asks for more epsilon than these device ceilings (privacy/ceilings.ts) */
  ceilings?: Ceilings;
};

/** The JWS `typ` the server writes; optional on input. */
export const MANIFEST_TYP = 'edseg-manifest+jws';

/**
 * Tolerated clock skew for `issuedAt`: a device whose clock runs a few minutes slow must not
 * refuse a manifest signed a moment ago. Expiry gets no tolerance.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** The longest validity (expiresAt - issuedAt) a device accepts: a manifest no longer re-signed stops within a week. */
export const MAX_VALIDITY_DAYS = 7;
const MAX_VALIDITY_MS = MAX_VALIDITY_DAYS * DAY_MS;

const ES256 = { name: 'ECDSA', namedCurve: 'P-256' };
const ES256_VERIFY = { name: 'ECDSA', hash: 'SHA-256' };

/** The bytes of a base64url segment, decoded as jose decodes it (atob after - and _); throws when it is not one. */
function base64url(segment: string): Uint8Array<ArrayBuffer> {
  if (/[+/]/.test(segment)) throw new Error('not base64url');
  const binary = atob(segment.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
const utf8 = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const refuse = (reason: ManifestRefusal, message: string): VerifyResult => ({ ok: false, reason, message });

/** Verifies a compact JWS (ES256, kid in header, typ 'edseg-manifest+jws' optional) against pinned public keys, then site, origin, validity window, version floor and ceilings. */
export async function verifyManifest(jws: string, opts: VerifyOptions): Promise<VerifyResult> {
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3) return refuse('malformed', 'not a compact JWS (three dot-separated parts)');
  const [head, body, sig] = parts as [string, string, string];
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(base64url(head))) as Record<
      string,
      unknown
    >;
    if (typeof header !== 'object' || header === null || Array.isArray(header))
      throw new Error('not an object');
  } catch {
    return refuse('malformed', 'the protected header is not valid base64url JSON');
  }
  if (header.alg !== 'ES256')
    return refuse('bad-signature', `alg "${String(header.alg)}" is not allowed (ES256 only)`);
  if (header.typ !== undefined && header.typ !== MANIFEST_TYP)
    return refuse('malformed', `typ "${String(header.typ)}" is not ${MANIFEST_TYP}`);
  if (header.crit !== undefined) return refuse('malformed', 'critical header parameters are not supported');
  const kid = header.kid;
  if (typeof kid !== 'string' || kid === '') return refuse('unknown-key', 'the header names no kid');
  const jwk = opts.publicKeys.find((k) => k.kid === kid);
  if (!jwk) return refuse('unknown-key', `no pinned key has kid "${kid}"`);

  let key: CryptoKey;
  try {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error('not a P-256 key');
    // Only the public members: a pinned JWK's other members (d, alg, key_ops) are never read.
    key = await crypto.subtle.importKey(
      'jwk',
      { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
      ES256,
      false,
      ['verify'],
    );
  } catch {
    return refuse('unknown-key', `the pinned key "${kid}" is not a usable ES256 (P-256) public key`);
  }

  let payload: Uint8Array;
  try {
    const signed = new TextEncoder().encode(`${head}.${body}`);
    if (!(await crypto.subtle.verify(ES256_VERIFY, key, base64url(sig), signed))) throw new Error('no match');
    payload = base64url(body);
  } catch {
    return refuse('bad-signature', `the signature does not verify with key "${kid}"`);
  }

  let json: unknown;
  try {
    json = JSON.parse(utf8(payload));
  } catch {
    return refuse('invalid-payload', 'the payload is not JSON');
  }
  const parsed = checkManifest(json);
  if (!parsed.ok) return refuse('invalid-payload', parsed.message);
  const manifest = parsed.value;

  if (manifest.site.id !== opts.site)
    return refuse('site-mismatch', `the manifest is for site "${manifest.site.id}", not "${opts.site}"`);
  if (opts.origin !== null && !manifest.site.origins.includes(opts.origin)) {
    return refuse('origin-not-allowed', `origin ${opts.origin} is not in the manifest's site.origins`);
  }
  const now = opts.now.getTime();
  if (now + CLOCK_SKEW_MS < Date.parse(manifest.issuedAt))
    return refuse('not-yet-valid', `issued at ${manifest.issuedAt}, in the future`);
  if (now >= Date.parse(manifest.expiresAt)) return refuse('expired', `expired at ${manifest.expiresAt}`);
  if (Date.parse(manifest.expiresAt) - Date.parse(manifest.issuedAt) > MAX_VALIDITY_MS)
    return refuse(
      'validity-too-long',
      `valid from ${manifest.issuedAt} to ${manifest.expiresAt}: more than ${MAX_VALIDITY_DAYS} days`,
    );
  if (opts.minVersion !== undefined && manifest.version < opts.minVersion) {
    return refuse(
      'older-version',
      `version ${manifest.version} is older than the version ${opts.minVersion} already accepted`,
    );
  }
  const excess = opts.ceilings ? ceilingExcess(manifest, opts.ceilings) : null;
  if (excess !== null) return refuse('over-ceiling', excess);
  return { ok: true, manifest, kid };
}

/** A private key jose can sign with: a CryptoKey, a Node KeyObject or a private JWK. */
export type SigningKey = Parameters<CompactSignType['sign']>[0];

/** Signs a manifest payload (server side; jose's CompactSign with ES256 and the key's kid). */
export async function signManifest(manifest: Manifest, privateKey: SigningKey, kid: string): Promise<string> {
  const payload = new TextEncoder().encode(JSON.stringify(manifest));
  return new CompactSign(payload)
    .setProtectedHeader({ alg: 'ES256', kid, typ: MANIFEST_TYP })
    .sign(privateKey);
}
