/**
 * ONNX models built in memory (no downloads, no files): used by the demo, the example service
 * and the tests.
 *
 * The schema below declares only the handful of ONNX messages these models
 * need, with the field numbers of the ONNX IR (onnx/onnx.proto, IR version 8).
 * protobufjs encodes them; onnxruntime-node loads the bytes with
 * `InferenceSession.create(bytes)`.
 */
import protobuf from 'protobufjs';

const ONNX_SUBSET = `
syntax = "proto2";
package onnx;

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}
message TensorShapeProto {
  message Dimension {
    optional int64 dim_value = 1;
    optional string dim_param = 2;
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  optional Tensor tensor_type = 1;
}
message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
}
message AttributeProto {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional int32 type = 20;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string domain = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional int64 model_version = 5;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
`;

/** TensorProto.DataType.FLOAT */
const FLOAT = 1;
/** AttributeProto.AttributeType.INT */
const ATTR_INT = 2;

let modelType: protobuf.Type | undefined;
function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_SUBSET, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** A float tensor value description; `null` dimensions are symbolic (`batch`). */
function floatValueInfo(name: string, dims: readonly (number | null)[]): Record<string, unknown> {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: FLOAT,
        shape: { dim: dims.map((d) => (d === null ? { dim_param: 'batch' } : { dim_value: d })) },
      },
    },
  };
}

function floatInitializer(name: string, dims: readonly number[], values: readonly number[]): Record<string, unknown> {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) throw new RangeError(`${name}: ${values.length} values for dims [${dims.join(',')}]`);
  const raw = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  return { name, dims: [...dims], data_type: FLOAT, raw_data: raw };
}

interface GraphSpec {
  name: string;
  nodes: Record<string, unknown>[];
  initializers: Record<string, unknown>[];
  inputs: Record<string, unknown>[];
  outputs: Record<string, unknown>[];
}

/** Encodes a ModelProto (IR 8, default-domain opset 13) holding `graph`. */
export function encodeModel(graph: GraphSpec, modelVersion = 1): Uint8Array {
  const type = modelProto();
  const message = type.fromObject({
    ir_version: 8,
    producer_name: 'otel-ml-tests',
    producer_version: '0',
    model_version: modelVersion,
    opset_import: [{ domain: '', version: 13 }],
    graph: {
      name: graph.name,
      node: graph.nodes,
      initializer: graph.initializers,
      input: graph.inputs,
      output: graph.outputs,
    },
  });
  return type.encode(message).finish();
}

export interface LogisticModelSpec {
  /** One weight per feature. */
  weights: readonly number[];
  bias: number;
  /** Graph input name (default `features`). */
  inputName?: string;
  /** Also expose the pre-sigmoid `logit` output, listed before `probability`. */
  withLogit?: boolean;
}

/**
 * A logistic-regression model: probability = sigmoid(features · w + b),
 * as MatMul + Add + Sigmoid over a [batch, N] float input. Output
 * `probability` has shape [batch, 1].
 */
export function logisticModel(spec: LogisticModelSpec): Uint8Array {
  const n = spec.weights.length;
  const input = spec.inputName ?? 'features';
  const outputs = [floatValueInfo('probability', [null, 1])];
  if (spec.withLogit) outputs.unshift(floatValueInfo('logit', [null, 1]));
  return encodeModel({
    name: 'logistic',
    nodes: [
      { op_type: 'MatMul', name: 'matmul', input: [input, 'W'], output: ['xw'] },
      { op_type: 'Add', name: 'add', input: ['xw', 'B'], output: ['logit'] },
      { op_type: 'Sigmoid', name: 'sigmoid', input: ['logit'], output: ['probability'] },
    ],
    initializers: [floatInitializer('W', [n, 1], spec.weights), floatInitializer('B', [1], [spec.bias])],
    inputs: [floatValueInfo(input, [null, n])],
    outputs,
  });
}

/**
 * A multiclass model: probabilities = softmax(features · W + b) over K classes,
 * [batch, N] float input `features`, output `probabilities` [batch, K].
 * `weights` is N rows of K values.
 */
export function softmaxModel(weights: readonly (readonly number[])[], bias: readonly number[]): Uint8Array {
  const n = weights.length;
  const k = bias.length;
  return encodeModel({
    name: 'softmax',
    nodes: [
      { op_type: 'MatMul', name: 'matmul', input: ['features', 'W'], output: ['xw'] },
      { op_type: 'Add', name: 'add', input: ['xw', 'B'], output: ['logits'] },
      {
        op_type: 'Softmax',
        name: 'softmax',
        input: ['logits'],
        output: ['probabilities'],
        attribute: [{ name: 'axis', i: -1, type: ATTR_INT }],
      },
    ],
    initializers: [floatInitializer('W', [n, k], weights.flat()), floatInitializer('B', [k], bias)],
    inputs: [floatValueInfo('features', [null, n])],
    outputs: [floatValueInfo('probabilities', [null, k])],
  });
}

/** Reference implementation of {@link logisticModel}, to check outputs against. */
export function logisticReference(spec: LogisticModelSpec, row: readonly number[]): number {
  const z = row.reduce((acc, x, i) => acc + x * spec.weights[i]!, spec.bias);
  return 1 / (1 + Math.exp(-z));
}
