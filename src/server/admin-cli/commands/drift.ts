import type { SiteDrift } from '../../science/drift.js';
import { CliError, positional, type AdminCommand } from '../command.js';

export const drift: AdminCommand = {
  name: 'drift',
  summary: 'per model and period, estimated shares and feature means that moved beyond their intervals',
  usage: 'SITE [--version N] [--json]',
  help: [
    '  SITE          the site',
    '  --version N   a published version (default: the current one)',
    '  --json        stdout: the drift report as one JSON object { site, version, series, versions, periodDays,',
    '                periods, flags, checked, z, expectedFalseFlags, links }',
    '',
    "Drift runs over the version's series, period by period, on the figures the disclosure gate publishes",
    "(the trend view's): a cell is flagged when it differs from the inverse-variance mean of up to 3 earlier",
    'periods by more than 1.96 standard errors of the difference; suppressed cells are never checked.',
    'Each flag links to a refit and to the refinement.',
  ].join('\n'),
  options: { version: { type: 'string' }, json: { type: 'boolean' } },
  needsServer: true,
  async run(ctx) {
    const site = positional(ctx, 'SITE');
    const v = ctx.values['version'];
    if (v !== undefined && !(typeof v === 'string' && /^[1-9]\d*$/.test(v)))
      throw new CliError(`--version must be a positive whole number, got "${String(v)}"`);
    const report = await ctx.api.get<SiteDrift>(
      `/sites/${encodeURIComponent(site)}/drift${typeof v === 'string' ? `?version=${v}` : ''}`,
    );
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(report));
      return;
    }
    ctx.out(
      `${report.site} v${report.version}: ${report.periods.length} periods of ${report.periodDays} days, ${report.checked} cells checked, ${report.flags.length} flagged (about ${report.expectedFalseFlags} expected by chance at |z| > ${report.z})`,
    );
    for (const f of report.flags)
      ctx.out(
        `  period ${f.period}  ${f.model}/${f.segment}  ${f.what}: ${f.value.toFixed(3)} vs ${f.baseline.toFixed(3)} over ${f.periods} earlier (z ${f.z.toFixed(2)})`,
      );
    if (report.flags.length > 0) {
      ctx.out(`refit: ${report.links.refit}`);
      ctx.out(`refinement: ${report.links.refinement}`);
    }
  },
};
