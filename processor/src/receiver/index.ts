export {
  InFlightLimiter,
  OverloadedError,
  type ConsumeResult,
  type MetricsConsumer,
  type ReceiveContext,
  type TracesConsumer,
} from './consumer.js';
export {
  encodeExportResponse,
  encodeStatus,
  handleExport,
  handleTraceExport,
  type Encoding,
  type ExportOutcome,
} from './export.js';
export {
  createHttpReceiver,
  DEFAULT_HTTP_PORT,
  type HttpReceiver,
  type HttpReceiverOptions,
  type RouteHandler,
} from './http.js';
export { createGrpcReceiver, DEFAULT_GRPC_PORT, type GrpcReceiver, type GrpcReceiverOptions } from './grpc.js';
export { DEFAULT_PUBLIC_PATHS, type Authenticator, type ReceiverAuth, type TlsKeyPair } from './security.js';
