/**
 * An ESM app in a child process,
 * `node --import @otel-ml/instrumentation/register --import ./telemetry.mjs app.mjs`,
 * exporting OTLP/HTTP JSON to a receiver here. The app imports the built package (instrumentation/dist, via the workspace
 * link), so the package is built first (incremental `tsc -b`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertConforms } from '@otel-ml/conventions/live-check';
import type { SpanLike } from '@otel-ml/conventions/live-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMetricsJson } from '../../../processor/src/otlp/decode.js';
import type { Metric } from '../../../processor/src/otlp/model.js';
import { logisticModel, logisticReference } from '../../helpers/models/onnx.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = join(root, 'test/fixtures/esm-app');
const spec = { weights: [0.8, -0.5, 1.5], bias: -0.2 };

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpAnyValue }[];
  status?: { code?: number };
}
interface OtlpTraces {
  resourceSpans: { scopeSpans: { scope?: { name?: string }; spans: OtlpSpan[] }[] }[];
}

function attrValue(v: OtlpAnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue;
}

/** OTLP JSON spans in the live-check's shape (OTLP kinds are 1-based, the SDK's 0-based). */
function spansOf(bodies: readonly string[]): SpanLike[] {
  const out: SpanLike[] = [];
  for (const body of bodies) {
    for (const rs of (JSON.parse(body) as OtlpTraces).resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          out.push({
            name: s.name,
            kind: s.kind - 1,
            attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, attrValue(a.value)])),
          });
        }
      }
    }
  }
  return out;
}

function run(
  file: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeout: number },
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { ...options, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

describe('ESM app with the --import hook', () => {
  const bodies: Record<string, string[]> = { '/v1/metrics': [], '/v1/traces': [] };
  let server: Server;
  let dir: string;
  let stdout = '';

  beforeAll(async () => {
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'instrumentation'], {
      cwd: root,
      env: process.env,
      timeout: 120_000,
    });
    dir = mkdtempSync(join(tmpdir(), 'otel-ml-esm-'));
    const modelPath = join(dir, 'fraud.onnx');
    writeFileSync(modelPath, logisticModel(spec));
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        (bodies[req.url ?? ''] ??= []).push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      MODEL_PATH: modelPath,
      FIXTURE_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    };
    ({ stdout } = await run(
      process.execPath,
      ['--import', '@otel-ml/instrumentation/register', '--import', './telemetry.mjs', 'app.mjs'],
      { cwd: fixture, env, timeout: 60_000 },
    ));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('patches onnxruntime-common whether loaded by require (onnxruntime-node) or import', () => {
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(report.esmSessionIsCjs).toBe(false);
    expect(report.logisticClasses).toBe(6);
    expect(report.cjsSessionWrapped).toBe(true);
    expect(report.esmSessionWrapped).toBe(true);
    const rows = [
      [0.1, 0.2, 0.3],
      [1.0, 0.0, -1.0],
      [0.5, 0.5, 0.5],
    ];
    expect((report.probabilities as number[]).map((v) => v.toFixed(5))).toEqual(
      rows.map((r) => logisticReference(spec, r).toFixed(5)),
    );
  });

  it('exports spans of every framework over OTLP/HTTP', () => {
    const spans = spansOf(bodies['/v1/traces']!);
    const names = spans.map((s) => s.name).sort();
    expect(names).toEqual([
      'load fraud',
      'predict LogisticRegression',
      'predict churn',
      'predict fraud',
      'predict fraud',
      'predict ltv',
    ]);
    const batch = spans.find((s) => s.name === 'predict fraud' && s.attributes['ml.batch.size'] === 3)!;
    expect(batch.attributes).toMatchObject({
      'ml.model.version': '3',
      'ml.model.framework': 'onnxruntime',
      'ml.model.task': 'binary_classification',
    });
  });

  it('exports the ML metrics over OTLP/HTTP JSON', () => {
    const decoded = bodies['/v1/metrics']!.map((b) => decodeMetricsJson(b));
    expect(decoded.length).toBeGreaterThan(0);
    expect(decoded.every((d) => d.rejectedDataPoints === 0)).toBe(true);
    const metrics: Metric[] = decoded.flatMap((d) =>
      d.data.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)),
    );
    const points = (name: string, model: string) =>
      metrics
        .filter((m) => m.name === name)
        .flatMap((m) =>
          m.data.type === 'histogram' || m.data.type === 'exponential_histogram' || m.data.type === 'sum'
            ? [...m.data.points]
            : [],
        )
        .filter((p) => p.attributes['ml.model.name'] === model);
    const duration = points('ml.inference.duration', 'fraud');
    expect(duration.map((p) => p.attributes['ml.operation.name']).sort()).toEqual(['load', 'predict']);
    const features = points('ml.feature.value', 'fraud');
    expect(features.map((p) => p.attributes['ml.feature.name']).sort()).toEqual(['age', 'amount', 'score_in']);
    const amount = features.find((p) => p.attributes['ml.feature.name'] === 'amount') as { count: number };
    expect(amount.count).toBe(4);
    const scores = points('ml.prediction.score', 'fraud') as { count: number }[];
    expect(scores[0]!.count).toBe(4);
    expect(points('ml.feature.value', 'churn')).toHaveLength(2);
    expect(points('ml.prediction.value', 'ltv')).toHaveLength(1);
    assertConforms({
      spans: spansOf(bodies['/v1/traces']!),
      metrics: decoded.map((d) => d.data.resourceMetrics).flat(),
    });
  });
});
