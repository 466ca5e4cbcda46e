import type { SiteChanged } from '../../../core/schema.js';
import type { AdminCommand } from '../command.js';
import { positional } from '../command.js';

export const siteDisable: AdminCommand = {
  name: 'site disable',
  summary: 'disable a site: no manifest served, its reports refused (410)',
  usage: 'ID [--json]',
  help: `Disables the site ID at once: GET /v1/sites/ID/manifest and its reports answer 410, it cannot be
published, expiry re-signing and key rotation skip it. Its versions, reports, estimates and audit log
stay. Needs an owner.

  --json  the server's answer as one object: { site, changes }`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const id = positional(ctx, 'the site ID');
    const body = await ctx.api.post<SiteChanged>(`/sites/${encodeURIComponent(id)}/disable`, {});
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(body));
      return;
    }
    ctx.out(
      body.changes.length
        ? `${id} disabled at ${body.site.disabledAt}`
        : `${id} was disabled already (${body.site.disabledAt})`,
    );
  },
};
