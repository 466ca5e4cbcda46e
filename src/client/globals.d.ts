/** Replaced at build time with the package version. */
declare const __EDSEG_VERSION__: string;
