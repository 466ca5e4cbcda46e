// The worker's own tfjs-core entry (worker/tfjs-core-lite.js, what rollup.config.mjs aliases
// @tensorflow/tfjs-core to in the worker build): assignment runs through its engine and the registered
// kernels, and what it leaves out fails by name when reached.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assign, assignReference } from '../../../src/core/model.js';
import { ready } from '../../../src/core/tf.js';
import { INPUTS, MODELS } from '../../fixtures/tfjs-models.js';
// @ts-expect-error: the worker build's plain .js entry, no declarations
import * as lite from '../../../worker/tfjs-core-lite.js';

// @ts-expect-error: as above
vi.mock('@tensorflow/tfjs-core', () => import('../../../worker/tfjs-core-lite.js'));

type Lite = typeof import('@tensorflow/tfjs-core');
const tf = lite as Lite;

beforeAll(async () => {
  await ready();
});

describe("the worker's tfjs-core build", () => {
  it('assigns every model kind through its engine, as the float64 reference does', async () => {
    // src/core/model.ts and tf.ts import this build here, as they do in the worker's bundle
    expect((await import('@tensorflow/tfjs-core')).engine).toBe(tf.engine);
    for (const model of MODELS)
      for (const x of INPUTS) {
        const got = assign(model, x);
        const want = assignReference(model, x);
        expect(got.index, `${model.kind} at ${x}`).toBe(want.index);
        got.scores.forEach((s, i) => expect(s).toBeCloseTo(want.scores[i]!, 5));
      }
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.memory().numTensors).toBe(0);
  });

  it('throws a named error for each tensor method it leaves out', async () => {
    const t = tf.engine().makeTensor(new Float32Array([1, 2]), [2], 'float32');
    const named = (op: string) => `edseg: tensor.${op}() is not in the worker's TensorFlow.js build`;
    expect(() => t.clone()).toThrow(named('clone'));
    expect(() => (t as unknown as { cast(dtype: string): unknown }).cast('int32')).toThrow(named('cast'));
    expect(() => t.bufferSync()).toThrow(named('buffer'));
    expect(() => t.print()).toThrow(named('print'));
    await expect(t.buffer()).rejects.toThrow(named('buffer'));
    t.dispose();
  });

  it('fails by name on a kernel the backend does not register', () => {
    const x = tf.engine().makeTensor(new Float32Array([1]), [1], 'float32');
    expect(() => tf.engine().runKernel('Exp', { x }, {})).toThrow(
      /Kernel 'Exp' not registered for backend 'cpu'/,
    );
    x.dispose();
  });
});
