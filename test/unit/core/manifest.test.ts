import { beforeAll, describe, expect, it } from 'vitest';
import { CompactSign, SignJWT, base64url } from 'jose';
import type { JWK } from 'jose';
import { verifyManifest } from '../../../src/core/manifest.js';
import { deviceCeilings } from '../../../src/core/privacy/ceilings.js';
import { ORIGIN, testKey, testManifest, type TestKey } from '../../fixtures/manifest.js';

const NOW = new Date('2025-03-10T12:00:00Z');

/** The fixture manifest, valid for exactly 7 days (the longest allowed) around NOW. */
const manifest = testManifest({
  version: 3,
  issuedAt: '2025-03-08T00:00:00Z',
  expiresAt: '2025-03-15T00:00:00Z',
});

const opts = (keys: JWK[], over: Partial<Parameters<typeof verifyManifest>[1]> = {}) => ({
  publicKeys: keys,
  site: manifest.site.id,
  origin: ORIGIN,
  now: NOW,
  ...over,
});

/** Re-encodes the payload part of a compact JWS, keeping header and signature. */
function withPayload(jws: string, payload: unknown): string {
  const [h, , s] = jws.split('.');
  return `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
}

let key: TestKey;
let jws: string;
beforeAll(async () => {
  key = await testKey();
  jws = await key.sign(manifest);
});

describe('verifyManifest', () => {
  it('accepts a manifest signed with a pinned key and returns it with the kid', async () => {
    const r = await verifyManifest(jws, opts([key.publicJwk]));
    expect(r).toEqual({ ok: true, manifest, kid: key.kid });
  });

  it('picks the key by kid among several pinned keys', async () => {
    const other = await testKey('other-key');
    const r = await verifyManifest(jws, opts([other.publicJwk, key.publicJwk]));
    expect(r.ok && r.kid).toBe(key.kid);
  });

  it('writes the kid and typ edseg-manifest+jws in the protected header', async () => {
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(jws.split('.')[0]!)));
    expect(header).toEqual({ alg: 'ES256', kid: key.kid, typ: 'edseg-manifest+jws' });
  });

  it('refuses a tampered payload', async () => {
    const tampered = withPayload(jws, {
      ...manifest,
      policy: { ...manifest.policy, clear: [] },
    });
    const r = await verifyManifest(tampered, opts([key.publicJwk]));
    expect(r).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a manifest signed by another key that claims the pinned kid', async () => {
    const impostor = await testKey(key.kid);
    const forged = await impostor.sign(manifest);
    const r = await verifyManifest(forged, opts([key.publicJwk]));
    expect(r).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a manifest whose kid is not pinned', async () => {
    const stranger = await testKey('stranger-key');
    const signed = await stranger.sign(manifest);
    const r = await verifyManifest(signed, opts([key.publicJwk]));
    expect(r).toMatchObject({ ok: false, reason: 'unknown-key' });
  });

  it('refuses alg none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', kid: key.kid }));
    const unsigned = `${header}.${base64url.encode(JSON.stringify(manifest))}.`;
    const r = await verifyManifest(unsigned, opts([key.publicJwk]));
    expect(r).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses HS256 even when the secret is the public key text (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const hmac = await new CompactSign(new TextEncoder().encode(JSON.stringify(manifest)))
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .sign(secret);
    const r = await verifyManifest(hmac, opts([key.publicJwk]));
    expect(r).toMatchObject({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a string that is not a compact JWS', async () => {
    expect(await verifyManifest('not-a-jws', opts([key.publicJwk]))).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(await verifyManifest('a.b.c', opts([key.publicJwk]))).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
  });

  it('refuses a manifest for another site', async () => {
    const r = await verifyManifest(jws, opts([key.publicJwk], { site: 'other-site' }));
    expect(r).toMatchObject({ ok: false, reason: 'site-mismatch' });
  });

  it('refuses a page origin the manifest does not list', async () => {
    const r = await verifyManifest(jws, opts([key.publicJwk], { origin: 'https://evil.example' }));
    expect(r).toMatchObject({ ok: false, reason: 'origin-not-allowed' });
  });

  it('skips the origin check when origin is null', async () => {
    const r = await verifyManifest(jws, opts([key.publicJwk], { origin: null }));
    expect(r.ok).toBe(true);
  });

  it('refuses an expired manifest', async () => {
    const r = await verifyManifest(jws, opts([key.publicJwk], { now: new Date('2025-03-15T00:00:00Z') }));
    expect(r).toMatchObject({ ok: false, reason: 'expired' });
  });

  it('refuses a manifest issued more than the clock skew in the future', async () => {
    const r = await verifyManifest(jws, opts([key.publicJwk], { now: new Date('2025-03-07T23:00:00Z') }));
    expect(r).toMatchObject({ ok: false, reason: 'not-yet-valid' });
  });

  it('refuses a manifest valid for more than 7 days, naming both dates', async () => {
    const long = { ...manifest, expiresAt: '2025-03-15T00:00:01Z' };
    const r = await verifyManifest(await key.sign(long), opts([key.publicJwk]));
    expect(r).toMatchObject({ ok: false, reason: 'validity-too-long' });
    expect(!r.ok && r.message).toContain('2025-03-08T00:00:00Z');
    expect(!r.ok && r.message).toContain('2025-03-15T00:00:01Z');
    // exactly 7 days is accepted (the fixture)
    expect(await verifyManifest(jws, opts([key.publicJwk]))).toMatchObject({ ok: true });
  });

  it('refuses a version older than the one already accepted', async () => {
    const r = await verifyManifest(jws, opts([key.publicJwk], { minVersion: 4 }));
    expect(r).toMatchObject({ ok: false, reason: 'older-version' });
  });

  it("refuses a manifest that asks for more epsilon per report than the device's ceiling", async () => {
    const greedy = {
      ...manifest,
      reporting: { ...manifest.reporting, epsilonSegment: 5, epsilonFeatures: 4 },
    };
    const signed = await key.sign(greedy);
    const r = await verifyManifest(signed, opts([key.publicJwk], { ceilings: deviceCeilings() }));
    expect(r).toMatchObject({ ok: false, reason: 'over-ceiling' });
    expect(!r.ok && r.message).toContain('per report');
    // The same manifest passes a verifier that was not given ceilings (the server's own checks).
    expect(await verifyManifest(signed, opts([key.publicJwk]))).toMatchObject({ ok: true });
  });

  it('refuses a manifest whose budget lets a device spend more than the window ceiling in 28 days', async () => {
    const reporting = { ...manifest.reporting, periodDays: 1, budget: { windowDays: 7, maxEpsilon: 9 } };
    const signed = await key.sign({ ...manifest, reporting });
    const r = await verifyManifest(signed, opts([key.publicJwk], { ceilings: deviceCeilings() }));
    expect(r).toMatchObject({ ok: false, reason: 'over-ceiling' });
    expect(!r.ok && r.message).toContain('in 28 days');
  });

  it('lets the options lower the ceilings but never raise them', async () => {
    expect(deviceCeilings({ maxEpsilonPerReport: 100, maxEpsilonWindow: 1000 })).toEqual({
      maxEpsilonPerReport: 8,
      maxEpsilonWindow: 32,
    });
    const r = await verifyManifest(
      jws,
      opts([key.publicJwk], { ceilings: deviceCeilings({ maxEpsilonPerReport: 0.5 }) }),
    );
    expect(r).toMatchObject({ ok: false, reason: 'over-ceiling' });
  });

  it('refuses a validly signed payload that fails the schema, naming the field', async () => {
    const bad = await key.sign({ ...manifest, version: 0 });
    const r = await verifyManifest(bad, opts([key.publicJwk]));
    expect(r).toMatchObject({ ok: false, reason: 'invalid-payload' });
    expect(!r.ok && r.message).toContain('manifest.version');
  });

  it('refuses a validly signed manifest whose clear list covers only part of a model, naming the model', async () => {
    const partial = { ...manifest, policy: { ...manifest.policy, clear: ['idle'] } };
    const r = await verifyManifest(await key.sign(partial), opts([key.publicJwk]));
    expect(r).toMatchObject({ ok: false, reason: 'invalid-payload' });
    expect(!r.ok && r.message).toContain('manifest.policy.clear');
    expect(!r.ok && r.message).toContain('model "pace"');
    const whole = { ...manifest, policy: { ...manifest.policy, clear: ['idle', 'busy'] } };
    const ok = await verifyManifest(await key.sign(whole), opts([key.publicJwk]));
    expect(ok).toMatchObject({ ok: true });
  });

  it('refuses a signed JWT whose payload is not a manifest, naming a missing field', async () => {
    const jwt = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid })
      .sign(key.privateKey);
    const r = await verifyManifest(jwt, opts([key.publicJwk]));
    expect(r).toMatchObject({ ok: false, reason: 'invalid-payload' });
    expect(!r.ok && r.message).toContain('manifest.version');
  });
});
