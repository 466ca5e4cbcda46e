import type { AccountCreated, AccountList } from '../../../core/schema.js';
import type { AdminCommand } from '../command.js';
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

  --json  the server's answer as one object: { accounts: [{ name, role, createdAt, createdBy }] }`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const { accounts } = await ctx.api.get<AccountList>('/accounts');
    if (ctx.values['json']) {
      ctx.out(JSON.stringify({ accounts }));
      return;
    }
    if (accounts.length === 0) ctx.out('no accounts (the admin token is the only owner)');
    for (const a of accounts) ctx.out(`${a.name}  ${a.role}  created ${a.createdAt} by ${a.createdBy}`);
  },
};
