/**
 * The single source of truth for every wire and storage shape in edseg.
 * Client, worker, server and tests import these schemas; every type is `z.infer` of one.
 * This barrel re-exports the modules of src/core/schema/, one per job; see atoms.ts for why they
 * are written with `zod/mini` and `jitless`, and server.ts for why server shapes drop out of the
 * browser bundles.
 */
export { AgeBand, MinAgeBand, Purpose } from './schema/atoms.js';
export { AGE_BANDS, PURPOSES } from './schema/plain.js';
export * from './schema/checks.js';
export * from './schema/manifest-check.js';
export * from './schema/events.js';
export * from './schema/feature-spec.js';
export * from './schema/manifest.js';
export * from './schema/consent.js';
export * from './schema/report.js';
export * from './schema/device.js';
export * from './schema/options.js';
export * from './schema/server.js';
export * from './schema/admin.js';
export * from './schema/installation.js';
export * from './schema/accounts.js';
export * from './schema/science.js';
export * from './schema/parse.js';
export * from './schema/time.js';
