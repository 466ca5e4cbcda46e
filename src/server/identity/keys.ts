/**
 * Manifest signing keys: ES256 pairs kept in the store. The newest key signs; every key stays
 * published in the JWKS so SDKs pinned to an older key keep verifying until they are updated
 * (rotation without a flag day). Keys are never deleted here: retiring one is a deliberate
 * operation once no pinned embedder uses it.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK } from 'jose';
import { signManifest } from '../../core/manifest.js';
import type { SigningKey } from '../../core/manifest.js';
import { PrivateJwk, PublicJwk, parseOrThrow } from '../../core/schema.js';
import type { Manifest, PublicJwks, SigningKeyRecord } from '../../core/schema.js';
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
