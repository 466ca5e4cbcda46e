import type { SiteChanged } from '../../../core/schema.js';
import type { AdminCommand } from '../command.js';
import { CliError, positional } from '../command.js';

export const siteOrigins: AdminCommand = {
  name: 'site origins',
  summary: "add or remove a site's allowed origins (live at the next publish)",
  usage: 'ID --add ORIGIN | --remove ORIGIN [...] [--json]',
  help: `Edits the page origins allowed to use the site's manifest; devices see the change once the site
is published again ("edseg-admin publish ID"). Needs an owner.

  --add ORIGIN     an origin to allow, e.g. https://app.example.org; repeat for several
  --remove ORIGIN  an origin to drop; repeat for several (a site keeps one at least)
  --json           the server's answer as one object: { site, changes }`,
  options: {
    add: { type: 'string', multiple: true },
    remove: { type: 'string', multiple: true },
    json: { type: 'boolean' },
  },
  needsServer: true,
  async run(ctx) {
    const id = positional(ctx, 'the site ID');
    const add = (ctx.values['add'] as string[] | undefined) ?? [];
    const remove = (ctx.values['remove'] as string[] | undefined) ?? [];
    if (add.length === 0 && remove.length === 0) throw new CliError('give --add ORIGIN or --remove ORIGIN');
    const body = await ctx.api.post<SiteChanged>(`/sites/${encodeURIComponent(id)}/origins`, {
      ...(add.length ? { add } : {}),
      ...(remove.length ? { remove } : {}),
    });
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(body));
      return;
    }
    ctx.out(
      `${id}: ${body.changes.length ? body.changes.join('; ') : 'no change'}; origins now ${body.site.origins.join(' ')} (live at the next publish)`,
    );
  },
};
