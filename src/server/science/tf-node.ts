/**
 * TensorFlow.js for the server-side data science (fit, train): tfjs-core with the whole cpu
 * backend, every kernel and every gradient registered (training needs far more than the device's
 * seven kernels). Never imported by browser code: the worker keeps its own lite build (src/core/tf.ts).
 */
import '@tensorflow/tfjs-backend-cpu';
// the gradient functions of every op (tfjs-core's full entry registers them; the device never trains)
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import * as tf from '@tensorflow/tfjs-core';

export { tf };

let ready: Promise<typeof tf> | undefined;

/** The cpu backend, active, in production mode (no console banner); resolves once. */
export function tfNode(): Promise<typeof tf> {
  ready ??= (async () => {
    tf.enableProdMode();
    if (!(await tf.setBackend('cpu')))
      throw new Error('edseg: the TensorFlow.js cpu backend failed to initialise');
    return tf;
  })();
  return ready;
}
