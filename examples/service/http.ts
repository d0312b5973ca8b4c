/**
 * The HTTP API of the example prediction service, shared by both variants:
 *
 *   POST /predict   {"instances": [{"id"?: "tx-1", "features": {"amount": 42.5, ...}}]}
 *                   -> {"predictions": [{"id": "tx-1", "score": 0.031, "fraud": false}]}
 *   POST /outcome   {"id": "tx-1", "label": true}  (the true label, known later) -> 202 or 404
 *   GET  /metrics   the service's own metrics (Prometheus text format, when enabled)
 *   GET  /healthz
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Instance } from './model.js';

export interface PredictRequest {
  readonly id?: string;
  readonly features: Instance;
}

export interface Prediction {
  readonly id: string;
  readonly score: number;
  readonly fraud: boolean;
}

export interface PredictionHandlers {
  predict(instances: readonly PredictRequest[]): Promise<Prediction[]> | Prediction[];
  /** Records the true label of an earlier prediction; false when the id is unknown. */
  outcome(id: string, label: boolean): boolean;
  readonly metricsRoute?: (req: IncomingMessage, res: ServerResponse) => void;
}

export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;
const MAX_INSTANCES = 1000;

class BadRequest extends Error {}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BadRequest(`body larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new BadRequest('body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function parseInstances(body: unknown): PredictRequest[] {
  const list = (body as { instances?: unknown })?.instances;
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_INSTANCES)
    throw new BadRequest(`"instances" must be an array of 1 to ${MAX_INSTANCES} objects`);
  return list.map((x: unknown, i) => {
    const features = (x as { features?: unknown })?.features;
    if (typeof features !== 'object' || features === null || Array.isArray(features))
      throw new BadRequest(`instances[${i}].features must be an object`);
    const id = (x as { id?: unknown }).id;
    if (id !== undefined && (typeof id !== 'string' || id.length > 256))
      throw new BadRequest(`instances[${i}].id must be a string of at most 256 characters`);
    return { id, features: features as Instance };
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function listen(
  handlers: PredictionHandlers,
  opts: { host?: string; port?: number } = {},
): Promise<Listening> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = async () => {
      if (req.method === 'POST' && path === '/predict')
        return send(res, 200, { predictions: await handlers.predict(parseInstances(await readJson(req))) });
      if (req.method === 'POST' && path === '/outcome') {
        const b = (await readJson(req)) as { id?: unknown; label?: unknown };
        if (typeof b?.id !== 'string' || (typeof b.label !== 'boolean' && b.label !== 0 && b.label !== 1))
          throw new BadRequest('expected {"id": string, "label": true|false|0|1}');
        return handlers.outcome(b.id, b.label === true || b.label === 1)
          ? send(res, 202, { joined: true })
          : send(res, 404, { joined: false, error: 'unknown or already labelled prediction id' });
      }
      if (req.method === 'GET' && path === '/metrics' && handlers.metricsRoute) return handlers.metricsRoute(req, res);
      if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
      send(res, 404, { error: `no route ${req.method} ${path}` });
    };
    route().catch((err: unknown) => {
      if (res.headersSent) return void res.destroy();
      send(res, err instanceof BadRequest ? 400 : 500, { error: (err as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, opts.host ?? '127.0.0.1', () => resolve());
  });
  const a = server.address() as AddressInfo;
  return {
    url: `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
