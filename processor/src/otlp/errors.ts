/**
 * A structurally broken OTLP request: not protobuf, not JSON, or a field of the wrong shape.
 * The whole request is refused (HTTP 400 / gRPC INVALID_ARGUMENT) with `message` as reason.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** Where in the request the problem is, e.g. `resourceMetrics[0].scopeMetrics[1].metrics[2].name`. */
  readonly path: string | undefined;

  constructor(reason: string, path?: string, options?: { cause?: unknown }) {
    super(path ? `${path}: ${reason}` : reason, options);
    this.path = path;
  }
}
