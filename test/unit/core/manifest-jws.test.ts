/**
 * verifyManifest checks the JWS with WebCrypto directly (no JOSE library in the worker): against the
 * server's signer (signManifest, jose) and against jose's own verification, the way the code did it
 * before (decodeProtectedHeader, importJWK, compactVerify), as an oracle. Hand-made tokens (alg none,
 * HS256, ES384, b64 without crit, crit, padding, no kid, another key claiming the kid, headers that are
 * not objects) and randomly edited tokens get the same verdict and the same refusal reason from both.
 */
import fc from 'fast-check';
import { CompactSign, base64url, compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_TYP, verifyManifest, type ManifestRefusal } from '../../../src/core/manifest.js';
import { ORIGIN, testKey, testManifest, type TestKey } from '../../fixtures/manifest.js';

const NOW = new Date('2025-03-10T12:00:00Z');
const manifest = testManifest({
  version: 3,
  issuedAt: '2025-03-08T00:00:00Z',
  expiresAt: '2025-03-15T00:00:00Z',
});
const JWS_REASONS: ManifestRefusal[] = ['malformed', 'unknown-key', 'bad-signature'];

/** The JWS layer as the code did it with jose before issue 24: a refusal reason, or the payload's bytes. */
async function joseOracle(jws: string, keys: JWK[]): Promise<ManifestRefusal | Uint8Array> {
  if (typeof jws !== 'string' || jws.split('.').length !== 3) return 'malformed';
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return 'malformed';
  }
  if (header.alg !== 'ES256') return 'bad-signature';
  if (header.typ !== undefined && header.typ !== MANIFEST_TYP) return 'malformed';
  if (header.crit !== undefined) return 'malformed';
  const kid = header.kid;
  if (typeof kid !== 'string' || kid === '') return 'unknown-key';
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk) return 'unknown-key';
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error('not a P-256 key');
    key = await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ES256');
  } catch {
    return 'unknown-key';
  }
  try {
    return (await compactVerify(jws, key, { algorithms: ['ES256'] })).payload;
  } catch {
    return 'bad-signature';
  }
}

let key: TestKey;
let other: TestKey;
let jws: string;
const b64 = (v: unknown) => base64url.encode(typeof v === 'string' ? v : JSON.stringify(v));
/** Signs `header` and `payload` with raw WebCrypto ES256 (for headers jose's signer will not write). */
async function sign(header: unknown, payload: unknown, k = key): Promise<string> {
  const input = `${b64(header)}.${b64(payload)}`;
  const sig = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    k.privateKey,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64url.encode(new Uint8Array(sig))}`;
}

beforeAll(async () => {
  key = await testKey();
  other = await testKey('other-key');
  jws = await key.sign(manifest);
});

const opts = () => ({
  publicKeys: [key.publicJwk, other.publicJwk],
  site: manifest.site.id,
  origin: ORIGIN,
  now: NOW,
});

/** verifyManifest and the jose oracle agree on `token`; returns verifyManifest's verdict. */
async function agree(token: string): Promise<string> {
  const mine = await verifyManifest(token, opts());
  const oracle = await joseOracle(token, opts().publicKeys);
  if (typeof oracle === 'string') expect(mine).toMatchObject({ ok: false, reason: oracle });
  else {
    if (!mine.ok) expect(JWS_REASONS).not.toContain(mine.reason);
    if (mine.ok) expect(new TextDecoder().decode(oracle)).toBe(JSON.stringify(mine.manifest));
  }
  return mine.ok ? 'ok' : mine.reason;
}

describe('verifyManifest with WebCrypto ES256', () => {
  it('verifies what the server signs (signManifest, jose)', async () => {
    expect(await verifyManifest(jws, opts())).toEqual({ ok: true, manifest, kid: key.kid });
    expect(await agree(jws)).toBe('ok');
  });

  it('refuses what jose refused, for the same reason', async () => {
    const [h, p, s] = jws.split('.') as [string, string, string];
    const es256 = { alg: 'ES256', kid: key.kid };
    const hs256 = await new CompactSign(new TextEncoder().encode(JSON.stringify(manifest)))
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .sign(new TextEncoder().encode(JSON.stringify(key.publicJwk)));
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    const cases: [string, string][] = [
      [`${h}.${b64({ ...manifest, version: 4 })}.${s}`, 'bad-signature'],
      [`${h}.${p}.${flipped}`, 'bad-signature'],
      [`${h}.${p}.${s.slice(0, 40)}`, 'bad-signature'],
      [`${h}.${p}.${s}!`, 'bad-signature'],
      // a standard-base64 character: put in place, since a signature need not hold a - or _ to swap
      [`${h}.${p}.+${s.slice(1)}`, 'bad-signature'],
      [`${h}.${p}.`, 'bad-signature'],
      [`${b64({ alg: 'none', kid: key.kid })}.${p}.`, 'bad-signature'],
      [hs256, 'bad-signature'],
      [await sign({ alg: 'ES384', kid: key.kid }, manifest), 'bad-signature'],
      [await sign({ alg: 'ES256', kid: 'nobody' }, manifest), 'unknown-key'],
      [await sign({ alg: 'ES256' }, manifest), 'unknown-key'],
      [await sign({ alg: 'ES256', kid: '' }, manifest), 'unknown-key'],
      [await sign(es256, manifest, other), 'bad-signature'],
      [await sign({ ...es256, typ: 'JWT' }, manifest), 'malformed'],
      [await sign({ ...es256, crit: ['b64'], b64: false }, manifest), 'malformed'],
      [await sign({ ...es256, crit: [] }, manifest), 'malformed'],
      [`${b64([1])}.${p}.${s}`, 'malformed'],
      [`${b64('null')}.${p}.${s}`, 'malformed'],
      [`${b64('{')}.${p}.${s}`, 'malformed'],
      [`%%%.${p}.${s}`, 'malformed'],
      [`${h}.${p}`, 'malformed'],
      [`${h}.${p}.${s}.x`, 'malformed'],
      ['', 'malformed'],
      // b64 outside crit is ignored (RFC 7797 needs it in crit), by jose and by WebCrypto alike
      [await sign({ ...es256, b64: false }, manifest), 'ok'],
      [await sign({ ...es256, typ: MANIFEST_TYP }, manifest), 'ok'],
      [await sign(es256, { sub: 'x' }), 'invalid-payload'],
      [await sign(es256, 'not json'), 'invalid-payload'],
      // padding: jose's decoder (atob) accepted it, so the verdict is unchanged
      [`${h}.${p}.${s}==`.replace(/==$/, s.length % 4 === 0 ? '' : '=='.slice(0, 4 - (s.length % 4))), 'ok'],
    ];
    for (const [token, reason] of cases)
      expect([token.slice(0, 40), await agree(token)]).toEqual([token.slice(0, 40), reason]);
  });

  it('a pinned key that is not a usable P-256 public key is unknown-key, as with jose', async () => {
    const bad = { ...key.publicJwk, x: 'AAAA' };
    const r = await verifyManifest(jws, { ...opts(), publicKeys: [bad] });
    expect(r).toMatchObject({ ok: false, reason: 'unknown-key' });
    expect(await joseOracle(jws, [bad])).toBe('unknown-key');
    const rsa = { ...key.publicJwk, kty: 'RSA' } as JWK;
    expect(await verifyManifest(jws, { ...opts(), publicKeys: [rsa] })).toMatchObject({
      reason: 'unknown-key',
    });
  });

  it('randomly edited tokens get the same verdict as with jose', async () => {
    const chars = fc.constantFrom(...'AZaz09-_+/=.! '.split(''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('set', 'insert', 'delete'), c: chars }), {
          minLength: 1,
          maxLength: 3,
        }),
        async (edits) => {
          let t = jws;
          for (const e of edits) {
            const i = e.at % (t.length + 1);
            t =
              e.op === 'set'
                ? t.slice(0, i) + e.c + t.slice(i + 1)
                : e.op === 'insert'
                  ? t.slice(0, i) + e.c + t.slice(i)
                  : t.slice(0, i) + t.slice(i + 1);
          }
          await agree(t);
        },
      ),
      { numRuns: 400 },
    );
  });
});
