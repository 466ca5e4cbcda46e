/** What the routes share: storage, the signer, the admin secret, the clock and the file roots. */
import type { Signer } from '../identity/keys.js';
import type { Ops } from '../ops/ops.js';
import type { EstimatesOptions } from '../estimates/public-estimates.js';
import type { Guard } from '../http/guard.js';
import type { Store } from '../storage/store.js';
import type { ScienceJobs } from '../science/jobs.js';
import type { InstallCounter } from '../ingest/install-counts.js';

export type ServerDeps = {
  store: Store;
  signer: Signer;
  adminToken: string;
  /** the request checks, rate limits, console sessions and login throttle */
  guard: Guard;
  now: () => Date;
  /** metrics, readiness and the log (ops/ops.ts) */
  ops: Ops;
  /** who may read GET /v1/sites/:site/estimates, and its cache */
  estimates: EstimatesOptions;
  /** fits and trainings in worker threads, with their caps (science/jobs.ts) */
  science: ScienceJobs;
  /** the installation view's counters, added up in memory and flushed (ingest/install-counts.ts) */
  installs: InstallCounter;
  /** where edseg.js, edseg.worker.js and edseg.mjs are (dist/); /edseg/* is 404 without it */
  staticDir?: string;
  /** the demo site's folder; /demo/* is 404 without it */
  demoDir?: string;
};
