/**
 * `edseg-admin simulate --site SITE --learners N [--periods P] [--seed S] [--json]`: synthetic
 * learners (src/server/demo/simulate.ts) report to the server through the SDK's own code, so anyone can
 * fill a dashboard or load a collector. The site must exist (admin API, with the token); its
 * manifest and keys come from the public API and the manifest is verified with the SDK's
 * verifyManifest (signature, site, validity) before anything is built from it.
 *
 * Reports are POSTed to /v1/reports in batches of MAX_BATCH_REPORTS, a few at a time. A 429 or 503
 * is retried after its Retry-After (as the SDK's outbox does); other refusals are counted by
 * reason (the status and the field at fault, its report index left out), the batch being refused
 * whole. Past periods: the collector admits a period aligned to periodDays up to tomorrow and no
 * earlier than the period before the one the version was published in, so of P periods ending with
 * the current one (all sent under the current version) the older ones are refused
 * (`400 reports.N.period`) when the version is younger than they are.
 */
import { verifyManifest } from '../../../core/manifest.js';
import { cryptoRng } from '../../../core/privacy/random.js';
import { MAX_BATCH_REPORTS, dayOf } from '../../../core/schema.js';
import type { Report } from '../../../core/schema.js';
import type { JWK } from 'jose';
import { makeLearners, simulatePeriods, simulationRngs } from '../../demo/simulate.js';
import type { AdminCommand, CommandContext } from '../command.js';
import { CliError, required } from '../command.js';

/** Batches in flight at once. */
const CONCURRENCY = 4;
/** The longest Retry-After honoured (seconds); a longer one stops the run. */
const MAX_RETRY_AFTER_S = 120;
/** Tries of a batch that met a network error or a 5xx other than 503. */
const MAX_TRIES = 3;

export type SimulateResult = {
  site: string;
  manifestVersion: number;
  learners: number;
  periods: number;
  seed: number;
  /** reports built (learners whose consent allows none send none) */
  reports: number;
  /** reports the server stored */
  accepted: number;
  /** reports the server had already (the same id: a rerun with the same seed) */
  duplicates: number;
  /** reports in refused batches, by "status field" */
  refused: Record<string, number>;
  batches: number;
  /** 429/503 answers waited out */
  retried: number;
  seconds: number;
};

function positiveInt(ctx: CommandContext, name: string, fallback?: number, max = 10_000_000): number {
  const v = ctx.values[name];
  if (v === undefined && fallback !== undefined) return fallback;
  const text = typeof v === 'string' ? v : '';
  const n = Number(text);
  if (!(text !== '' && Number.isInteger(n) && n >= 1 && n <= max))
    throw new CliError(`--${name} must be an integer in [1, ${max}], got "${text}"`);
  return n;
}

function seedOf(ctx: CommandContext): number {
  const v = ctx.values['seed'];
  if (v === undefined) return cryptoRng.uint32();
  const n = Number(v);
  if (typeof v !== 'string' || v === '' || !Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new CliError(`--seed must be an integer in [0, 4294967295], got "${String(v)}"`);
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retry-After in seconds (delay-seconds or an HTTP date), or null. */
function retryAfterSeconds(res: Response): number | null {
  const v = res.headers.get('retry-after');
  if (!v) return null;
  const s = /^\d+$/.test(v) ? Number(v) : (Date.parse(v) - Date.now()) / 1000;
  return Number.isFinite(s) ? Math.max(0, s) : null;
}

export const simulate: AdminCommand = {
  name: 'simulate',
  summary: 'send reports of synthetic learners, built by the SDK’s own code, to the server',
  usage: '--site SITE --learners N [--periods P] [--seed S] [--json]',
  help: `Makes N synthetic learners (behaviour profiles and consent records), runs them through the SDK's
features, assignment, policy and report builder for the site's current manifest (verified first), and
POSTs their reports to /v1/reports in batches of ${MAX_BATCH_REPORTS}, for P periods ending with the current one.

  --site SITE     the site (it must exist and have published a manifest)
  --learners N    how many learners (1 to 10,000,000)
  --periods P     how many reporting periods, the current one last (default 1, at most 520)
  --seed S        seeds the learners and the reports (default: random, printed); the same seed sends the
                  same reports again, which the server keeps once (counted as duplicates)
  --json          stdout is one JSON object: { accepted, duplicates, refused, batches, seconds, ... };
                  progress goes to stderr either way`,
  options: {
    site: { type: 'string' },
    learners: { type: 'string' },
    periods: { type: 'string' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  },
  needsServer: true,
  async run(ctx) {
    const site = required(ctx, 'site');
    const n = positiveInt(ctx, 'learners');
    const periods = positiveInt(ctx, 'periods', 1, 520);
    const seed = seedOf(ctx);
    const t0 = performance.now();

    // The site exists (one clear line when it does not), then its manifest, verified as a device would.
    await ctx.api.get(`/sites/${encodeURIComponent(site)}`);
    const mres = await ctx.api.raw(`/v1/sites/${encodeURIComponent(site)}/manifest`);
    if (!mres.ok) throw new CliError(`site "${site}" has no published manifest (${mres.status})`);
    const jws = await mres.text();
    const kres = await ctx.api.raw('/v1/keys');
    if (!kres.ok) throw new CliError(`GET /v1/keys failed (${kres.status})`);
    const { keys } = (await kres.json()) as { keys: JWK[] };
    const verified = await verifyManifest(jws, { publicKeys: keys, site, origin: null, now: new Date() });
    if (!verified.ok)
      throw new CliError(
        `the manifest of "${site}" does not verify (${verified.reason}): ${verified.message}`,
      );
    const manifest = verified.manifest;

    const result: SimulateResult = {
      site,
      manifestVersion: manifest.version,
      learners: n,
      periods,
      seed,
      reports: 0,
      accepted: 0,
      duplicates: 0,
      refused: {},
      batches: 0,
      retried: 0,
      seconds: 0,
    };
    const refuse = (key: string, count: number) => (result.refused[key] = (result.refused[key] ?? 0) + count);

    const post = async (batch: Report[]): Promise<void> => {
      for (let tries = 1; ; tries++) {
        let res: Response;
        try {
          res = await ctx.api.raw('/v1/reports', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ reports: batch }),
          });
        } catch (e) {
          if (tries < MAX_TRIES) {
            await sleep(500 * tries);
            continue;
          }
          throw e;
        }
        const body = (await res.json().catch(() => ({}))) as {
          accepted?: number;
          duplicates?: number;
          error?: string;
          field?: string;
        };
        if (res.ok) {
          result.accepted += body.accepted ?? 0;
          result.duplicates += body.duplicates ?? 0;
          return;
        }
        if (res.status === 429 || res.status === 503) {
          const wait = retryAfterSeconds(res) ?? 1;
          if (wait > MAX_RETRY_AFTER_S)
            throw new CliError(`the server asks to wait ${Math.round(wait)} s (${res.status}); stopping`);
          result.retried++;
          await sleep(wait * 1000);
          continue;
        }
        if (res.status >= 500 && tries < MAX_TRIES) {
          await sleep(500 * tries);
          continue;
        }
        const field = (body.field ?? '(root)').replace(/^reports\.\d+\./, 'reports.*.');
        refuse(`${res.status} ${field}`, batch.length);
        if (result.refused[`${res.status} ${field}`] === batch.length)
          ctx.err(`refused (${res.status}, ${field}): ${body.error ?? 'no message'}`);
        return;
      }
    };

    const { rng, reportRng } = simulationRngs(seed);
    const learners = makeLearners(n, manifest.features, rng);
    ctx.err(`simulate: ${n} learners, ${periods} period(s), site ${site} v${manifest.version}, seed ${seed}`);
    for await (const p of simulatePeriods({
      manifest,
      learners,
      periods,
      today: dayOf(Date.now()),
      rng,
      reportRng,
    })) {
      result.reports += p.reports.length;
      const batches: Report[][] = [];
      for (let i = 0; i < p.reports.length; i += MAX_BATCH_REPORTS)
        batches.push(p.reports.slice(i, i + MAX_BATCH_REPORTS));
      result.batches += batches.length;
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, batches.length) }, async () => {
          while (next < batches.length) await post(batches[next++]!);
        }),
      );
      ctx.err(
        `period ${p.period} (day ${p.day}): ${p.reports.length} reports in ${batches.length} batches, ${p.silent} learners sent none; accepted so far ${result.accepted}`,
      );
    }
    result.seconds = Math.round((performance.now() - t0) / 100) / 10;
    if (ctx.values['json']) {
      ctx.out(JSON.stringify(result));
      return;
    }
    const refused = Object.entries(result.refused);
    ctx.out(
      [
        `accepted ${result.accepted} of ${result.reports} reports (${result.duplicates} duplicates) in ${result.batches} batches, ${result.seconds} s`,
        ...refused.map(([why, count]) => `refused ${count} (${why})`),
      ].join('\n'),
    );
    return refused.length > 0 ? 1 : 0;
  },
};
