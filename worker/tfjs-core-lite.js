// tfjs-core for edseg's worker: what base_side_effects.js does, minus the node platform (require('util'),
// require('node-fetch')), the browser platform's model-storage IO handlers (IndexedDB, localStorage)
// and the optimizers that index.js registers. The worker never loads or saves a tfjs model.
import { getOrMakeEngine } from '@tensorflow/tfjs-core/dist/engine.js';
import '@tensorflow/tfjs-core/dist/flags.js';
import { env } from '@tensorflow/tfjs-core/dist/environment.js';
import { isTypedArrayBrowser } from '@tensorflow/tfjs-core/dist/platforms/is_typed_array_browser.js';
import { buffer } from '@tensorflow/tfjs-core/dist/ops/buffer.js';
import { cast } from '@tensorflow/tfjs-core/dist/ops/cast.js';
import { clone } from '@tensorflow/tfjs-core/dist/ops/clone.js';
import { print } from '@tensorflow/tfjs-core/dist/ops/print.js';
import { setOpHandler } from '@tensorflow/tfjs-core/dist/tensor.js';
getOrMakeEngine();
env().setPlatform('browser', {
  fetch: (path, init) => fetch(path, init),
  now: () => performance.now(),
  encode: (text) => new TextEncoder().encode(text),
  decode: (bytes, encoding) => new TextDecoder(encoding).decode(bytes),
  setTimeoutCustom: (fn, delay) => {
    setTimeout(fn, delay);
  },
  isTypedArray: isTypedArrayBrowser,
});
setOpHandler({ buffer, cast, clone, print });
export * from '@tensorflow/tfjs-core/dist/base.js';
