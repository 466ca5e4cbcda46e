import type { AdminCommand } from '../command.js';

interface SiteRow {
  id: string;
  [k: string]: unknown;
}

export const siteList: AdminCommand = {
  name: 'site list',
  summary: 'list the sites on the server',
  usage: '[--json]',
  options: { json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const { sites } = await ctx.api.get<{ sites: SiteRow[] }>('/sites');
    if (ctx.values['json']) {
      ctx.out(JSON.stringify({ sites }));
      return;
    }
    if (sites.length === 0) ctx.out('no sites');
    for (const s of sites) {
      const rest = Object.entries(s)
        .filter(([k, v]) => k !== 'id' && (typeof v === 'string' || typeof v === 'number'))
        .map(([k, v]) => `${k}=${String(v)}`)
        .join('  ');
      ctx.out(`${s.id}${rest ? `  ${rest}` : ''}`);
    }
  },
};
