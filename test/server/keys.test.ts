/**
 * Signing keys shared by several server processes on one PostgreSQL: each process has its own
 * Store (its own pool) and its own Signer, and a rotation made by one is what every other one
 * signs with and publishes from its next call, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyManifest } from '../../src/core/manifest.js';
import { randomHex } from '../../src/core/privacy/random.js';
import { createSigner } from '../../src/server/identity/keys.js';
import type { Signer } from '../../src/server/identity/keys.js';
import { buildManifest } from '../../src/server/sites/publish.js';
import { seedDefinition, seedOrigins, seedPolicy } from '../../src/server/demo/seed.js';
import { openPostgresStore } from '../../src/server/storage/postgres.js';
import type { SqlStore } from '../../src/server/storage/store.js';
import { acquirePostgres, releaseSchema } from './pg-harness.js';
import { NOW } from './helpers.js';

const def = seedDefinition('2025-06-02');
const manifest = buildManifest(
  {
    id: 'alpha',
    name: 'Alpha',
    origins: seedOrigins(8787),
    definition: def,
    policy: seedPolicy(def.models),
    createdAt: '',
    updatedAt: '',
  },
  1,
  NOW,
);

describe('two server processes on one PostgreSQL', () => {
  const schema = `edseg_keys_${randomHex(6)}`;
  let pgHandle: Awaited<ReturnType<typeof acquirePostgres>>;
  let stores: SqlStore[] = [];
  let first: Signer;
  let second: Signer;
  let oldKid: string;
  let newKid: string;

  beforeAll(async () => {
    pgHandle = await acquirePostgres();
    stores = [
      await openPostgresStore(pgHandle.url, { schema, max: 2 }),
      await openPostgresStore(pgHandle.url, { schema, max: 2 }),
    ];
    first = await createSigner(stores[0]!, () => NOW);
    second = await createSigner(stores[1]!, () => NOW);
    oldKid = (await second.currentPublicJwk()).kid!;
    // the second process has signed and published with the first key before the rotation
    await second.sign(manifest);
    await second.publicJwks();
    newKid = await first.rotate(NOW);
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    if (pgHandle) await releaseSchema(pgHandle, schema);
  });

  it('signs in the other process with the key the first one rotated to', async () => {
    expect(newKid).not.toBe(oldKid);
    const { jws, kid } = await second.sign(manifest);
    expect(kid).toBe(newKid);
    const r = await verifyManifest(jws, {
      publicKeys: (await second.publicJwks()).keys,
      site: 'alpha',
      origin: 'http://localhost:8787',
      now: NOW,
    });
    expect(r.ok && r.kid).toBe(newKid);
  });

  it("lists the rotated key first in the other process's JWKS, keeping the old one", async () => {
    expect((await second.publicJwks()).keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
  });

  it('pins the rotated key as the current one in the other process', async () => {
    expect((await second.currentPublicJwk()).kid).toBe(newKid);
  });
});
