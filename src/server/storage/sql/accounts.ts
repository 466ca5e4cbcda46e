/** The accounts table: named admin accounts, their role, password hash and API token hash. */
import type { AccountRecord, AccountRow } from '../../../core/schema.js';
import type { Db } from '../db.js';

export interface AccountStore {
  /** false when an account of that name exists already (nothing is written) */
  createAccount(a: AccountRecord): Promise<boolean>;
  getAccount(name: string): Promise<AccountRecord | null>;
  accountByTokenHash(tokenHash: string): Promise<AccountRecord | null>;
  setAccountPassword(name: string, passwordHash: string): Promise<void>;
  /** Changes what `patch` names of an account; false when there is no account of that name. */
  updateAccount(
    name: string,
    patch: Partial<Pick<AccountRecord, 'role' | 'tokenHash' | 'disabledAt'>>,
  ): Promise<boolean>;
  /** by name */
  listAccounts(): Promise<AccountRecord[]>;
}

const toAccount = (r: AccountRow): AccountRecord => ({
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  tokenHash: r.token_hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  disabledAt: r.disabled_at ?? null,
});

export const accountSql = (db: Db): AccountStore => ({
  async createAccount(a) {
    const rows = await db.query(
      `insert into accounts (name, role, password_hash, token_hash, created_at, created_by)
       values ($1, $2, $3, $4, $5, $6) on conflict (name) do nothing returning name`,
      [a.name, a.role, a.passwordHash, a.tokenHash, a.createdAt, a.createdBy],
    );
    return rows.length === 1;
  },

  async getAccount(name) {
    const [r] = await db.query<AccountRow>('select * from accounts where name = $1', [name]);
    return r ? toAccount(r) : null;
  },

  async accountByTokenHash(tokenHash) {
    const [r] = await db.query<AccountRow>('select * from accounts where token_hash = $1', [tokenHash]);
    return r ? toAccount(r) : null;
  },

  async setAccountPassword(name, passwordHash) {
    await db.query('update accounts set password_hash = $2 where name = $1', [name, passwordHash]);
  },

  async updateAccount(name, patch) {
    const rows = await db.query(
      `update accounts set
         role = coalesce($2, role),
         token_hash = coalesce($3, token_hash),
         disabled_at = case when $4 then $5 else disabled_at end
       where name = $1 returning name`,
      [name, patch.role ?? null, patch.tokenHash ?? null, 'disabledAt' in patch, patch.disabledAt ?? null],
    );
    return rows.length === 1;
  },

  async listAccounts() {
    return (await db.query<AccountRow>('select * from accounts order by name')).map(toAccount);
  },
});
