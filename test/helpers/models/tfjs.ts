/**
 * Test-time TensorFlow.js models, built in memory (CPU backend, no downloads).
 *
 * The tfjs module is passed in rather than imported here, so a test can load
 * it after enabling the instrumentation (require or import, as it chooses).
 */
import type * as tfjs from '@tensorflow/tfjs';

type Tf = typeof tfjs;

export interface DenseSpec {
  /** One weight per input feature. */
  weights: readonly number[];
  bias: number;
  /** Name given to the model (default `dense_scorer`). */
  name?: string;
}

/**
 * A Sequential model with one dense unit and a sigmoid:
 * score = sigmoid(x · w + b), input [batch, N], output [batch, 1].
 */
export function denseSequential(tf: Tf, spec: DenseSpec): tfjs.Sequential {
  const n = spec.weights.length;
  const model = tf.sequential({ name: spec.name ?? 'dense_scorer' });
  model.add(tf.layers.dense({ units: 1, inputShape: [n], activation: 'sigmoid' }));
  model.setWeights([tf.tensor2d([...spec.weights], [n, 1]), tf.tensor1d([spec.bias])]);
  return model;
}

/**
 * The same dense model, saved to memory and loaded back through
 * `tf.io.fromMemory` + `tf.loadLayersModel` (the path a service takes when
 * loading a saved model).
 */
export async function denseFromMemory(tf: Tf, spec: DenseSpec): Promise<tfjs.LayersModel> {
  const source = denseSequential(tf, spec);
  let saved: tfjs.io.ModelArtifacts | undefined;
  await source.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('model was not saved');
  return tf.loadLayersModel(tf.io.fromMemory(saved));
}

/**
 * A GraphModel (the converter's format) computing sigmoid(x · w + b) from a
 * hand-written GraphDef: Placeholder `x` [-1, N], Const `w` [N, 1],
 * Const `b` [1], MatMul, Add, Sigmoid (output node `score`).
 */
export async function logisticGraphModel(tf: Tf, spec: DenseSpec): Promise<tfjs.GraphModel> {
  const n = spec.weights.length;
  const floatAttr = { dtype: { type: 'DT_FLOAT' } };
  const modelTopology = {
    node: [
      {
        name: 'x',
        op: 'Placeholder',
        attr: { ...floatAttr, shape: { shape: { dim: [{ size: '-1' }, { size: String(n) }] } } },
      },
      {
        name: 'w',
        op: 'Const',
        attr: {
          ...floatAttr,
          value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: String(n) }, { size: '1' }] } } },
        },
      },
      {
        name: 'b',
        op: 'Const',
        attr: { ...floatAttr, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '1' }] } } } },
      },
      {
        name: 'xw',
        op: 'MatMul',
        input: ['x', 'w'],
        attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } },
      },
      { name: 'logit', op: 'AddV2', input: ['xw', 'b'], attr: { T: { type: 'DT_FLOAT' } } },
      { name: 'score', op: 'Sigmoid', input: ['logit'], attr: { T: { type: 'DT_FLOAT' } } },
    ],
    versions: { producer: 1 },
  };
  const weightData = new Float32Array([...spec.weights, spec.bias]).buffer;
  const weightSpecs: tfjs.io.WeightsManifestEntry[] = [
    { name: 'w', shape: [n, 1], dtype: 'float32' },
    { name: 'b', shape: [1], dtype: 'float32' },
  ];
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData, format: 'graph-model' }));
}
