/**
 * The worker entry: exposes the worker's start (start.ts) to the page (rpc.ts); the engine is
 * loaded by the start at once, after it sent the manifest request (in the built file, compiled only
 * then: rollup.config.mjs).
 */
import { expose } from './rpc.js';
import { Starter, browserStartDeps } from './start.js';

expose(new Starter(browserStartDeps(), async () => new (await import('./engine.js')).Engine()));
