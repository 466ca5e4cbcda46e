import type { SiteChanged } from '../../../core/schema.js';
import type { AdminCommand } from '../command.js';
import { CliError, positional, required } from '../command.js';

export const siteCreate: AdminCommand = {
  name: 'site create',
  summary: 'create a site (empty, or from the demo template)',
  usage: 'ID --name NAME --origin ORIGIN [--origin ORIGIN ...] [--template demo|empty] [--json]',
  help: `Creates the site ID; nothing is published until "edseg-admin publish ID". Needs an owner.

  --name NAME        the site's display name
  --origin ORIGIN    a page origin allowed to use its manifest, e.g. https://app.example.org
                     (scheme, host and port only); repeat for several
  --template T       demo: start with the demo site's features and models; empty (default): none yet
  --json             the server's answer as one object: { site, changes }`,
  options: {
    name: { type: 'string' },
    origin: { type: 'string', multiple: true },
    template: { type: 'string' },
    json: { type: 'boolean' },
  },
  needsServer: true,
  async run(ctx) {
    const id = positional(ctx, 'the site ID');
    const name = required(ctx, 'name');
    const origins = (ctx.values['origin'] as string[] | undefined) ?? [];
    if (origins.length === 0) throw new CliError('--origin is required (repeat it for several origins)');
    const template = ctx.values['template'];
    const body = await ctx.api.post<SiteChanged>('/sites', {
      id,
      name,
      origins,
      ...(typeof template === 'string' ? { template } : {}),
    });
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(body));
      return;
    }
    ctx.out(`created ${body.site.id} (${body.changes.join('; ')}), origins ${body.site.origins.join(' ')}`);
    ctx.out(`publish it with: edseg-admin publish ${body.site.id}`);
  },
};
