/**
 * Named admin accounts: creation (the server draws a one-time password and a personal API token,
 * shown once), password checks for the console login and token checks for the API and the CLI.
 *
 * - Passwords: scrypt (node:crypto; memory-hard), a 16-byte random salt per account, the parameters
 *   stored with the hash as `scrypt$N$r$p$salt$hash` (base64url), compared in constant time. A login
 *   with an unknown name still runs scrypt once, so the answer's timing does not tell names apart.
 * - API tokens: 32 random bytes; only their SHA-256 is stored (a token is as strong as a key, so a
 *   fast hash suffices: nobody can guess one to test against the hash), looked up by that hash.
 * - The admin token (printed at first start, or EDSEG_ADMIN_TOKEN) is the bootstrap owner: it keeps
 *   working for the API and the console, and is how the first account is created.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AccountInput, PasswordChange, parseOrThrow } from '../../core/schema.js';
import type { AccountCreated, AccountRecord, AccountSummary, Principal } from '../../core/schema.js';
import { Refusal } from '../http/refusal.js';
import { tokenMatches } from '../http/tokens.js';
import type { Store } from '../storage/store.js';

/** scrypt's cost: N = 2^15, r = 8, p = 1 (32 MiB of memory per hash; median 0.31 s on the shared 2-core machine). */
export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;

/** How the admin token signs in the audit log: it is no account, so no name can be typed for it. */
export const BOOTSTRAP_ACTOR = 'admin token (bootstrap owner)';

/** The principal the admin token stands for. */
export const BOOTSTRAP: Principal = { name: BOOTSTRAP_ACTOR, role: 'owner', bootstrap: true };

const b64 = (b: Buffer): string => b.toString('base64url');

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, len: number) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(password, salt, len, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** The stored form of a password: `scrypt$N$r$p$salt$hash`. */
export async function hashPassword(password: string, params = SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, params.N, params.r, params.p, params.keyLength);
  return ['scrypt', params.N, params.r, params.p, b64(salt), b64(key)].join('$');
}

/** Whether `password` is the one `stored` was made from (with the parameters stored there), in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), +n!, +r!, +p!, expected.length);
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The SHA-256 an API token is stored and looked up as. */
export const tokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url');

const summaryOf = (a: AccountRecord): AccountSummary => ({
  name: a.name,
  role: a.role,
  createdAt: a.createdAt,
  createdBy: a.createdBy,
});

/** A hash of a password nobody has, to check unknown names against (drawn once per process). */
let decoy: Promise<string> | undefined;

/**
 * Creates an account with a fresh password and API token, audited (`account-create`); throws
 * a 400 naming the field for bad input, and a 409 when the name is taken (Refusal).
 */
export async function createAccount(
  store: Store,
  input: unknown,
  opts: { actor: string; now: Date },
): Promise<AccountCreated> {
  const { name, role } = parseOrThrow(AccountInput, input);
  const password = randomBytes(15).toString('base64url');
  const token = `edseg_${randomBytes(32).toString('base64url')}`;
  const record: AccountRecord = {
    name,
    role,
    passwordHash: await hashPassword(password),
    tokenHash: tokenHash(token),
    createdAt: opts.now.toISOString(),
    createdBy: opts.actor,
  };
  await store.transaction(async (tx) => {
    if (!(await tx.createAccount(record)))
      throw new Refusal(409, `an account named "${name}" exists already`, 'name');
    await tx.appendAudit({
      at: record.createdAt,
      actor: opts.actor,
      action: 'account-create',
      site: null,
      version: null,
      summary: `account ${name} created with the role ${role}`,
      detail: { name, role },
    });
  });
  return { account: summaryOf(record), password, token };
}

/** Every account, by name, without its hashes. */
export async function listAccounts(store: Store): Promise<AccountSummary[]> {
  return (await store.listAccounts()).map(summaryOf);
}

const principalOf = (a: AccountRecord): Principal => ({ name: a.name, role: a.role, bootstrap: false });

/** Who a bearer token stands for: the admin token (bootstrap owner), an account's API token, or nobody. */
export async function principalOfToken(
  store: Store,
  adminToken: string,
  token: string | undefined,
): Promise<Principal | null> {
  if (!token) return null;
  if (tokenMatches(token, adminToken)) return BOOTSTRAP;
  const account = await store.accountByTokenHash(tokenHash(token));
  return account ? principalOf(account) : null;
}

/** Who a console login is: name + password of an account, or (any name) the admin token as password; null when neither matches. */
export async function principalOfLogin(
  store: Store,
  adminToken: string,
  name: string,
  password: string,
): Promise<Principal | null> {
  if (!password) return null;
  if (tokenMatches(password, adminToken)) return BOOTSTRAP;
  const account = name ? await store.getAccount(name.trim().toLowerCase()) : null;
  if (!account) {
    decoy ??= hashPassword(randomBytes(16).toString('base64url'));
    await verifyPassword(password, await decoy);
    return null;
  }
  return (await verifyPassword(password, account.passwordHash)) ? principalOf(account) : null;
}

/**
 * Replaces an account's password (the one-time password it was given, or any later one): the
 * current one must match (400 naming `current` otherwise); the new one is 12 to 200 characters
 * (400 naming `password`). The admin token has no password (409). Audited (`account-password`).
 */
export async function changePassword(store: Store, who: Principal, input: unknown, now: Date): Promise<void> {
  const { current, password } = parseOrThrow(PasswordChange, input);
  if (who.bootstrap)
    throw new Refusal(
      409,
      'the admin token has no password: sign in with an account to change its password',
      'current',
    );
  const account = await store.getAccount(who.name);
  if (!account || !(await verifyPassword(current, account.passwordHash)))
    throw new Refusal(400, 'the current password does not match', 'current');
  const hash = await hashPassword(password);
  await store.transaction(async (tx) => {
    await tx.setAccountPassword(who.name, hash);
    await tx.appendAudit({
      at: now.toISOString(),
      actor: who.name,
      action: 'account-password',
      site: null,
      version: null,
      summary: `account ${who.name} changed its password`,
      detail: { name: who.name },
    });
  });
}
