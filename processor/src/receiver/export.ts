/**
 * Transport-independent handling of one ExportMetricsServiceRequest: decode, hand to the
 * consumer, merge the decoder's and the consumer's rejections, and encode OTLP responses.
 */
import { DecodeError } from '../otlp/errors.js';
import {
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeTracesJson,
  decodeTracesProtobuf,
  type DecodeResult,
} from '../otlp/decode.js';
import { ExportMetricsServiceResponse, RpcRetryInfo, RpcStatus } from '../otlp/schema.js';
import { OverloadedError, type MetricsConsumer, type ReceiveContext, type TracesConsumer } from './consumer.js';

export type Encoding = 'protobuf' | 'json';

export type ExportOutcome =
  | { readonly kind: 'ok'; readonly rejectedDataPoints: number; readonly errorMessage: string | undefined }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'overloaded'; readonly error: OverloadedError }
  | { readonly kind: 'failed'; readonly message: string };

export async function handleExport(
  body: Uint8Array,
  encoding: Encoding,
  transport: 'http' | 'grpc',
  consumer: MetricsConsumer,
): Promise<ExportOutcome> {
  let decoded: DecodeResult | undefined;
  try {
    decoded = encoding === 'protobuf' ? decodeMetricsProtobuf(body) : decodeMetricsJson(body);
  } catch (e) {
    if (e instanceof DecodeError) return { kind: 'invalid', message: e.message };
    throw e;
  }
  const { rejectedDataPoints: decodeRejected, errorMessage: decodeMessage } = decoded;
  const ctx: ReceiveContext = {
    transport,
    encoding,
    decodeRejections: decoded.rejections,
    decodeRejectedDataPoints: decodeRejected,
  };
  try {
    const consuming = consumer.consume(decoded.data, ctx);
    // the decoded request is not needed while its commit (and sync) is awaited
    decoded = undefined;
    const consumed = await consuming;
    const rejected = decodeRejected + Math.max(0, consumed.rejectedDataPoints);
    const messages = [decodeMessage, consumed.errorMessage].filter((m): m is string => !!m);
    return {
      kind: 'ok',
      rejectedDataPoints: rejected,
      errorMessage: messages.length ? messages.join('; ') : undefined,
    };
  } catch (e) {
    if (e instanceof OverloadedError) return { kind: 'overloaded', error: e };
    return {
      kind: 'failed',
      message: `internal error while processing metrics: ${(e as Error)?.message ?? String(e)}`,
    };
  }
}

/**
 * One ExportTraceServiceRequest: decoded and handed to the consumer when there is one, else read
 * and discarded (the processor only keeps trace samples when asked to). The response is the
 * metrics one's shape (partial_success with rejected_spans in field 1).
 */
export async function handleTraceExport(
  body: Uint8Array,
  encoding: Encoding,
  consumer: TracesConsumer | undefined,
): Promise<ExportOutcome> {
  if (consumer === undefined) return { kind: 'ok', rejectedDataPoints: 0, errorMessage: undefined };
  let decoded;
  try {
    decoded = encoding === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body);
  } catch (e) {
    if (e instanceof DecodeError) return { kind: 'invalid', message: e.message };
    throw e;
  }
  try {
    consumer.consumeTraces(decoded);
  } catch (e) {
    if (e instanceof OverloadedError) return { kind: 'overloaded', error: e };
    return { kind: 'failed', message: `internal error while processing traces: ${(e as Error)?.message ?? String(e)}` };
  }
  const rejected = decoded.rejectedSpans;
  return {
    kind: 'ok',
    rejectedDataPoints: rejected,
    errorMessage: rejected > 0 ? `${rejected} spans without a valid trace or span id` : undefined,
  };
}

/**
 * ExportMetricsServiceResponse. Without rejections it is the empty message (full success);
 * otherwise partial_success carries the count and the reason. A message alone (no rejected
 * points) is a warning, as OTLP allows.
 */
export function encodeExportResponse(
  encoding: Encoding,
  rejectedDataPoints: number,
  errorMessage?: string,
  signal: 'metrics' | 'traces' = 'metrics',
): Buffer {
  const partial =
    rejectedDataPoints > 0 || errorMessage ? { rejectedDataPoints, errorMessage: errorMessage ?? '' } : undefined;
  if (encoding === 'json') {
    // proto3 JSON: int64 as a decimal string. ExportTracePartialSuccess names field 1 rejected_spans.
    const key = signal === 'traces' ? 'rejectedSpans' : 'rejectedDataPoints';
    return Buffer.from(
      JSON.stringify(
        partial
          ? { partialSuccess: { [key]: String(partial.rejectedDataPoints), errorMessage: partial.errorMessage } }
          : {},
      ),
    );
  }
  // ExportTraceServiceResponse has the same field numbers and types: the same bytes serve both.
  const msg = ExportMetricsServiceResponse.fromObject(partial ? { partialSuccess: partial } : {});
  return Buffer.from(ExportMetricsServiceResponse.encode(msg).finish());
}

/** gRPC status codes used by the receivers (grpc/status.proto numbering). */
export const GrpcCode = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

/** google.rpc.Status object, with a RetryInfo detail when a retry delay is given. */
function statusObject(code: number, message: string, retryAfterSeconds?: number): Record<string, unknown> {
  const status: Record<string, unknown> = { code, message };
  if (retryAfterSeconds !== undefined) {
    const retry = RpcRetryInfo.encode(
      RpcRetryInfo.fromObject({ retryDelay: { seconds: Math.ceil(retryAfterSeconds) } }),
    ).finish();
    status.details = [{ typeUrl: RETRY_INFO_TYPE, value: retry }];
  }
  return status;
}

/** google.rpc.Status in the request's encoding (OTLP/HTTP error body). */
export function encodeStatus(encoding: Encoding, code: number, message: string, retryAfterSeconds?: number): Buffer {
  if (encoding === 'json') {
    const body: Record<string, unknown> = { code, message };
    if (retryAfterSeconds !== undefined) {
      body.details = [{ '@type': RETRY_INFO_TYPE, retryDelay: `${Math.ceil(retryAfterSeconds)}s` }];
    }
    return Buffer.from(JSON.stringify(body));
  }
  return Buffer.from(RpcStatus.encode(RpcStatus.fromObject(statusObject(code, message, retryAfterSeconds))).finish());
}
