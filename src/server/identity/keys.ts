/**
 * Manifest signing keys: ES256 pairs kept in the store. The newest key signs; every key stays
 * published in the JWKS so SDKs pinned to an older key keep verifying until they are updated
 * (rotation without a flag day). Rotating re-signs every published site with the new key at once;
 * a key leaves the JWKS only when an admin retires it, once no manifest it signed can still be valid
 * on a device: after the latest expiresAt of every version it signed (retireSigningKey).
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import { signManifest } from '../../core/manifest.js';
import type { SigningKey } from '../../core/manifest.js';
import { PrivateJwk, PublicJwk, parseOrThrow } from '../../core/schema.js';
import type { KeyStatus, Manifest, PublicJwks, SigningKeyRecord } from '../../core/schema.js';
import { Refusal } from '../http/refusal.js';
import { publishSite } from '../sites/publish.js';
import type { PublishResult } from '../sites/publish.js';
import type { Store } from '../storage/store.js';

export interface Signer {
  /**
   * Signs with the newest key, read through `via` (default the signer's store). Inside a
   * transaction pass the transaction's store: PGlite has one connection, so a read through the
   * root store would wait for the transaction to end, which waits for the signature.
   */
  sign(manifest: Manifest, via?: Store): Promise<{ jws: string; kid: string }>;
  /** Every public key, newest first, each with kid, alg ES256 and use sig. */
  publicJwks(): Promise<PublicJwks>;
  /** The public key that signs now (the one the demo page pins). */
  currentPublicJwk(): Promise<PublicJwk>;
  /** Generates a new key that signs from now on; returns its kid. */
  rotate(at?: Date): Promise<string>;
}

const publicOnly = (jwk: PublicJwk, kid: string): PublicJwk => ({
  kty: jwk.kty,
  crv: jwk.crv,
  x: jwk.x,
  y: jwk.y,
  kid,
  alg: 'ES256',
  use: 'sig',
});

/**
 * Generates an extractable ES256 pair; kid = the first 16 characters of its RFC 7638 thumbprint.
 * The exported JWKs are parsed with the stored shapes (PublicJwk, PrivateJwk): an ES256 pair always
 * fits them, and the parse is what narrows jose's general JWK type.
 */
export async function generateSigningKey(at: Date): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = (await calculateJwkThumbprint(pub, 'sha256')).slice(0, 16);
  return {
    kid,
    createdAt: at.toISOString(),
    publicJwk: publicOnly(parseOrThrow(PublicJwk, { ...pub, kid }, 'publicJwk'), kid),
    privateJwk: parseOrThrow(
      PrivateJwk,
      { ...(await exportJWK(privateKey)), kid, alg: 'ES256' },
      'privateJwk',
    ),
  };
}

/**
 * A Signer over the store's keys; creates the first key when there is none.
 * Every call reads the key list afresh (one small query), so several server processes on one
 * PostgreSQL agree at once after any of them rotates; only the imported CryptoKeys are cached, by kid.
 */
export async function createSigner(store: Store, now: () => Date = () => new Date()): Promise<Signer> {
  if ((await store.listSigningKeys()).length === 0)
    await store.addSigningKey(await generateSigningKey(now()));
  const imported = new Map<string, SigningKey>();
  const newest = async (via: Store = store): Promise<SigningKeyRecord> => {
    const [k] = await via.listSigningKeys();
    if (!k) throw new Error('edseg: no signing key in the store');
    return k;
  };
  const privateKey = async (k: SigningKeyRecord): Promise<SigningKey> => {
    let key = imported.get(k.kid);
    if (!key) {
      key = await importJWK(k.privateJwk, 'ES256');
      imported.set(k.kid, key);
    }
    return key;
  };
  return {
    async sign(manifest, via) {
      const k = await newest(via);
      return { jws: await signManifest(manifest, await privateKey(k), k.kid), kid: k.kid };
    },
    async publicJwks() {
      return { keys: (await store.listSigningKeys()).map((k) => publicOnly(k.publicJwk, k.kid)) };
    },
    async currentPublicJwk() {
      const k = await newest();
      return publicOnly(k.publicJwk, k.kid);
    },
    async rotate(at = now()) {
      // createdAt orders the keys; a rotation in the same millisecond as the last one must still win.
      const last = Date.parse((await newest()).createdAt);
      const k = await generateSigningKey(new Date(Math.max(at.getTime(), last + 1)));
      await store.addSigningKey(k);
      return k.kid;
    },
  };
}

/**
 * Rotates the signing key: a new key signs from now on, and every published site is re-signed
 * with it at once, so the current manifests and the newest key in the JWKS always agree (the
 * demo page pins the newest key). The old keys stay in the JWKS for SDKs that pinned them.
 */
export async function rotateSigningKey(
  store: Store,
  signer: Signer,
  opts: { actor: string; now: Date },
): Promise<{ kid: string; republished: PublishResult[] }> {
  const kid = await signer.rotate(opts.now);
  await store.appendAudit({
    at: opts.now.toISOString(),
    actor: opts.actor,
    action: 'key-rotate',
    site: null,
    version: null,
    summary: `new signing key ${kid}; every published site re-signed with it`,
    detail: { kid },
  });
  const republished: PublishResult[] = [];
  for (const s of await store.listSites()) {
    if (s.currentVersion !== null && s.disabledAt === null)
      republished.push(
        await publishSite(store, signer, s.id, {
          actor: opts.actor,
          now: opts.now,
          note: `re-signed with the new key ${kid}`,
        }),
      );
  }
  return { kid, republished };
}

/**
 * Every signing key with whether it signs now and the live versions it signed: the current,
 * unexpired version of each enabled site (a disabled site serves nothing).
 */
export async function keyStatuses(store: Store, signer: Signer, now: Date): Promise<KeyStatus[]> {
  const { keys } = await signer.publicJwks();
  const live: { site: string; version: number; kid: string }[] = [];
  for (const { site, version, expiresAt } of await store.currentExpiries()) {
    if (Date.parse(expiresAt) <= now.getTime()) continue;
    const v = await store.getVersion(site, version);
    if (v) live.push({ site, version, kid: v.kid });
  }
  const created = new Map((await store.listSigningKeys()).map((k) => [k.kid, k.createdAt]));
  const until = await store.expiriesByKid();
  return keys.map((k, i) => ({
    kid: k.kid,
    createdAt: created.get(k.kid) ?? '',
    current: i === 0,
    liveVersions: live.filter((v) => v.kid === k.kid).map(({ site, version }) => ({ site, version })),
    validUntil: until.get(k.kid) ?? null,
  }));
}

/** What a roll-out needs before an old key is retired, as the refusal and the console say it. */
export const RETIRE_STEPS =
  'pin the new key (the JWKS at /v1/keys) in every page that embeds the SDK, then retire the old one once the manifests it signed have expired';

/**
 * Retires a signing key: it leaves /v1/keys and its private half is deleted. Refused (409) for the
 * key that signs now (rotate first), while a live version is signed by it (naming them), and while
 * any manifest it signed could still be valid on a device: until the latest expiresAt among the
 * versions it signed, which the refusal names (a device that pinned only this key and holds such a
 * manifest would otherwise release nothing, silently). 404 for an unknown kid. Audited (`key-retire`).
 */
export async function retireSigningKey(
  store: Store,
  signer: Signer,
  kid: string,
  opts: { actor: string; now: Date },
): Promise<KeyStatus[]> {
  const keys = await keyStatuses(store, signer, opts.now);
  const key = keys.find((k) => k.kid === kid);
  if (!key) throw new Refusal(404, `no signing key "${kid}"`, 'kid');
  if (key.current) throw new Refusal(409, `key ${kid} signs now: rotate first, then retire it`, 'kid');
  if (key.liveVersions.length > 0)
    throw new Refusal(
      409,
      `key ${kid} still signs live versions: ${key.liveVersions.map((v) => `${v.site} v${v.version}`).join(', ')} (publish them again with the new key, or wait until they expire)`,
      'kid',
    );
  if (key.validUntil !== null && Date.parse(key.validUntil) > opts.now.getTime())
    throw new Refusal(
      409,
      `key ${kid} signed manifests that devices may hold until ${key.validUntil}: retire it after that date (${RETIRE_STEPS})`,
      'kid',
    );
  await store.transaction(async (tx) => {
    await tx.deleteSigningKey(kid);
    await tx.appendAudit({
      at: opts.now.toISOString(),
      actor: opts.actor,
      action: 'key-retire',
      site: null,
      version: null,
      summary: `signing key ${kid} retired: removed from /v1/keys`,
      detail: { kid, createdAt: key.createdAt },
    });
  });
  return keyStatuses(store, signer, opts.now);
}
