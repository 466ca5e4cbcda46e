/**
 * The worker entry: exposes the worker's start (start.ts) to the page with comlink; the engine is
 * loaded by the start, after its early answer (in the built file, compiled only then: rollup.config.mjs).
 */
import { expose } from 'comlink';
import { installErrorTransfer } from '../src/core/wire-errors.js';
import { Starter, browserStartDeps } from './start.js';

installErrorTransfer();
expose(new Starter(browserStartDeps(), async () => new (await import('./engine.js')).Engine()));
