/**
 * Access control shared by the receivers: an optional bearer-token check and optional TLS.
 * Unauthenticated requests are refused before their body is read (HTTP 401 with
 * `WWW-Authenticate: Bearer`, gRPC UNAUTHENTICATED); answers never echo the credential.
 */

/** Checks an Authorization header value (HTTP) or `authorization` metadata (gRPC). */
export interface Authenticator {
  check(authorization: string | undefined): boolean;
}

export interface ReceiverAuth {
  readonly authenticator: Authenticator;
  /** HTTP only: also require the token on the extra routes and the fallback (status page, /metrics). */
  readonly protectRoutes?: boolean;
  /** HTTP routes that stay open even with `protectRoutes` (default: /healthz and /readyz). */
  readonly publicPaths?: readonly string[];
}

/** PEM certificate chain and private key (contents, not paths). */
export interface TlsKeyPair {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
}

export const DEFAULT_PUBLIC_PATHS: readonly string[] = ['/healthz', '/readyz'];

export const UNAUTHENTICATED_MESSAGE = 'missing or invalid bearer token';
