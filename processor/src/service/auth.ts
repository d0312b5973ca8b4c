/**
 * Bearer-token authentication for the receivers, the status page and the Prometheus endpoint.
 *
 * The token comes from the configuration (`auth.token`), a file (`auth.tokenFile`, first line,
 * so it can be a mounted secret) or the OTEL_ML_AUTH_TOKEN environment variable (which wins).
 * A token file's read error names the file and the error code only.
 * Requests carry `Authorization: Bearer <token>` (HTTP header or gRPC metadata). The comparison
 * hashes both sides with SHA-256 and compares the digests with crypto.timingSafeEqual, so the time
 * taken depends neither on where the first differing byte is nor on the length of either side.
 * No message produced here contains the token or the presented credential.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InputError } from '../model/errors.js';
import type { Authenticator, TlsKeyPair } from '../receiver/security.js';

export interface AuthSettings {
  readonly token?: string;
  readonly tokenFile?: string;
  /** Also require the token on the status page, /api/reports and /metrics (health checks stay open). */
  readonly protectStatusPage: boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Authenticator for one fixed bearer token (constant-time comparison). */
export class BearerTokenAuthenticator implements Authenticator {
  private readonly expected: Buffer;

  constructor(token: string) {
    if (token.length === 0) throw new RangeError('the bearer token must not be empty');
    this.expected = digest(token);
  }

  check(authorization: string | undefined): boolean {
    if (typeof authorization !== 'string') return false;
    const m = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization);
    // Hash even when the header is malformed, so its shape does not change the timing much.
    const presented = digest(m ? m[1]! : authorization);
    return timingSafeEqual(presented, this.expected) && m !== null;
  }
}

/**
 * The effective token: `token` (where OTEL_ML_AUTH_TOKEN lands, see config.ts applyEnv), else the
 * first line of `tokenFile`; undefined when authentication is off. Errors name the file and the
 * problem, never the content.
 */
export function resolveAuthToken(settings: AuthSettings | undefined): string | undefined {
  if (settings?.token) return settings.token;
  if (settings?.tokenFile) {
    let text: string;
    try {
      text = readFileSync(settings.tokenFile, 'utf8');
    } catch (err) {
      throw new InputError(
        `${settings.tokenFile}: cannot read the auth token file (${(err as NodeJS.ErrnoException).code ?? 'read error'})`,
      );
    }
    const token = text.split(/\r?\n/)[0]!.trim();
    if (!token) throw new InputError(`${settings.tokenFile}: the auth token file is empty`);
    if (/\s/.test(token)) throw new InputError(`${settings.tokenFile}: the auth token must not contain whitespace`);
    return token;
  }
  return undefined;
}

/** Reads a receiver's PEM certificate and key; errors name the file, never its content. */
export function readTlsFiles(
  files: { readonly cert: string; readonly key: string } | undefined,
): TlsKeyPair | undefined {
  if (!files) return undefined;
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new InputError(
        `${file}: cannot read the TLS ${what} (${(err as NodeJS.ErrnoException).code ?? 'read error'})`,
      );
    }
  };
  return { cert: read(files.cert, 'certificate'), key: read(files.key, 'private key') };
}
