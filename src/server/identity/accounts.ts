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
 * - Revocation: an owner disables and enables an account, changes its role and rotates its API token
 *   (each audited). Disabling ends its console sessions and its API token at once (the token hash is
 *   replaced, so enabling does not bring it back: rotate for a new one); a role change holds for its
 *   next request (the console reads the account again on every request: sessionAccount); a password
 *   change ends the account's other sessions.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AccountInput, PasswordChange, RoleChange, parseOrThrow } from '../../core/schema.js';
import type {
  AccountChanged,
  AccountCreated,
  AccountRecord,
  AccountSummary,
  AccountToken,
  Principal,
} from '../../core/schema.js';
import { Refusal } from '../http/refusal.js';
import type { SessionStore } from '../http/sessions.js';
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
  disabledAt: a.disabledAt,
});

/** A fresh API token: `edseg_` and 32 random bytes. */
const newToken = (): string => `edseg_${randomBytes(32).toString('base64url')}`;

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
  const token = newToken();
  const record: AccountRecord = {
    name,
    role,
    passwordHash: await hashPassword(password),
    tokenHash: tokenHash(token),
    createdAt: opts.now.toISOString(),
    createdBy: opts.actor,
    disabledAt: null,
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

/** The server_settings entry of the admin token's SHA-256 (recorded at start: runtime/start.ts). */
export const ADMIN_TOKEN_SETTING = 'admin-token-sha256';

/**
 * Whether `presented` is the admin token in force: the one whose SHA-256 the database holds, so a
 * process started with a new token changes it for every process on the database at once; on a
 * database that holds none (an app made without startServer), this process's `adminToken`.
 */
async function isAdminToken(store: Store, adminToken: string, presented: string): Promise<boolean> {
  const recorded = await store.getSetting(ADMIN_TOKEN_SETTING);
  if (recorded === null) return tokenMatches(presented, adminToken);
  const a = Buffer.from(tokenHash(presented));
  const b = Buffer.from(recorded);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Who a bearer token stands for: the admin token (bootstrap owner), an account's API token, or nobody. */
export async function principalOfToken(
  store: Store,
  adminToken: string,
  token: string | undefined,
): Promise<Principal | null> {
  if (!token) return null;
  if (await isAdminToken(store, adminToken, token)) return BOOTSTRAP;
  const account = await store.accountByTokenHash(tokenHash(token));
  return account && account.disabledAt === null ? principalOf(account) : null;
}

/**
 * The principal a console session stands for now: the bootstrap owner as it is; an account as the
 * store has it (its current role), or null when it was disabled or removed since the session opened.
 */
export async function sessionAccount(store: Store, p: Principal): Promise<Principal | null> {
  if (p.bootstrap) return p;
  const account = await store.getAccount(p.name);
  return account && account.disabledAt === null ? principalOf(account) : null;
}

/** Who a console login is: name + password of an account, or (any name) the admin token as password; null when neither matches. */
export async function principalOfLogin(
  store: Store,
  adminToken: string,
  name: string,
  password: string,
): Promise<Principal | null> {
  if (!password) return null;
  if (await isAdminToken(store, adminToken, password)) return BOOTSTRAP;
  const account = name ? await store.getAccount(name.trim().toLowerCase()) : null;
  if (!account) {
    decoy ??= hashPassword(randomBytes(16).toString('base64url'));
    await verifyPassword(password, await decoy);
    return null;
  }
  // A disabled account's password is still checked (the same time as a wrong one), and refused.
  const right = await verifyPassword(password, account.passwordHash);
  return right && account.disabledAt === null ? principalOf(account) : null;
}

/**
 * Replaces an account's password (the one-time password it was given, or any later one): the
 * current one must match (400 naming `current` otherwise); the new one is 12 to 200 characters
 * (400 naming `password`). The admin token has no password (409). Audited (`account-password`).
 */
export async function changePassword(
  store: Store,
  who: Principal,
  input: unknown,
  now: Date,
  /** the account's sessions, every one but `keep` (the session that asks, if any) ended */
  sessions?: { store: SessionStore; keep?: string | undefined },
): Promise<void> {
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
  await sessions?.store.closeAccount(who.name, sessions.keep);
}

/** What an owner does to an account, with what it writes and its audit words. */
type AccountAction = 'disable' | 'enable' | 'role' | 'token';

/** Loads the account `name` an owner acts on: 404 when unknown; 409 for the owner's own account (another owner does it). */
async function target(
  store: Store,
  who: Principal,
  name: string,
  action: AccountAction,
): Promise<AccountRecord> {
  const account = await store.getAccount(name);
  if (!account) throw new Refusal(404, `no account named "${name}"`, 'name');
  if (!who.bootstrap && who.name === account.name && action !== 'token')
    throw new Refusal(
      409,
      `you cannot ${action === 'role' ? 'change the role of' : action} your own account: another owner does it`,
      'name',
    );
  return account;
}

/** Writes `patch` to the account and its audit entry in one transaction. */
async function writeAccount(
  store: Store,
  account: AccountRecord,
  patch: Parameters<Store['updateAccount']>[1],
  audit: { action: string; summary: string; detail: Record<string, unknown> },
  opts: { actor: string; now: Date },
): Promise<AccountSummary> {
  await store.transaction(async (tx) => {
    await tx.updateAccount(account.name, patch);
    await tx.appendAudit({
      at: opts.now.toISOString(),
      actor: opts.actor,
      site: null,
      version: null,
      ...audit,
    });
  });
  return summaryOf({ ...account, ...patch });
}

/**
 * Disables an account: it signs in no more, its console sessions end at once (`sessions`) and its
 * API token stops (its hash is replaced by one no token has). Again is a no-op. Audited
 * (`account-disable`); 404 for an unknown name, 409 for one's own account.
 */
export async function disableAccount(
  store: Store,
  sessions: SessionStore,
  who: Principal,
  name: string,
  now: Date,
): Promise<AccountChanged> {
  const account = await target(store, who, name, 'disable');
  await sessions.closeAccount(account.name);
  if (account.disabledAt !== null) return { account: summaryOf(account), changes: [] };
  const changes = ['disabled: its sessions ended and its API token stopped'];
  const summary = await writeAccount(
    store,
    account,
    { disabledAt: now.toISOString(), tokenHash: tokenHash(newToken()) },
    {
      action: 'account-disable',
      summary: `account ${account.name} disabled`,
      detail: { name: account.name },
    },
    { actor: who.name, now },
  );
  return { account: summary, changes };
}

/** Enables a disabled account: its password signs in again; its old API token stays stopped (rotate for a new one). Audited (`account-enable`). */
export async function enableAccount(
  store: Store,
  who: Principal,
  name: string,
  now: Date,
): Promise<AccountChanged> {
  const account = await target(store, who, name, 'enable');
  if (account.disabledAt === null) return { account: summaryOf(account), changes: [] };
  const summary = await writeAccount(
    store,
    account,
    { disabledAt: null },
    { action: 'account-enable', summary: `account ${account.name} enabled`, detail: { name: account.name } },
    { actor: who.name, now },
  );
  return {
    account: summary,
    changes: ['enabled: its password signs in again; rotate its API token for a new one'],
  };
}

/** Changes an account's role (body RoleChange; 400 naming `role`), live at its next request. Audited (`account-role`). */
export async function changeRole(
  store: Store,
  who: Principal,
  name: string,
  input: unknown,
  now: Date,
): Promise<AccountChanged> {
  const { role } = parseOrThrow(RoleChange, input);
  const account = await target(store, who, name, 'role');
  if (account.role === role) return { account: summaryOf(account), changes: [] };
  const summary = await writeAccount(
    store,
    account,
    { role },
    {
      action: 'account-role',
      summary: `account ${account.name}: role ${account.role} -> ${role}`,
      detail: { name: account.name, before: account.role, after: role },
    },
    { actor: who.name, now },
  );
  return { account: summary, changes: [`role ${account.role} -> ${role}`] };
}

/** Draws a new API token for an account (shown this once); the old one stops at once. Audited (`account-token`). */
export async function rotateToken(
  store: Store,
  who: Principal,
  name: string,
  now: Date,
): Promise<AccountToken> {
  const account = await target(store, who, name, 'token');
  if (account.disabledAt !== null)
    throw new Refusal(409, `account ${account.name} is disabled: enable it first`, 'name');
  const token = newToken();
  const summary = await writeAccount(
    store,
    account,
    { tokenHash: tokenHash(token) },
    {
      action: 'account-token',
      summary: `account ${account.name}: new API token, the old one stopped`,
      detail: { name: account.name },
    },
    { actor: who.name, now },
  );
  return { account: summary, token };
}
