export * from './model.js';
export { DecodeError } from './errors.js';
export {
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeMetricsProtobufReflection,
  countDataPoints,
  decodeTracesJson,
  decodeTracesProtobuf,
  decodeTracesProtobufReflection,
  type DecodeResult,
} from './decode.js';
export { REJECTION_REASONS, type Rejection, type RejectionReason } from './validate.js';
