// Types of scripts/lib.mjs for the TypeScript scripts (scripts/bench/): the .mjs itself runs under
// plain Node, so its types are declared here.
import type { ChildProcess, SpawnOptions } from 'node:child_process';

/** The repo's root folder, without a trailing slash. */
export const root: string;
/** A TCP port of 127.0.0.1 that was free a moment ago (the system's choice). */
export function freePort(): Promise<number>;
/** Asks `url` every 250 ms until it answers 2xx (true), `child` exits, or `ms` (90 s) pass (false). */
export function waitForUrl(url: string, opts?: { child?: ChildProcess; ms?: number }): Promise<boolean>;
/** Runs a command with inherited stdio; resolves with its exit code. */
export function run(cmd: string, args: string[], opts?: SpawnOptions): Promise<number>;
/** Whether dist/ is older than any source that goes into it. */
export function buildIsStale(): boolean;
/** Builds dist/ and the two packages. */
export function build(): Promise<number>;
/** Debian's Chromium (or EDSEG_CHROMIUM). */
export const CHROMIUM: string;
/** Makes sure Debian's Chromium is installed. */
export function ensureChromium(): boolean;
/** Debian's Firefox ESR (or EDSEG_FIREFOX). */
export const FIREFOX: string;
/** WebKitGTK's WebDriver (or EDSEG_WEBKIT_DRIVER). */
export const WEBKIT_DRIVER: string;
/** WebKitGTK's MiniBrowser (or EDSEG_MINIBROWSER). */
export const MINIBROWSER: string;
/** Makes sure Chromium, Firefox ESR, WebKitGTK's driver and MiniBrowser, xvfb and xauth are installed (apt-get as root). */
export function ensureBrowsers(): boolean;
