/**
 * TensorFlow.js for the server-side data science (fit, train): tfjs-core with the whole cpu
 * backend, every kernel registered (training needs far more than the device's seven). No gradient
 * functions: tfjs-core's Node bundle registers none, so training computes its gradients in closed
 * form (softmax.ts). Never imported by browser code: the worker keeps its own lite build (src/core/tf.ts).
 */
import '@tensorflow/tfjs-backend-cpu';
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
