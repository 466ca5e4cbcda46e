/** Replaced at build time with the package version. */
declare const __EDSEG_VERSION__: string;
/** Replaced at build time with the package version and a hash of the browser code (src/core/decision.ts `buildId`). */
declare const __EDSEG_BUILD__: string;
