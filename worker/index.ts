/** The worker entry: exposes the engine to the page with comlink. */
import { expose } from 'comlink';
import { installErrorTransfer } from '../src/core/wire-errors.js';
import { Engine } from './engine.js';

installErrorTransfer();
expose(new Engine());
