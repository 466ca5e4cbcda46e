// tfjs-core for edseg's worker: what base_side_effects.js does, minus the platforms (the node one's
// require('util'), require('node-fetch'); the browser one's fetch, clock, text codecs and typed-array test:
// what reads them, tfjs's fetch, profiling and string tensors, is not in the worker), the browser
// platform's model-storage IO handlers (IndexedDB, localStorage) and the optimizers that index.js registers. The worker never loads or saves a tfjs model, and it
// calls no op wrapper (src/core/model.ts runs the kernels through the engine): none is bundled.
import { getOrMakeEngine } from '@tensorflow/tfjs-core/dist/engine.js';
import { env } from '@tensorflow/tfjs-core/dist/environment.js';
import { setOpHandler } from '@tensorflow/tfjs-core/dist/tensor.js';
import { unused } from './tfjs-core-stubs.js';
getOrMakeEngine();
// The flags this build's engine and environment read (DEBUG, IS_TEST, PROD), with flags.js's defaults;
// flags.js also registers ten more (IS_BROWSER, IS_CHROME, WRAP_TO_IMAGEBITMAP, ...) that only op
// wrappers and the WebGL/WebGPU backends read, none of them in the worker.
for (const flag of ['DEBUG', 'IS_TEST', 'PROD']) env().registerFlag(flag, () => false);
// Tensor's methods that call ops (tensor.buffer(), cast(), clone(), print()): src/core/model.ts runs kernels
// through the engine and reads results with dataSync(), so none is called; each says so if one ever is.
const method = (name) => () => unused(`tensor.${name}()`);
setOpHandler({
  buffer: method('buffer'),
  cast: method('cast'),
  clone: method('clone'),
  print: method('print'),
});
export * from '@tensorflow/tfjs-core/dist/base.js';
