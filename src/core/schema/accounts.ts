/**
 * Provider side: named admin accounts and their roles (src/server/identity/accounts.ts, src/server/admin/access.ts).
 * Server-only like server.ts and admin.ts; every `.check(…)` chain nested in a schema's arguments
 * carries its own pure annotation for the reason given in server.ts.
 */
import * as z from 'zod/mini';

/** The roles, weakest first: each one may do everything the ones before it may. */
export const ROLES = ['analyst', 'editor', 'owner'] as const;
/** analyst: reads sites, estimates and refinement proposals; editor: also policy, definitions, publish; owner: also sites, keys and accounts. */
export const Role = /* @__PURE__ */ z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** An account name: lower case, a letter first, then up to 63 letters, digits, _ . - (also how it shows in the audit log). */
export const AccountName = /* @__PURE__ */ z
  .string()
  .check(
    z.regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be 1-64 characters: a lower-case letter, then a-z, 0-9, _ . -'),
  );

/** POST /admin/api/accounts: the account to create (the server draws its password and API token). */
export const AccountInput = /* @__PURE__ */ z.strictObject({ name: AccountName, role: Role });
export type AccountInput = z.infer<typeof AccountInput>;

/** An account as lists show it: never its password hash or token hash. */
export const AccountSummary = /* @__PURE__ */ z.object({
  name: z.string(),
  role: Role,
  createdAt: z.string(),
  createdBy: z.string(),
  /** when an owner disabled it (no login, no session, no API token), or null */
  disabledAt: z.nullable(z.string()),
});
export type AccountSummary = z.infer<typeof AccountSummary>;

/** An account as the store keeps it: the scrypt hash of its password (with its parameters) and the SHA-256 of its API token. */
export const AccountRecord = /* @__PURE__ */ z.extend(AccountSummary, {
  passwordHash: z.string(),
  tokenHash: z.string(),
});
export type AccountRecord = z.infer<typeof AccountRecord>;

/** A row of the accounts table. */
export const AccountRow = /* @__PURE__ */ z.object({
  name: z.string(),
  role: Role,
  password_hash: z.string(),
  token_hash: z.string(),
  created_at: z.string(),
  created_by: z.string(),
  disabled_at: z.nullable(z.string()),
});
export type AccountRow = z.infer<typeof AccountRow>;

/** POST /admin/api/accounts answers 201 with this: the one-time password and API token, shown this once and stored only hashed. */
export const AccountCreated = /* @__PURE__ */ z.object({
  account: AccountSummary,
  password: z.string(),
  token: z.string(),
});
export type AccountCreated = z.infer<typeof AccountCreated>;

/** GET /admin/api/accounts. */
export const AccountList = /* @__PURE__ */ z.object({ accounts: z.array(AccountSummary) });
export type AccountList = z.infer<typeof AccountList>;

/** POST /admin/api/accounts/:name/role: the account's new role. */
export const RoleChange = /* @__PURE__ */ z.strictObject({ role: Role });
export type RoleChange = z.infer<typeof RoleChange>;

/** POST /admin/api/accounts/:name/{disable,enable,role} answer with the account as it is now. */
export const AccountChanged = /* @__PURE__ */ z.object({
  account: AccountSummary,
  changes: z.array(z.string()),
});
export type AccountChanged = z.infer<typeof AccountChanged>;

/** POST /admin/api/accounts/:name/token: the account's new API token, shown this once (the old one stops at once). */
export const AccountToken = /* @__PURE__ */ z.object({ account: AccountSummary, token: z.string() });
export type AccountToken = z.infer<typeof AccountToken>;

/** Who a request acts as: an account, or the admin token (the bootstrap owner, which has no account). */
export const Principal = /* @__PURE__ */ z.object({
  name: z.string(),
  role: Role,
  bootstrap: z.boolean(),
});
export type Principal = z.infer<typeof Principal>;

/** POST /admin/api/me/password: the account's current password and the new one (12 to 200 characters). */
export const PasswordChange = /* @__PURE__ */ z.strictObject({
  current: z.string(),
  password: /* @__PURE__ */ z.string().check(z.minLength(12), z.maxLength(200)),
});
export type PasswordChange = z.infer<typeof PasswordChange>;

/** A row of the admin_sessions table (http/sessions.ts): a console session, by the SHA-256 of its cookie's id. */
export const AdminSessionRow = /* @__PURE__ */ z.object({
  id_hash: z.string(),
  name: z.string(),
  role: Role,
  bootstrap: z.boolean(),
  created_at: z.string(),
  expires_at: z.string(),
});
export type AdminSessionRow = z.infer<typeof AdminSessionRow>;
