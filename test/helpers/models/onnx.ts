/** The ONNX model builders live with the examples, which build their model at start. */
export * from '../../../examples/models/onnx-model.js';
