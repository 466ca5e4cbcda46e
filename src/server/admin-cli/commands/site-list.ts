import type { SiteList } from '../../../core/schema.js';
import type { AdminCommand } from '../command.js';

export const siteList: AdminCommand = {
  name: 'site list',
  summary: 'list the sites on the server',
  usage: '[--json]',
  help: `One line per site: id, name, published version (or "unpublished"), "disabled" when it is,
and its allowed origins.

  --json  the server's answer as one object: { sites: [{ id, name, origins, currentVersion, publishedAt, disabledAt }] }`,
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const { sites } = await ctx.api.get<SiteList>('/sites');
    if (ctx.values['json']) {
      ctx.out(JSON.stringify({ sites }));
      return;
    }
    if (sites.length === 0) ctx.out('no sites');
    for (const s of sites) {
      const version = s.currentVersion === null ? 'unpublished' : `v${s.currentVersion}`;
      const state = s.disabledAt ? `  disabled since ${s.disabledAt}` : '';
      ctx.out(`${s.id}  name=${JSON.stringify(s.name)}  ${version}${state}  origins=${s.origins.join(',')}`);
    }
  },
};
