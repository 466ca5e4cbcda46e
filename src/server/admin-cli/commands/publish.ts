import type { Published } from '../../../core/schema.js';
import type { AdminCommand } from '../command.js';
import { positional } from '../command.js';

export const publish: AdminCommand = {
  name: 'publish',
  summary: "sign and publish the next version of a site's manifest",
  usage: 'ID [--note TEXT] [--json]',
  help: `Publishes the site's working copy (features, models, documentation, policy, origins) as the next
signed version, with an audit entry. Needs an editor.

  --note TEXT  a note for the audit log (at most 500 characters)
  --json       the server's answer as one object: { site, version, kid, expiresAt, changes }`,
  options: { note: { type: 'string' }, json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const id = positional(ctx, 'the site ID');
    const note = ctx.values['note'];
    const body = await ctx.api.post<Published>(
      `/sites/${encodeURIComponent(id)}/publish`,
      typeof note === 'string' && note !== '' ? { note } : {},
    );
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(body));
      return;
    }
    ctx.out(`published ${body.site} v${body.version} (key ${body.kid}, valid until ${body.expiresAt})`);
    for (const c of body.changes) ctx.out(`  ${c}`);
  },
};
