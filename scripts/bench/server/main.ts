/**
 * `npm run bench:server`: the collector's load test (ingest.ts) and the estimates at scale
 * (estimates.ts), printed as Markdown tables (progress on stderr). Loopback only; every part is
 * bounded in count and in time. The server process, the databases and the reports: setup.ts.
 *
 * 1. Ingest, on PGlite and on PostgreSQL: the server runs as its own process (node --import tsx
 *    src/server/cli.ts), on PostgreSQL as 1, 2 and 3 processes on the one database (--processes,
 *    autocannon spreading its connections over them); autocannon POSTs batches of 100 reports over C connections until N
 *    requests are answered or S seconds pass. The reports are the simulator's (src/server/demo/simulate.ts:
 *    the SDK's own features, assignment, policy and report builder), each sent under a fresh id so
 *    none repeats. Afterwards the server is stopped (SIGTERM, graceful) and the database is counted:
 *    stored must equal the sum of `accepted` of the 202 answers (nothing lost, nothing twice), plus
 *    those of the requests the time limit cut off before their answer that the server stored (by id).
 * 2. Estimates at 10k, 100k and 1M stored reports (PGlite by default): the reports are bulk-inserted
 *    straight into the store (Store.insertReports, 1,000 a statement) while the server is down,
 *    spread over the last 10 periods of the current version; then the server starts on that data
 *    and GET /v1/sites/lingua-kids/estimates is called K times over HTTP (cache off). Printed: the
 *    median latency and the growth of the server process's RSS (/proc/PID/status, sampled every
 *    20 ms) over its RSS before the first call.
 *
 * Flags: --db pglite,postgres   --requests 1000   --seconds 60   --connections 8   --batch 100
 *        --processes 1,2,3
 *        --sizes 10000,100000,1000000   --calls 5   --estimates-db pglite   --skip ingest|estimates
 *        --help (these flags and their defaults)
 * PostgreSQL: DATABASE_URL (a database is created per run and dropped after), else a throwaway
 * cluster from scripts/pg.mjs (Debian's postgresql package, installed with apt-get when absent and root).
 */
import { parseArgs } from 'node:util';
import { MAX_BATCH_REPORTS } from '../../../src/core/schema.js';
import { SEED_SITE } from '../../../src/server/demo/seed.js';
import { fmt, markdownTable } from '../lib.js';
import { estimatesAtScale } from './estimates.js';
import type { EstimateRow } from './estimates.js';
import { ingest } from './ingest.js';
import type { IngestRow } from './ingest.js';
import { log, stopCluster } from './setup.js';
import type { DbKind } from './setup.js';

const USAGE = `npm run bench:server -- [flags]   (Markdown tables on stdout, progress on stderr)
  --db pglite,postgres            the databases of the ingest test
  --requests 1000                 ingest: requests to send (at most 100000)
  --seconds 60                    ingest: time limit (at most 600)
  --connections 8                 ingest: connections (at most 64)
  --processes 1,2,3               ingest on PostgreSQL: server processes on the one database (each at most 8)
  --batch ${MAX_BATCH_REPORTS}                     ingest: reports a request (at most ${MAX_BATCH_REPORTS})
  --sizes 10000,100000,1000000    estimates: stored reports (each at most 5000000)
  --calls 5                       estimates: calls at each size (at most 50)
  --estimates-db pglite           the databases of the estimates test
  --skip ingest|estimates         leave a part out (repeatable)
PostgreSQL: DATABASE_URL, else a throwaway cluster from scripts/pg.mjs.`;

const { values: flags } = parseArgs({
  options: {
    db: { type: 'string', default: 'pglite,postgres' },
    requests: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    connections: { type: 'string', default: '8' },
    processes: { type: 'string', default: '1,2,3' },
    batch: { type: 'string', default: String(MAX_BATCH_REPORTS) },
    sizes: { type: 'string', default: '10000,100000,1000000' },
    calls: { type: 'string', default: '5' },
    'estimates-db': { type: 'string', default: 'pglite' },
    skip: { type: 'string', multiple: true, default: [] },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const int = (name: 'requests' | 'seconds' | 'connections' | 'batch' | 'calls', max: number): number => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`--${name} must be an integer in [1, ${max}]`);
  return n;
};
const REQUESTS = int('requests', 100_000);
const SECONDS = int('seconds', 600);
const CONNECTIONS = int('connections', 64);
const BATCH = int('batch', MAX_BATCH_REPORTS);
const CALLS = int('calls', 50);
const SIZES = flags.sizes.split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 5_000_000) throw new Error(`--sizes: bad size "${s}"`);
  return n;
});
const PROCESSES = flags.processes.split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 8) throw new Error(`--processes: bad count "${s}"`);
  return n;
});
const kinds = (text: string): DbKind[] =>
  text.split(',').map((k) => {
    if (k !== 'pglite' && k !== 'postgres') throw new Error(`--db takes pglite and/or postgres, got "${k}"`);
    return k;
  });

const f0 = (x: number) => x.toFixed(0);
const f1 = (x: number) => x.toFixed(1);
const thousands = fmt.int;

async function main(): Promise<void> {
  const skip = new Set(flags.skip);
  const out: string[] = [
    `# edseg server benchmarks (${new Date().toISOString().slice(0, 16)}Z, node ${process.version}, loopback)`,
    '',
  ];
  try {
    if (!skip.has('ingest')) {
      const rows: IngestRow[] = [];
      for (const k of kinds(flags.db))
        for (const processes of k === 'postgres' ? PROCESSES : [1])
          rows.push(
            await ingest(k, {
              requests: REQUESTS,
              seconds: SECONDS,
              connections: CONNECTIONS,
              batch: BATCH,
              processes,
            }),
          );
      out.push(
        `## Ingest: POST /v1/reports, ${BATCH} report${BATCH === 1 ? '' : 's'} a request, ${CONNECTIONS} connections, at most ${REQUESTS} requests or ${SECONDS} s`,
        '',
        markdownTable(
          [
            'database',
            'processes',
            'requests',
            'seconds',
            'requests/s',
            'reports/s',
            'p50 ms',
            'p99 ms',
            'non-2xx',
            'errors',
            'accepted',
            'duplicates',
            'cut off (stored)',
            'stored',
            'stored == accepted + cut off stored',
          ],
          rows.map((r) => [
            r.db,
            r.processes,
            thousands(r.requests),
            f1(r.seconds),
            f0(r.reqPerS),
            thousands(r.reportsPerS),
            r.p50,
            r.p99,
            r.non2xx,
            r.errors,
            thousands(r.accepted),
            r.duplicates,
            `${r.unanswered} (${r.storedUnanswered})`,
            thousands(r.stored),
            r.stored === r.accepted + r.storedUnanswered && r.duplicates === 0 ? 'yes' : '**NO**',
          ]),
          ['left', ...Array<'right'>(13).fill('right'), 'left'],
        ),
        '',
        'PostgreSQL runs with 1, 2 and 3 server processes on the one database (--processes), the connections spread over them by autocannon; each report is sent once, under a fresh id; "cut off" are the reports of requests still unanswered when the time limit stopped the run (the server may have stored them: counted by id).',
        '',
      );
    }
    if (!skip.has('estimates')) {
      const rows: EstimateRow[] = [];
      for (const k of kinds(flags['estimates-db']))
        rows.push(...(await estimatesAtScale(k, { sizes: SIZES, calls: CALLS })));
      out.push(
        `## Estimates: GET /v1/sites/${SEED_SITE}/estimates over HTTP, ${CALLS} calls each, server RSS sampled every 20 ms`,
        '',
        markdownTable(
          [
            'database',
            'stored reports',
            'fill s',
            'median ms',
            'min ms',
            'max ms',
            'RSS before MB',
            'RSS growth MB',
            'reports aggregated',
          ],
          rows.map((r) => [
            r.db,
            thousands(r.stored),
            f0(r.fillSeconds),
            f0(r.medianMs),
            f0(r.minMs),
            f0(r.maxMs),
            f0(r.rssBeforeMb),
            f0(r.rssGrowthMb),
            r.aggregated === null ? '-' : thousands(r.aggregated),
          ]),
          ['left', ...Array<'right'>(8).fill('right')],
        ),
        '',
      );
    }
  } finally {
    stopCluster();
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((e: unknown) => {
  stopCluster();
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
