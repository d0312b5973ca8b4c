/**
 * Bad input that a person can fix: a configuration, a CSV or baseline file, a request argument.
 * The message is one line that says what is wrong and what to do; no stack trace is shown for it.
 * The command line maps it to exit status 2 (cli/errors.ts).
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/**
 * Thrown by a consumer (or raised by a receiver's in-flight limit) when it cannot take data now.
 * `throttled` asks the client to slow down (HTTP 429 / gRPC RESOURCE_EXHAUSTED), `unavailable`
 * reports a temporary outage (HTTP 503 / gRPC UNAVAILABLE); both carry a retry delay, which OTLP
 * clients honour (HTTP Retry-After header, gRPC google.rpc.RetryInfo).
 */
export class OverloadedError extends Error {
  override readonly name = 'OverloadedError';

  constructor(
    readonly retryAfterSeconds: number,
    readonly kind: 'throttled' | 'unavailable' = 'unavailable',
    message = kind === 'throttled' ? 'too many requests' : 'temporarily unavailable',
  ) {
    super(message);
  }
}

/**
 * A state change that storage did not keep (disk full, I/O error): what was built on it is not
 * stored, and the requests it came from must be sent again. `code` is SQLite's (e.g.
 * SQLITE_FULL) when it has one. The service answers such requests as `unavailable`.
 */
export class CommitFailedError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CommitFailedError';
  }
}
