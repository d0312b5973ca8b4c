/**
 * A stand-in for the OpenTelemetry Collector of examples/collector (no Collector binary is packaged
 * for this machine), for the end-to-end tests: it receives OTLP/HTTP metrics from the services and
 * forwards the request unchanged to the otel-ml processor (otlphttp/otel-ml), receives the
 * processor's results on a second path (otlp/ml-results), and hands both to Prometheus the way the
 * Collector's exporters would (collector-translation.ts): served for scraping like the
 * `prometheus` exporter, one route per translation, and pushed like `prometheusremotewrite`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { decodeMetricsJson, decodeMetricsProtobuf } from '../../processor/src/otlp/index.js';
import type { MetricsExport } from '../../processor/src/otlp/model.js';
import { Accumulator, samples, type Translation } from './collector-translation.js';

// prompb.WriteRequest (prometheus/prompb/remote.proto, types.proto), the remote-write 1.0 payload.
const prompb = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: { fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } } },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
}).lookupType('prometheus.WriteRequest');

/** Remote-writes an export to a Prometheus started with --web.enable-remote-write-receiver. */
export async function remoteWrite(url: string, exp: MetricsExport, t: Translation): Promise<void> {
  const timeseries = samples(exp, t).map((s) => ({
    labels: Object.keys(s.labels)
      .sort()
      .map((name) => ({ name, value: s.labels[name]! })),
    samples: [{ value: s.value, timestamp: s.timestampMs }],
  }));
  if (timeseries.length === 0) return;
  const body = snappy.compress(prompb.encode(prompb.fromObject({ timeseries })).finish());
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`remote write to ${url}: HTTP ${res.status} ${await res.text()}`);
}

export interface CollectorOptions {
  /** The processor's OTLP/HTTP base URL (otlphttp/otel-ml). */
  readonly processor: string;
  /** Scrape routes `/metrics/<name>`, each served with its translation (prometheus exporter). */
  readonly scrape: Readonly<Record<string, Translation>>;
  /** Remote-write targets (prometheusremotewrite exporter), each with its translation. */
  readonly remoteWrite: readonly { readonly url: string; readonly translation: Translation }[];
}

export interface RunningCollector {
  readonly url: string;
  /** Where the processor sends its results (the otlp/ml-results receiver). */
  readonly resultsEndpoint: string;
  /** Remote-write failures so far (the test asserts none). */
  readonly errors: string[];
  close(): Promise<void>;
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
}

function decode(req: IncomingMessage, body: Buffer): MetricsExport {
  const json = (req.headers['content-type'] ?? '').includes('json');
  return (json ? decodeMetricsJson(JSON.parse(body.toString('utf8'))) : decodeMetricsProtobuf(body)).data;
}

export async function startCollector(o: CollectorOptions): Promise<RunningCollector> {
  const scrape = new Map<string, Accumulator>(
    Object.entries(o.scrape).map(([name, t]) => [`/metrics/${name}`, new Accumulator(t)]),
  );
  const errors: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        if (req.method === 'GET' && scrape.has(path)) {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(scrape.get(path)!.exposition());
          return;
        }
        if (req.method !== 'POST') {
          res.writeHead(404).end();
          return;
        }
        const body = await read(req);
        if (path === '/v1/metrics') {
          // Services' metrics: to the processor as they came, and to Prometheus (metrics/services).
          const fwd = await fetch(`${o.processor}/v1/metrics`, {
            method: 'POST',
            headers: { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' },
            body,
            signal: AbortSignal.timeout(10_000),
          });
          const exp = decode(req, body);
          for (const a of scrape.values()) a.add(exp);
          await Promise.all(
            o.remoteWrite.map((w) =>
              remoteWrite(w.url, exp, w.translation).catch((e: Error) => errors.push(e.message)),
            ),
          );
          res.writeHead(fwd.status, { 'content-type': fwd.headers.get('content-type') ?? 'application/x-protobuf' });
          res.end(Buffer.from(await fwd.arrayBuffer()));
          return;
        }
        if (path === '/results/v1/metrics') {
          // The processor's results (metrics/ml-results): scraped, and remote-written.
          const exp = decode(req, body);
          for (const a of scrape.values()) a.add(exp);
          await Promise.all(
            o.remoteWrite.map((w) =>
              remoteWrite(w.url, exp, w.translation).catch((e: Error) => errors.push(e.message)),
            ),
          );
        }
        // /results/v1/logs (drift events) and anything else: accepted (logs/ml-events).
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      } catch (err) {
        errors.push((err as Error).message);
        res.writeHead(500).end(String(err));
      }
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    resultsEndpoint: `${url}/results/v1/metrics`,
    errors,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
