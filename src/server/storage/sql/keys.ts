/** The signing_keys table: the ES256 key pairs that sign manifests (their public halves make the JWKS). */
import type { SigningKeyRecord, SigningKeyRow } from '../../../core/schema.js';
import { json, type Db } from '../db.js';

export interface SigningKeyStore {
  addSigningKey(k: SigningKeyRecord): Promise<void>;
  /** newest first */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Deletes a key pair (retiring it): it leaves the JWKS and can sign nothing more. */
  deleteSigningKey(kid: string): Promise<void>;
}

const toSigningKey = (r: SigningKeyRow): SigningKeyRecord => ({
  kid: r.kid,
  createdAt: r.created_at,
  publicJwk: r.public_jwk,
  privateJwk: r.private_jwk,
});

export const signingKeySql = (db: Db): SigningKeyStore => ({
  async addSigningKey(k) {
    await db.query(
      'insert into signing_keys (kid, created_at, public_jwk, private_jwk) values ($1, $2, $3::jsonb, $4::jsonb)',
      [k.kid, k.createdAt, json(k.publicJwk), json(k.privateJwk)],
    );
  },

  async listSigningKeys() {
    const rows = await db.query<SigningKeyRow>(
      'select * from signing_keys order by created_at desc, kid desc',
    );
    return rows.map(toSigningKey);
  },

  async deleteSigningKey(kid) {
    await db.query('delete from signing_keys where kid = $1', [kid]);
  },
});
