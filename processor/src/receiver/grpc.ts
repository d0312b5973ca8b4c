/**
 * OTLP/gRPC receiver: `opentelemetry.proto.collector.metrics.v1.MetricsService/Export` served
 * with @grpc/grpc-js, (de)serialised with the project's schema and wire reader; and
 * `opentelemetry.proto.collector.trace.v1.TraceService/Export`, handed to the `traces` consumer
 * when there is one (trace samples), else accepted and discarded.
 *
 * Same semantics as the HTTP receiver: INVALID_ARGUMENT with the decoder's reason for broken
 * requests; RESOURCE_EXHAUSTED (consumer throttling) or UNAVAILABLE (consumer outage, in-flight
 * limit) with a google.rpc.RetryInfo detail in `grpc-status-details-bin`; partial_success in the
 * response when points were rejected. grpc-js decompresses gzip/deflate-compressed messages
 * itself, and enforces `maxReceiveMessageBytes` on the decompressed message.
 *
 * Access: with `auth`, calls without `authorization: Bearer <token>` metadata get UNAUTHENTICATED
 * before their message is decoded; with `tls`, the server accepts TLS connections only.
 */
import * as grpc from '@grpc/grpc-js';
import { METRICS_EXPORT_GRPC_PATH, TRACES_EXPORT_GRPC_PATH } from '../otlp/schema.js';
import { InFlightLimiter, type MetricsConsumer, type OverloadedError, type TracesConsumer } from './consumer.js';
import { encodeExportResponse, encodeStatus, handleExport, handleTraceExport, type ExportOutcome } from './export.js';
import { UNAUTHENTICATED_MESSAGE, type ReceiverAuth, type TlsKeyPair } from './security.js';

export interface GrpcReceiverOptions {
  readonly consumer: MetricsConsumer;
  /** Consumer of TraceService/Export calls; without one, they are accepted and discarded. */
  readonly traces?: TracesConsumer;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 14317 (the Collector's 4317 + 10000); 0 = ephemeral. */
  readonly port?: number;
  /** Largest accepted (decompressed) request message. Default 16 MiB. */
  readonly maxReceiveMessageBytes?: number;
  /** Export calls handled at once; more get UNAVAILABLE with a retry delay. Default 64. */
  readonly maxInFlight?: number;
  /** Retry delay advertised when the in-flight limit is hit. Default 1 s. */
  readonly inFlightRetryAfterSeconds?: number;
  /**
   * Bytes of request messages held by export calls being handled (decoding, waiting for their
   * commit); a call that would exceed it is refused at once with UNAVAILABLE and a retry delay,
   * which frees its message. grpc-js reads a whole message before the handler runs; HTTP/2
   * streams per connection are limited to twice `maxInFlight`. Default 256 MiB.
   */
  readonly maxBufferedBytes?: number;
  /** Extra grpc-js server options. */
  readonly serverOptions?: grpc.ServerOptions;
  readonly onError?: (error: unknown) => void;
  /** Bearer-token check on the `authorization` metadata; none by default. */
  readonly auth?: Pick<ReceiverAuth, 'authenticator'>;
  /** Serve TLS with this certificate and key; plaintext (insecure credentials) by default. */
  readonly tls?: TlsKeyPair;
}

export interface GrpcReceiver {
  readonly server: grpc.Server;
  /** Binds and starts serving; resolves with the bound port (useful with port 0). */
  listen(): Promise<{ host: string; port: number }>;
  /** Graceful shutdown, forced after `graceMs` (default 5 s). */
  close(graceMs?: number): Promise<void>;
}

export const DEFAULT_GRPC_PORT = 14317;

const identity = (b: Buffer): Buffer => b;

/** A unary OTLP Export service definition: raw bytes in, so decoding errors become INVALID_ARGUMENT. */
const exportService = (path: string): grpc.ServiceDefinition => ({
  Export: {
    path,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'export',
  },
});

function retryMetadata(code: grpc.status, message: string, retryAfterSeconds: number): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('grpc-status-details-bin', encodeStatus('protobuf', code, message, retryAfterSeconds));
  return md;
}

function overloaded(e: Pick<OverloadedError, 'kind' | 'retryAfterSeconds' | 'message'>): Partial<grpc.StatusObject> {
  const code = e.kind === 'throttled' ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE;
  return { code, details: e.message, metadata: retryMetadata(code, e.message, Math.max(0, e.retryAfterSeconds)) };
}

export function createGrpcReceiver(options: GrpcReceiverOptions): GrpcReceiver {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_GRPC_PORT;
  const limiter = new InFlightLimiter(options.maxInFlight ?? 64);
  const busyRetryAfter = options.inFlightRetryAfterSeconds ?? 1;
  const maxBuffered = options.maxBufferedBytes ?? 256 * 1024 * 1024;
  let buffered = 0;
  const onError = options.onError ?? (() => undefined);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 16 * 1024 * 1024,
    // calls beyond it wait at the client (they hold no memory here); those within it but over
    // maxInFlight are refused with a retry delay
    'grpc.max_concurrent_streams': 2 * limiter.max,
    ...options.serverOptions,
  });

  const handler =
    (handle: (request: Buffer) => Promise<ExportOutcome>): grpc.handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      if (options.auth) {
        const value = call.metadata.get('authorization')[0];
        if (!options.auth.authenticator.check(typeof value === 'string' ? value : undefined)) {
          callback({ code: grpc.status.UNAUTHENTICATED, details: UNAUTHENTICATED_MESSAGE });
          return;
        }
      }
      const size = call.request.length;
      if (buffered + size > maxBuffered) {
        callback(
          overloaded({
            kind: 'unavailable',
            retryAfterSeconds: busyRetryAfter,
            message: `receiver buffers are full (${maxBuffered} bytes of request messages held); retry later`,
          }),
        );
        return;
      }
      if (!limiter.tryAcquire()) {
        callback(
          overloaded({
            kind: 'unavailable',
            retryAfterSeconds: busyRetryAfter,
            message: `too many concurrent export calls (limit ${limiter.max}); retry later`,
          }),
        );
        return;
      }
      buffered += size;
      handle(call.request)
        .then((outcome) => {
          switch (outcome.kind) {
            case 'ok':
              callback(null, encodeExportResponse('protobuf', outcome.rejectedDataPoints, outcome.errorMessage));
              break;
            case 'invalid':
              callback({ code: grpc.status.INVALID_ARGUMENT, details: outcome.message });
              break;
            case 'overloaded':
              callback(overloaded(outcome.error));
              break;
            case 'failed':
              onError(new Error(outcome.message));
              callback({ code: grpc.status.INTERNAL, details: outcome.message });
              break;
          }
        })
        .catch((e: unknown) => {
          onError(e);
          callback({ code: grpc.status.INTERNAL, details: 'internal error' });
        })
        .finally(() => {
          buffered -= size;
          limiter.release();
        });
    };

  server.addService(exportService(METRICS_EXPORT_GRPC_PATH), {
    Export: handler((b) => handleExport(b, 'protobuf', 'grpc', options.consumer)),
  });
  server.addService(exportService(TRACES_EXPORT_GRPC_PATH), {
    Export: handler((b) => handleTraceExport(b, 'protobuf', options.traces)),
  });

  return {
    server,
    listen() {
      return new Promise((resolve, reject) => {
        const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        const credentials = options.tls
          ? grpc.ServerCredentials.createSsl(
              null,
              [{ cert_chain: Buffer.from(options.tls.cert), private_key: Buffer.from(options.tls.key) }],
              false,
            )
          : grpc.ServerCredentials.createInsecure();
        server.bindAsync(address, credentials, (err, boundPort) => {
          if (err) reject(err);
          else resolve({ host, port: boundPort });
        });
      });
    },
    close(graceMs = 5_000) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        timer.unref();
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
