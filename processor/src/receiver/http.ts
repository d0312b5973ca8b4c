/**
 * OTLP/HTTP receiver on node:http (no framework).
 *
 * - `POST /v1/metrics`: `application/x-protobuf` or `application/json` bodies, optionally
 *   `Content-Encoding: gzip` or `deflate`. Answers 200 with an ExportMetricsServiceResponse
 *   (partial_success when points were rejected), 400 with a google.rpc.Status for undecodable
 *   requests, 413 when the raw body or its decompressed size exceeds the limits (the decompressed
 *   size is checked while inflating, so a compression bomb is never expanded in full), 415 for other
 *   content types or codings, 429 / 503 with Retry-After when the consumer or the in-flight limit
 *   says so. Responses use the request's content type.
 * - `POST /v1/traces`: with a `traces` consumer (trace samples on), decoded and handed to it, with
 *   the same answers as metrics; without one, read (within the same limits) and discarded.
 * - `POST /v1/logs`: an SDK or a Collector pointed at the processor may send all signals; those
 *   bodies are read and discarded, and the answer is an empty success so senders neither retry
 *   nor log errors.
 * - Extra GET/HEAD routes (`routes`) and a `fallback` handler let the processor add `/`,
 *   `/healthz`, `/readyz`, `/metrics`. Anything else is 404; a known path with the wrong
 *   method is 405 with an Allow header.
 * - Slow clients: `headersTimeoutMs` bounds the header phase, `requestTimeoutMs` the whole
 *   request including the body (Node answers 408 and closes); `maxConnections` bounds how many
 *   can be open at once, `maxBufferedBytes` the body bytes held across all requests.
 * - Access: with `auth`, OTLP paths (and, with `protectRoutes`, the extra routes except the public
 *   health checks) need `Authorization: Bearer <token>`; others get 401 before the body is read.
 *   With `tls`, the server speaks HTTPS only.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { InFlightLimiter, type MetricsConsumer, type TracesConsumer } from './consumer.js';
import {
  encodeExportResponse,
  encodeStatus,
  GrpcCode,
  handleExport,
  handleTraceExport,
  type Encoding,
} from './export.js';
import { DEFAULT_PUBLIC_PATHS, UNAUTHENTICATED_MESSAGE, type ReceiverAuth, type TlsKeyPair } from './security.js';

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface HttpReceiverOptions {
  readonly consumer: MetricsConsumer;
  /** Consumer of `/v1/traces`; without one, trace exports are read and discarded. */
  readonly traces?: TracesConsumer;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 14318 (the Collector's 4318 + 10000, so both can run on one host); 0 = ephemeral. */
  readonly port?: number;
  /** Limit on the body as sent (compressed or not). Default 16 MiB. */
  readonly maxRequestBytes?: number;
  /** Limit on the body after gzip/deflate decoding. Default 64 MiB. */
  readonly maxDecompressedBytes?: number;
  /** Export requests handled at once; more are answered 503 with Retry-After. Default 64. */
  readonly maxInFlight?: number;
  /**
   * Bytes of (decompressed) request bodies held at once across all requests being read or
   * processed; a request that would exceed it is answered 503 with Retry-After. Bounds the
   * receiver's buffers below maxInFlight x maxDecompressedBytes. Default 256 MiB.
   */
  readonly maxBufferedBytes?: number;
  /** Retry-After sent when the in-flight limit is hit. Default 1 s. */
  readonly inFlightRetryAfterSeconds?: number;
  /** Time allowed to receive the request headers. Default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Time allowed to receive the whole request (headers and body). Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Idle keep-alive connection timeout. Default 5 s. */
  readonly keepAliveTimeoutMs?: number;
  /**
   * Open connections at once; further ones are closed on accept, so many slow clients cannot
   * exhaust file descriptors or memory while the timeouts run. Default 1024.
   */
  readonly maxConnections?: number;
  /** Extra GET/HEAD routes by exact path, e.g. `/healthz`. */
  readonly routes?: ReadonlyMap<string, RouteHandler>;
  /** Called for requests no route matched; return true when it answered. */
  readonly fallback?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;
  /** Unexpected errors (consumer failures, route handler errors). Default: ignored. */
  readonly onError?: (error: unknown) => void;
  /** Bearer-token check; none by default. */
  readonly auth?: ReceiverAuth;
  /** Serve HTTPS with this certificate and key; plain HTTP by default. */
  readonly tls?: TlsKeyPair;
}

export interface HttpReceiver {
  readonly server: http.Server;
  /** Starts listening; resolves with the bound address (useful with port 0). */
  listen(): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`, default 5 s), then closes. */
  close(graceMs?: number): Promise<void>;
  readonly inFlight: number;
  /** Bytes of request bodies currently held (see maxBufferedBytes). */
  readonly bufferedBytes: number;
}

export const DEFAULT_HTTP_PORT = 14318;
const MiB = 1024 * 1024;

/** An answer decided before the body was decoded (limits, media types, codings). */
class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

const OTLP_PATHS = new Map<string, 'metrics' | 'traces' | 'logs'>([
  ['/v1/metrics', 'metrics'],
  ['/v1/traces', 'traces'],
  ['/v1/logs', 'logs'],
]);

function mediaType(req: http.IncomingMessage): Encoding | undefined {
  const ct = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (ct === 'application/x-protobuf' || ct === 'application/protobuf') return 'protobuf';
  if (ct === 'application/json') return 'json';
  return undefined;
}

const CONTENT_TYPES: Record<Encoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

function send(
  res: http.ServerResponse,
  status: number,
  encoding: Encoding,
  body: Buffer,
  headers: http.OutgoingHttpHeaders = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': CONTENT_TYPES[encoding], 'content-length': body.length, ...headers });
  res.end(body);
}

function sendStatus(
  res: http.ServerResponse,
  status: number,
  encoding: Encoding,
  grpcCode: number,
  message: string,
  headers: http.OutgoingHttpHeaders = {},
  retryAfterSeconds?: number,
): void {
  send(res, status, encoding, encodeStatus(encoding, grpcCode, message, retryAfterSeconds), headers);
}

function decoderFor(req: http.IncomingMessage): zlib.Gunzip | zlib.Inflate | undefined {
  const coding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (coding === 'identity' || coding === '') return undefined;
  if (coding === 'gzip' || coding === 'x-gzip') return zlib.createGunzip();
  if (coding === 'deflate') return zlib.createInflate();
  throw new HttpFailure(
    415,
    GrpcCode.INVALID_ARGUMENT,
    `unsupported Content-Encoding "${coding}" (supported: gzip, deflate, identity)`,
  );
}

/**
 * Reads the body within the limits. Rejects with HttpFailure (413/400) or with the client's
 * abort; on rejection the request is left paused and unpiped (the caller answers with
 * `Connection: close`).
 */
/** Bytes of bodies held by all requests of one receiver. */
class ByteBudget {
  used = 0;
  constructor(readonly max: number) {}
}

/** Retry-After advertised when the byte budget is exhausted. */
const BUDGET_RETRY_AFTER_SECONDS = 1;

function readBody(
  req: http.IncomingMessage,
  maxRaw: number,
  maxDecoded: number,
  budget: ByteBudget,
  held: { bytes: number },
): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxRaw) {
    return Promise.reject(
      new HttpFailure(
        413,
        GrpcCode.RESOURCE_EXHAUSTED,
        `request body of ${declared} bytes exceeds the ${maxRaw}-byte limit`,
      ),
    );
  }
  let inflater: zlib.Gunzip | zlib.Inflate | undefined;
  try {
    inflater = decoderFor(req);
  } catch (e) {
    return Promise.reject(e);
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let raw = 0;
    let decoded = 0;
    let settled = false;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      req.pause();
      if (inflater) {
        inflater.off('data', onInflated);
        inflater.destroy();
      }
    };
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      reject(e);
    };
    const finish = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(Buffer.concat(chunks, decoded));
    };
    /** Keeps a chunk if the receiver-wide budget allows it. */
    const hold = (c: Buffer): boolean => {
      if (budget.used + c.length > budget.max) {
        fail(
          new HttpFailure(
            503,
            GrpcCode.UNAVAILABLE,
            `receiver buffers are full (${budget.max} bytes of request bodies held); retry later`,
          ),
        );
        return false;
      }
      budget.used += c.length;
      held.bytes += c.length;
      chunks.push(c);
      return true;
    };
    const onInflated = (c: Buffer): void => {
      decoded += c.length;
      if (decoded > maxDecoded) {
        fail(
          new HttpFailure(
            413,
            GrpcCode.RESOURCE_EXHAUSTED,
            `decompressed request body exceeds the ${maxDecoded}-byte limit`,
          ),
        );
      } else hold(c);
    };
    const onData = (c: Buffer): void => {
      raw += c.length;
      if (raw > maxRaw) {
        fail(new HttpFailure(413, GrpcCode.RESOURCE_EXHAUSTED, `request body exceeds the ${maxRaw}-byte limit`));
        return;
      }
      if (!inflater) {
        decoded += c.length;
        hold(c);
      } else if (!inflater.write(c)) {
        req.pause();
        inflater.once('drain', () => {
          if (!settled) req.resume();
        });
      }
    };
    const onEnd = (): void => {
      if (inflater) inflater.end();
      else finish();
    };
    const onError = (e: Error): void => fail(e);
    const onAborted = (): void => fail(new Error('client aborted the request'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
    if (inflater) {
      inflater.on('data', onInflated);
      inflater.on('end', finish);
      inflater.on('error', (e: Error) =>
        fail(new HttpFailure(400, GrpcCode.INVALID_ARGUMENT, `invalid compressed body: ${e.message}`)),
      );
    }
  });
}

export function createHttpReceiver(options: HttpReceiverOptions): HttpReceiver {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_HTTP_PORT;
  const maxRaw = options.maxRequestBytes ?? 16 * MiB;
  const maxDecoded = options.maxDecompressedBytes ?? 64 * MiB;
  const limiter = new InFlightLimiter(options.maxInFlight ?? 64);
  const budget = new ByteBudget(options.maxBufferedBytes ?? 256 * MiB);
  const busyRetryAfter = options.inFlightRetryAfterSeconds ?? 1;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? 30_000, headersTimeout);
  const onError = options.onError ?? (() => undefined);
  const routes = options.routes ?? new Map<string, RouteHandler>();

  async function handleOtlp(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    signal: 'metrics' | 'traces' | 'logs',
  ): Promise<void> {
    const encoding = mediaType(req);
    if (encoding === undefined) {
      const ct = req.headers['content-type'] ?? '(none)';
      sendStatus(
        res,
        415,
        'json',
        GrpcCode.INVALID_ARGUMENT,
        `unsupported Content-Type "${ct}" (use application/x-protobuf or application/json)`,
        { connection: 'close' },
      );
      return;
    }
    if (!limiter.tryAcquire()) {
      const msg = `too many concurrent export requests (limit ${limiter.max}); retry later`;
      sendStatus(
        res,
        503,
        encoding,
        GrpcCode.UNAVAILABLE,
        msg,
        { 'retry-after': String(busyRetryAfter), connection: 'close' },
        busyRetryAfter,
      );
      return;
    }
    const held = { bytes: 0 };
    try {
      let body: Buffer;
      try {
        body = await readBody(req, maxRaw, maxDecoded, budget, held);
      } catch (e) {
        if (e instanceof HttpFailure && e.status === 503) {
          const retry = BUDGET_RETRY_AFTER_SECONDS;
          sendStatus(
            res,
            503,
            encoding,
            e.grpcCode,
            e.message,
            { 'retry-after': String(retry), connection: 'close' },
            retry,
          );
        } else if (e instanceof HttpFailure)
          sendStatus(res, e.status, encoding, e.grpcCode, e.message, { connection: 'close' });
        else res.destroy();
        return;
      }
      if (signal === 'logs') {
        // Logs are accepted and discarded: empty Export*ServiceResponse = full success.
        send(res, 200, encoding, encoding === 'json' ? Buffer.from('{}') : Buffer.alloc(0));
        return;
      }
      const outcome =
        signal === 'traces'
          ? await handleTraceExport(body, encoding, options.traces)
          : await handleExport(body, encoding, 'http', options.consumer);
      switch (outcome.kind) {
        case 'ok':
          send(
            res,
            200,
            encoding,
            encodeExportResponse(encoding, outcome.rejectedDataPoints, outcome.errorMessage, signal),
          );
          break;
        case 'invalid':
          sendStatus(res, 400, encoding, GrpcCode.INVALID_ARGUMENT, outcome.message);
          break;
        case 'overloaded': {
          const { kind, retryAfterSeconds, message } = outcome.error;
          const retry = Math.max(0, Math.ceil(retryAfterSeconds));
          const status = kind === 'throttled' ? 429 : 503;
          const code = kind === 'throttled' ? GrpcCode.RESOURCE_EXHAUSTED : GrpcCode.UNAVAILABLE;
          sendStatus(res, status, encoding, code, message, { 'retry-after': String(retry) }, retry);
          break;
        }
        case 'failed':
          onError(new Error(outcome.message));
          sendStatus(res, 500, encoding, GrpcCode.INTERNAL, outcome.message);
          break;
      }
    } finally {
      budget.used -= held.bytes;
      limiter.release();
    }
  }

  const auth = options.auth;
  const publicPaths = new Set(auth?.publicPaths ?? DEFAULT_PUBLIC_PATHS);
  /** False (after answering 401) when the request needs the token and lacks it. */
  const authorized = (req: http.IncomingMessage, res: http.ServerResponse, path: string, otlp: boolean): boolean => {
    if (!auth || (!otlp && (!auth.protectRoutes || publicPaths.has(path)))) return true;
    if (auth.authenticator.check(req.headers.authorization)) return true;
    const encoding = (otlp && mediaType(req)) || 'json';
    sendStatus(res, 401, encoding, GrpcCode.UNAUTHENTICATED, UNAUTHENTICATED_MESSAGE, {
      'www-authenticate': 'Bearer',
      connection: 'close',
    });
    return false;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const signal = OTLP_PATHS.get(path);
    if (!authorized(req, res, path, signal !== undefined)) return;
    if (signal !== undefined) {
      if (req.method !== 'POST') {
        sendStatus(res, 405, 'json', GrpcCode.UNIMPLEMENTED, `method ${req.method} not allowed on ${path}`, {
          allow: 'POST',
        });
        return;
      }
      await handleOtlp(req, res, signal);
      return;
    }
    const route = routes.get(path);
    if (route !== undefined) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendStatus(res, 405, 'json', GrpcCode.UNIMPLEMENTED, `method ${req.method} not allowed on ${path}`, {
          allow: 'GET, HEAD',
        });
        return;
      }
      await route(req, res);
      return;
    }
    if (options.fallback && (await options.fallback(req, res))) return;
    sendStatus(res, 404, 'json', GrpcCode.NOT_FOUND, `no handler for ${path}`);
  }

  const serverOptions: http.ServerOptions = {
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
    // How often Node checks the two timeouts above; its 30 s default would make them coarse.
    connectionsCheckingInterval: Math.max(10, Math.min(1_000, Math.floor(headersTimeout / 4))),
  };
  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    handle(req, res).catch((e: unknown) => {
      onError(e);
      if (!res.headersSent) sendStatus(res, 500, 'json', GrpcCode.INTERNAL, 'internal error');
      else res.destroy();
    });
  };
  const server: http.Server = options.tls
    ? https.createServer(
        { ...serverOptions, cert: options.tls.cert, key: options.tls.key, handshakeTimeout: headersTimeout },
        listener,
      )
    : http.createServer(serverOptions, listener);
  server.maxConnections = options.maxConnections ?? 1024;

  return {
    server,
    get inFlight() {
      return limiter.inFlight;
    },
    get bufferedBytes() {
      return budget.used;
    },
    listen() {
      return new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close(graceMs = 5_000) {
      return new Promise<void>((resolve) => {
        if (!server.listening) {
          resolve();
          return;
        }
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
