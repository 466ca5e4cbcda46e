/**
 * `npx edseg-server` / `npm start`: the reference collector, admin console and demo.
 * Built by rollup into dist/server.mjs (which runs main() when executed directly, and exports
 * the server API for bin/edseg-server.mjs, the e2e tests and embedders).
 *
 * Flags and environment (a flag wins over its variable):
 *   --port / PORT (8787; 0 = any free port)   --host / HOST (127.0.0.1)
 *   --data / EDSEG_DATA_DIR (./.edseg-data)    DATABASE_URL (PostgreSQL; else PGlite in the data folder)
 *   EDSEG_ADMIN_TOKEN (else generated into <data>/admin-token on first run)
 *   EDSEG_STATIC_DIR (the SDK bundles; default the package's dist/)   EDSEG_DEMO_DIR (default demo/)
 *   EDSEG_ORIGINS (comma-separated page origins to allow besides 127.0.0.1/localhost:<port>)
 *   --trust-proxy / EDSEG_TRUST_PROXY=1 (behind a proxy the operator runs: X-Forwarded-* count)
 *   --rate-limit / EDSEG_RATE_LIMIT (per-client limits, e.g. reports=600,estimates=600,login=60,wrongLogins=20,wrongLoginsPerName=100)
 *   --estimates / EDSEG_ESTIMATES (public | off)   EDSEG_ESTIMATES_TOKEN (a read token for them)
 *   --estimates-cache / EDSEG_ESTIMATES_CACHE (seconds a public estimates answer is cached; 300)
 *   --log-level / EDSEG_LOG_LEVEL (debug | info | warn | error | silent; info: one JSON line per request)
 *   EDSEG_METRICS_TOKEN (a bearer token that may read /metrics; loopback and the admin token may too)
 * SIGTERM and SIGINT shut down gracefully: /readyz turns 503, requests in flight finish, the database closes.
 *   --no-demo / EDSEG_NO_DEMO=1 (no demo site: nothing seeded, no /demo/ route)
 *   --retention-days / EDSEG_RETENTION_DAYS (drop reports and their sums older than this; default keep)
 *   EDSEG_SCIENCE_MAX_ROWS, _MAX_K, _MAX_SECONDS, _JOBS, _MAX_UPLOAD_MB (caps on fits and trainings; science/jobs.ts)
 */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { isProcessEntry } from './runtime/entry.js';
import { createLogger, parseLogLevel } from './ops/log.js';
import { parseRateLimits } from './http/guard.js';
import { SEED_SITE } from './demo/seed.js';
import { startServer } from './runtime/start.js';
import type { RunningServer, StartOptions } from './runtime/start.js';
import { scienceLimitsFromEnv } from './science/jobs.js';

export { createApp } from './app.js';
export type { AppOptions } from './app.js';
export { startServer } from './runtime/start.js';
export type { RunningServer, StartOptions } from './runtime/start.js';
export { seedDemoSite, seedDefinition, seedOrigins, SEED_SITE } from './demo/seed.js';
export { publishSite, updatePolicy } from './sites/publish.js';
export { createSigner } from './identity/keys.js';
export { openPgliteStore } from './storage/pglite.js';
export { openPostgresStore } from './storage/postgres.js';
export type { Store } from './storage/store.js';

const HELP = `edseg-server: the edseg reference collector, admin console and demo

  --port N      port to listen on (PORT, default 8787; 0 picks a free one)
  --host H      interface to bind (HOST, default 127.0.0.1)
  --data DIR    data folder: embedded database and admin token (EDSEG_DATA_DIR, default ./.edseg-data);
                created 0700, refused when others can write it or another server uses it
  --trust-proxy behind a reverse proxy you run: take the client from X-Forwarded-For and https from
                X-Forwarded-Proto (EDSEG_TRUST_PROXY=1)
  --rate-limit L  per-client limits, e.g. reports=600,estimates=600,login=60 (per minute) and
                wrongLogins=20 per address and account name, wrongLoginsPerName=100 (per 15
                minutes) (EDSEG_RATE_LIMIT; these are the defaults)
  --estimates M GET /v1/sites/:site/estimates: public (default) or off (EDSEG_ESTIMATES); the
                signed-in admin views show the estimates either way
  --estimates-cache S  seconds an estimates answer is cached (EDSEG_ESTIMATES_CACHE, default 300)
  --log-level L debug, info (default: one JSON line per request, never an IP address or user agent),
                warn, error or silent (EDSEG_LOG_LEVEL)
  --no-demo     start without the demo site: nothing seeded, no /demo/ route (EDSEG_NO_DEMO=1);
                create your own with edseg-admin site create
  --retention-days N   drop stored reports (whole partitions) and their sums older than N days (EDSEG_RETENTION_DAYS, default keep)
  --help        this text

  DATABASE_URL       use PostgreSQL instead of the embedded PGlite
  EDSEG_ADMIN_TOKEN  the admin token (else generated on first run into <data>/admin-token)
  EDSEG_ESTIMATES_TOKEN  a read token the public estimates then require (Authorization: Bearer)
  EDSEG_METRICS_TOKEN    a bearer token that may read /metrics (loopback and the admin token may too)
  EDSEG_ORIGINS      extra page origins for the demo site's manifest, comma-separated
  EDSEG_STATIC_DIR   folder with edseg.js, edseg.worker.js, edseg.mjs (default: the package's dist/)
  EDSEG_DEMO_DIR     the demo site's folder (default: the package's demo/)
  EDSEG_SCIENCE_MAX_ROWS     rows a console/API fit or training reads at most (default 50000)
  EDSEG_SCIENCE_MAX_K        the largest k a fit may ask for (default 12, at most 50)
  EDSEG_SCIENCE_MAX_SECONDS  seconds a fit or training runs before it is stopped (default 300)
  EDSEG_SCIENCE_JOBS         fits and trainings at once on the server (default cores - 1, at least 1)
  EDSEG_SCIENCE_MAX_UPLOAD_MB  megabytes the console's fit and train forms take (default 20; other forms 64 KB)`;

/** Turns argv and the environment into StartOptions; throws on a bad flag value. */
export function optionsFrom(argv: string[], env: NodeJS.ProcessEnv): StartOptions & { help: boolean } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'rate-limit': { type: 'string' },
      estimates: { type: 'string' },
      'estimates-cache': { type: 'string' },
      'log-level': { type: 'string' },
      'no-demo': { type: 'boolean' },
      'retention-days': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const portText = values.port ?? env['PORT'] ?? '8787';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be an integer in [0, 65535], got "${portText}"`);
  const origins = (env['EDSEG_ORIGINS'] ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const noDemo = values['no-demo'] === true || /^(1|true|yes)$/i.test(env['EDSEG_NO_DEMO'] ?? '');
  const trustProxy = values['trust-proxy'] === true || /^(1|true|yes)$/i.test(env['EDSEG_TRUST_PROXY'] ?? '');
  const rateLimits = parseRateLimits(values['rate-limit'] ?? env['EDSEG_RATE_LIMIT'] ?? '');
  const estimates = values.estimates ?? env['EDSEG_ESTIMATES'] ?? 'public';
  if (estimates !== 'public' && estimates !== 'off')
    throw new Error(`--estimates is public or off, got "${estimates}"`);
  const cacheText = values['estimates-cache'] ?? env['EDSEG_ESTIMATES_CACHE'];
  const cache = cacheText === undefined ? undefined : Number(cacheText);
  if (cache !== undefined && !(Number.isInteger(cache) && cache >= 0 && cache <= 86_400))
    throw new Error(`--estimates-cache must be an integer in [0, 86400] (seconds), got "${cacheText}"`);
  const retentionText = values['retention-days'] ?? env['EDSEG_RETENTION_DAYS'];
  const retention = retentionText === undefined ? undefined : Number(retentionText);
  if (retention !== undefined && !(Number.isInteger(retention) && retention >= 28 && retention <= 36_500))
    throw new Error(`--retention-days must be an integer in [28, 36500] (days), got "${retentionText}"`);
  const science = scienceLimitsFromEnv(env);
  const logLevel = parseLogLevel(values['log-level'] ?? env['EDSEG_LOG_LEVEL'] ?? 'info');
  return {
    help: values.help === true,
    logger: createLogger({ level: logLevel }),
    port,
    host: values.host ?? env['HOST'] ?? '127.0.0.1',
    dataDir: values.data ?? env['EDSEG_DATA_DIR'] ?? '.edseg-data',
    ...(env['DATABASE_URL'] ? { databaseUrl: env['DATABASE_URL'] } : {}),
    ...(env['EDSEG_ADMIN_TOKEN'] ? { adminToken: env['EDSEG_ADMIN_TOKEN'] } : {}),
    ...(env['EDSEG_STATIC_DIR'] ? { staticDir: env['EDSEG_STATIC_DIR'] } : {}),
    ...(env['EDSEG_DEMO_DIR'] ? { demoDir: env['EDSEG_DEMO_DIR'] } : {}),
    origins,
    ...(trustProxy ? { trustProxy } : {}),
    ...(Object.keys(rateLimits).length ? { rateLimits } : {}),
    ...(estimates === 'off' ? { publicEstimates: false } : {}),
    ...(env['EDSEG_ESTIMATES_TOKEN'] ? { estimatesToken: env['EDSEG_ESTIMATES_TOKEN'] } : {}),
    ...(cache !== undefined ? { estimatesCacheSeconds: cache } : {}),
    ...(env['EDSEG_METRICS_TOKEN'] ? { metricsToken: env['EDSEG_METRICS_TOKEN'] } : {}),
    ...(noDemo ? { demo: false } : {}),
    ...(Object.keys(science).length ? { science } : {}),
    ...(retention !== undefined ? { reportRetentionDays: retention } : {}),
  };
}

/** The start banner: where everything is, and the admin token the one time it is generated. */
export function banner(s: RunningServer, databaseUrl?: string): string {
  const pad = (k: string) => k.padEnd(10);
  const where = (p: string) => {
    const r = relative(process.cwd(), p);
    return r === '' ? '.' : r.startsWith('..') ? p : r;
  };
  const storage =
    s.storage === 'postgres'
      ? `PostgreSQL at ${databaseUrl ? safeHost(databaseUrl) : '(DATABASE_URL)'}`
      : `PGlite in ${where(s.dataDir)}/pglite`;
  const token = s.adminTokenGenerated
    ? `admin token (shown once, kept in ${where(s.adminTokenFile!)}): ${s.adminToken}`
    : s.adminTokenFile
      ? `admin token: in ${where(s.adminTokenFile)}`
      : 'admin token: from EDSEG_ADMIN_TOKEN';
  const seed = !s.seed
    ? null
    : s.seed.created
      ? `seeded ${SEED_SITE} v${s.seed.version}`
      : s.seed.republished
        ? `${SEED_SITE} republished as v${s.seed.version} for this port`
        : `${SEED_SITE} v${s.seed.version}`;
  const site = seed ? SEED_SITE : ':site';
  return [
    '',
    `  edseg reference server: ready in ${(s.startupMs / 1000).toFixed(1)} s`,
    '',
    seed
      ? `  ${pad('demo')}${s.url}/demo/`
      : `  ${pad('demo')}off (--no-demo): no demo site, no /demo/; create a site with edseg-admin site create`,
    `  ${pad('admin')}${s.url}/admin`,
    `  ${pad('manifest')}${s.url}/v1/sites/${site}/manifest${seed ? `   (${seed})` : ''}`,
    `  ${pad('keys')}${s.url}/v1/keys`,
    `  ${pad('reports')}POST ${s.url}/v1/reports`,
    `  ${pad('estimates')}${s.url}/v1/sites/${site}/estimates`,
    '',
    `  ${pad('storage')}${storage}`,
    ...s.resigned.map(
      (r) => `  ${pad('re-signed')}${r.site} v${r.version} (the previous version was close to expiry)`,
    ),
    `  ${token}`,
    '',
  ].join('\n');
}

/** The host (and port) of a database URL, without user or password. */
function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return '(DATABASE_URL)';
  }
}

/** Runs the server until SIGINT/SIGTERM. */
export async function main(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningServer | null> {
  let opts: ReturnType<typeof optionsFrom>;
  try {
    opts = optionsFrom(argv, env);
  } catch (e) {
    console.error(`edseg-server: ${(e as Error).message}\n\n${HELP}`);
    process.exitCode = 2;
    return null;
  }
  if (opts.help) {
    console.log(HELP);
    return null;
  }
  const { help: _help, ...start } = opts;
  // What the server writes (database, admin token, lock) is its own: private from the start.
  process.umask(0o077);
  const server = await startServer(start);
  console.log(banner(server, start.databaseUrl));
  const log = start.logger!;
  log.info('listening', { url: server.url, storage: server.storage });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal, inFlight: server.inFlight() });
    server.close().then(
      () => {
        log.info('stopped', { signal });
        process.exit(0);
      },
      (e: unknown) => {
        log.error('stopping failed', { error: e instanceof Error ? e.message : String(e) });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return server;
}

if (isProcessEntry(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(`edseg-server: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
