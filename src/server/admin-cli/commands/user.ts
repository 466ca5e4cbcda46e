import type { AccountChanged, AccountCreated, AccountList, AccountToken } from '../../../core/schema.js';
import type { AdminCommand, CommandContext } from '../command.js';
import { positional, required } from '../command.js';

export const userAdd: AdminCommand = {
  name: 'user add',
  summary: 'create an account; prints its one-time password and API token',
  usage: 'NAME --role owner|editor|analyst [--json]',
  help: `Creates the account NAME (lower case: a letter, then a-z 0-9 _ . -). The server draws its password
(for the console) and its API token (for the API and this CLI: --token or EDSEG_ADMIN_TOKEN); both
are shown this once and stored only hashed. Needs an owner (the admin token the server printed at
first start is the first owner).

  --role R  owner (everything: keys, accounts, sites), editor (policy, definitions, publish) or
            analyst (reads estimates, proposes refinements)
  --json    one object: { account: { name, role, createdAt, createdBy }, password, token }`,
  options: { role: { type: 'string' }, json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const name = positional(ctx, 'the account NAME');
    const role = required(ctx, 'role');
    const body = await ctx.api.post<AccountCreated>('/accounts', { name, role });
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(body));
      return;
    }
    ctx.out(`created ${body.account.name} (${body.account.role}); shown this once:`);
    ctx.out(`password   ${body.password}`);
    ctx.out(`api token  ${body.token}`);
  },
};

export const userList: AdminCommand = {
  name: 'user list',
  summary: 'list the accounts and their roles',
  usage: '[--json]',
  help: `Needs an owner.

  --json  the server's answer as one object: { accounts: [{ name, role, createdAt, createdBy, disabledAt }] }`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const { accounts } = await ctx.api.get<AccountList>('/accounts');
    if (ctx.values['json']) {
      ctx.out(JSON.stringify({ accounts }));
      return;
    }
    if (accounts.length === 0) ctx.out('no accounts (the admin token is the only owner)');
    for (const a of accounts)
      ctx.out(
        `${a.name}  ${a.role}  created ${a.createdAt} by ${a.createdBy}${a.disabledAt ? `  disabled ${a.disabledAt}` : ''}`,
      );
  },
};

/** Prints an AccountChanged answer (or the whole answer with --json). */
function printChanged(ctx: CommandContext, body: AccountChanged): void {
  if (ctx.values['json']) {
    ctx.out(JSON.stringify(body));
    return;
  }
  const a = body.account;
  ctx.out(`${a.name}: ${body.changes.length ? body.changes.join('; ') : 'no change'}`);
  ctx.out(`${a.name}  ${a.role}  ${a.disabledAt ? `disabled ${a.disabledAt}` : 'active'}`);
}

const JSON_CHANGED = `  --json  the server's answer as one object: { account: { name, role, createdAt, createdBy, disabledAt }, changes }`;
const path = (ctx: CommandContext, verb: string) =>
  `/accounts/${encodeURIComponent(positional(ctx, 'the account NAME'))}/${verb}`;

export const userDisable: AdminCommand = {
  name: 'user disable',
  summary: 'disable an account: its sessions end and its API token stops at once',
  usage: 'NAME [--json]',
  help: `The account signs in no more; its console sessions end and its API token stops at once (enabling
it again does not bring the token back: "user token"). Not one's own account. Needs an owner.

${JSON_CHANGED}`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    printChanged(ctx, await ctx.api.post<AccountChanged>(path(ctx, 'disable'), {}));
  },
};

export const userEnable: AdminCommand = {
  name: 'user enable',
  summary: 'enable a disabled account: its password signs in again',
  usage: 'NAME [--json]',
  help: `Its password signs in again; its old API token stays stopped ("user token" draws a new one).
Needs an owner.

${JSON_CHANGED}`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    printChanged(ctx, await ctx.api.post<AccountChanged>(path(ctx, 'enable'), {}));
  },
};

export const userRole: AdminCommand = {
  name: 'user role',
  summary: "change an account's role, from its next request",
  usage: 'NAME --role owner|editor|analyst [--json]',
  help: `The new role holds from the account's next request (API and console). Not one's own account.
Needs an owner.

  --role R  owner, editor or analyst
${JSON_CHANGED}`,
  options: { role: { type: 'string' }, json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const role = required(ctx, 'role');
    printChanged(ctx, await ctx.api.post<AccountChanged>(path(ctx, 'role'), { role }));
  },
};

export const userToken: AdminCommand = {
  name: 'user token',
  summary: 'draw a new API token for an account; the old one stops at once',
  usage: 'NAME [--json]',
  help: `Prints the new token this once (it is stored only hashed); the old one stops at once. Refused
for a disabled account. Needs an owner.

  --json  one object: { account: { name, role, createdAt, createdBy, disabledAt }, token }`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const body = await ctx.api.post<AccountToken>(path(ctx, 'token'), {});
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(body));
      return;
    }
    ctx.out(`new API token of ${body.account.name}; the old one stopped. Shown this once:`);
    ctx.out(`api token  ${body.token}`);
  },
};
