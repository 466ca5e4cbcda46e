// The worker build's trimmed tfjs-core Engine and Tensor (scripts/tfjs-trim.mjs): the worker's own entry
// (worker/tfjs-core-lite.js) bundled with the trim as rollup.config.mjs does, then assignment run through
// it, and every trimmed method failing by name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import commonjs from '@rollup/plugin-commonjs';
import resolve from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INPUTS, MODELS } from '../../fixtures/tfjs-models.js';
// @ts-expect-error: a plain .mjs build plugin, no declarations
import { TRIMMED, TRIMMED_TENSOR, tfjsEngineTrim } from '../../../scripts/tfjs-trim.mjs';

const root = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'edseg-trim-'));
const built = join(dir, 'tfjs-core-trimmed.mjs');

vi.mock('@tensorflow/tfjs-core', () => import(pathToFileURL(built).href));

type Tf = typeof import('@tensorflow/tfjs-core');
let tf: Tf;
let model: typeof import('../../../src/core/model.js');

beforeAll(async () => {
  const bundle = await rollup({
    input: join(root, 'worker/tfjs-core-lite.js'),
    plugins: [
      tfjsEngineTrim({ stubs: join(root, 'worker/tfjs-core-stubs.js') }),
      resolve({ browser: true, preferBuiltins: false }),
      commonjs(),
    ],
    onwarn: () => undefined,
  });
  await bundle.write({ file: built, format: 'es' });
  await bundle.close();
  tf = (await import('@tensorflow/tfjs-core')) as Tf;
  model = await import('../../../src/core/model.js');
  await (await import('../../../src/core/tf.js')).ready();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("tfjs-core's Engine, trimmed for the worker", () => {
  it('runs assignment: the kernels through the trimmed engine, as the reference', () => {
    expect(tf.engine().constructor.name).toBe('Engine');
    expect(MODELS.map((m) => m.kind)).toEqual(['centroids', 'softmax', 'mlp']); // every kind
    for (const m of MODELS)
      for (const x of INPUTS) {
        const got = model.assign(m, x);
        const want = model.assignReference(m, x);
        expect(got.index).toBe(want.index);
        got.scores.forEach((s, i) => expect(s).toBeCloseTo(want.scores[i]!, 5));
      }
    expect(tf.memory().numTensors).toBe(0);
  });

  it('throws a named error from each trimmed method, and from the API that reaches one', async () => {
    const engine = tf.engine() as unknown as Record<string, (...a: unknown[]) => unknown>;
    // thrown, or (profile is async) rejected
    for (const name of TRIMMED as string[])
      await expect((async () => engine[name]!())(), name).rejects.toThrow(
        `edseg: engine.${name}() is not in the worker's TensorFlow.js build`,
      );
    const x = tf.engine().makeTensor(new Float32Array([1]), [1], 'float32');
    const tensor = x as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of TRIMMED_TENSOR as string[])
      await expect((async () => tensor[name]!())(), name).rejects.toThrow(
        `edseg: tensor.${name}() is not in the worker's TensorFlow.js build`,
      );
    expect(Array.from(x.dataSync())).toEqual([1]);
    expect(() => tf.grad((t: typeof x) => t)(x)).toThrow('edseg: engine.gradients()');
    expect(() => tf.variable(x)).toThrow('edseg: engine.makeVariable()');
    x.dispose();
  });
});
