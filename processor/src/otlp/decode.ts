/**
 * Entry points turning an OTLP ExportMetricsServiceRequest (protobuf bytes or OTLP/JSON) into
 * the processor model. Structural problems throw DecodeError; semantically invalid data points
 * are dropped one by one and reported in the result (for an OTLP partial_success answer).
 */
import { DecodeError } from './errors.js';
import { convertExportRequest, convertTracesRequest } from './convert.js';
import type { MetricsExport, TracesExport } from './model.js';
import { ExportMetricsServiceRequest, ExportTraceServiceRequest } from './schema.js';
import { RejectionLog, type Rejection } from './validate.js';
import { readExportMetricsRequest, readExportTracesRequest } from './wire.js';

export interface DecodeResult {
  /** The valid content of the request. */
  readonly data: MetricsExport;
  /** Number of data points kept in `data` (summary points included). */
  readonly acceptedDataPoints: number;
  /** Number of data points dropped as semantically invalid. */
  readonly rejectedDataPoints: number;
  /** Dropped points grouped by reason and metric name. */
  readonly rejections: readonly Rejection[];
  /** Human summary of the rejections, for partial_success.error_message; undefined when none. */
  readonly errorMessage: string | undefined;
}

/** Number of data points in an export (summary points included). */
export function countDataPoints(exp: MetricsExport): number {
  let n = 0;
  for (const rm of exp.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const m of sm.metrics) n += m.data.type === 'summary' ? m.data.pointCount : m.data.points.length;
    }
  }
  return n;
}

/** Exports produced by the decoders below: every point in them passed `validate.ts`. */
const validated = new WeakSet<MetricsExport>();

/**
 * True for an export returned by one of this module's decoders, whose data points all passed
 * the checks of `validate.ts` (bucket counts exact and adding up to `count`, boundaries finite
 * and increasing, ...), so that consumers need not check them again.
 */
export function isValidated(exp: MetricsExport): boolean {
  return validated.has(exp);
}

function result(data: MetricsExport, rejections: RejectionLog): DecodeResult {
  validated.add(data);
  return {
    data,
    acceptedDataPoints: countDataPoints(data),
    rejectedDataPoints: rejections.total,
    rejections: rejections.list(),
    errorMessage: rejections.message(),
  };
}

/**
 * Decodes a protobuf ExportMetricsServiceRequest with the protobufjs reflection schema
 * (schema.ts) and converts it. Kept as the reference implementation the hand-written reader is
 * checked against (and compared with in the decode benchmark).
 */
export function decodeMetricsProtobufReflection(bytes: Uint8Array): DecodeResult {
  let message: unknown;
  try {
    message = ExportMetricsServiceRequest.decode(bytes);
  } catch (e) {
    throw new DecodeError(`invalid protobuf ExportMetricsServiceRequest: ${(e as Error).message}`, undefined, {
      cause: e,
    });
  }
  const rejections = new RejectionLog();
  return result(convertExportRequest(message, rejections), rejections);
}

/**
 * Decodes a protobuf-encoded ExportMetricsServiceRequest with the hand-written reader in wire.ts
 * (same result as decodeMetricsProtobufReflection, several times faster on histograms).
 */
export function decodeMetricsProtobuf(bytes: Uint8Array): DecodeResult {
  const rejections = new RejectionLog();
  return result(readExportMetricsRequest(bytes, rejections), rejections);
}

/** JSON text or UTF-8 bytes parsed (an already parsed value is returned as is). */
function parseJson(input: string | Uint8Array | object): unknown {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return input;
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: false }).decode(input);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DecodeError(`invalid JSON: ${(e as Error).message}`, undefined, { cause: e });
  }
}

/**
 * Decodes an OTLP/JSON ExportMetricsServiceRequest given as text, UTF-8 bytes, or an already
 * parsed value. 64-bit integers above 2^53 must be sent as strings to stay exact (JSON numbers
 * are doubles).
 */
export function decodeMetricsJson(input: string | Uint8Array | object): DecodeResult {
  const rejections = new RejectionLog();
  return result(convertExportRequest(parseJson(input), rejections), rejections);
}

/**
 * Decodes a protobuf ExportTraceServiceRequest (ids, names, times, attributes, events of its
 * spans) with the hand-written reader in wire.ts (same result as decodeTracesProtobufReflection).
 */
export function decodeTracesProtobuf(bytes: Uint8Array): TracesExport {
  return readExportTracesRequest(bytes);
}

/** decodeTracesProtobuf through protobufjs reflection and convertTracesRequest (the reference decoder). */
export function decodeTracesProtobufReflection(bytes: Uint8Array): TracesExport {
  let message: unknown;
  try {
    message = ExportTraceServiceRequest.decode(bytes);
  } catch (e) {
    throw new DecodeError(`invalid protobuf ExportTraceServiceRequest: ${(e as Error).message}`, undefined, {
      cause: e,
    });
  }
  return convertTracesRequest(message);
}

/** Decodes an OTLP/JSON ExportTraceServiceRequest (trace and span ids as hex text). */
export function decodeTracesJson(input: string | Uint8Array | object): TracesExport {
  return convertTracesRequest(parseJson(input));
}
