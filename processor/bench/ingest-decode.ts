/**
 * Decode throughput of OTLP metrics requests (histogram data points per second).
 *
 *   npm run bench:decode [-- --seconds 3]
 *   node --max-semi-space-size=32 --import tsx processor/bench/ingest-decode.ts
 *
 * Payloads: 1,000 histogram points per request with 200 buckets (the ml.prediction.score /
 * ml.feature.value shape) and with 17 buckets (ml.inference.duration), five attributes each.
 * Decoders compared: the hand-written wire reader used by the receivers, protobufjs reflection
 * (decode only, and decode + conversion to the model), and OTLP/JSON.
 */
import { decodeMetricsJson, decodeMetricsProtobuf, decodeMetricsProtobufReflection } from '../src/otlp/decode.js';
import { ExportMetricsServiceRequest } from '../src/otlp/schema.js';
import { buildHistogramRequest, encodeRequest } from './ingest-payload.js';

const argSeconds = process.argv.indexOf('--seconds');
const SECONDS = argSeconds > 0 ? Number(process.argv[argSeconds + 1]) : 2;
const POINTS = 1000;

/**
 * Runs `fn` repeatedly for about SECONDS (after a warm-up). Returns calls per wall-clock second
 * and per CPU second of this process (user + system, GC threads included): on a shared machine
 * the CPU figure is the steadier one.
 */
function measure(fn: () => unknown): { wall: number; cpu: number } {
  for (let i = 0; i < 5; i++) fn();
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < SECONDS * 1000) {
    fn();
    calls++;
  }
  const wallS = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wall: calls / wallS, cpu: calls / ((cpu.user + cpu.system) / 1e6) };
}

const rows: {
  payload: string;
  decoder: string;
  bytes: number;
  pointsPerSec: number;
  pointsPerCpuSec: number;
  mbPerSec: number;
}[] = [];

for (const buckets of [200, 17]) {
  const request = buildHistogramRequest({ points: POINTS, buckets });
  const protobufBytes = encodeRequest(request);
  const jsonText = JSON.stringify(request);
  const check = decodeMetricsProtobuf(protobufBytes);
  if (check.acceptedDataPoints !== POINTS || check.rejectedDataPoints !== 0)
    throw new Error('benchmark payload did not decode cleanly');

  const decoders: [string, number, () => unknown][] = [
    ['wire reader (receivers)', protobufBytes.length, () => decodeMetricsProtobuf(protobufBytes)],
    [
      'protobufjs reflection, decode only',
      protobufBytes.length,
      () => ExportMetricsServiceRequest.decode(protobufBytes),
    ],
    ['protobufjs reflection + model', protobufBytes.length, () => decodeMetricsProtobufReflection(protobufBytes)],
    ['OTLP/JSON', jsonText.length, () => decodeMetricsJson(jsonText)],
  ];
  for (const [decoder, bytes, fn] of decoders) {
    const { wall, cpu } = measure(fn);
    rows.push({
      payload: `${POINTS} points x ${buckets} buckets`,
      decoder,
      bytes,
      pointsPerSec: Math.round(wall * POINTS),
      pointsPerCpuSec: Math.round(cpu * POINTS),
      mbPerSec: +((wall * bytes) / 1e6).toFixed(1),
    });
  }
}

console.log(`OTLP metrics decode throughput (node ${process.version}, ${SECONDS} s per row)`);
console.table(rows);
const main = rows.find((r) => r.decoder.startsWith('wire') && r.payload.includes('x 200'));
// issue 20: decode-only >= 600,000 points/s for 200-bucket histograms
const target = 600_000;
console.log(
  `wire reader, 200 buckets: ${main?.pointsPerSec.toLocaleString('en-US')} histogram points/s wall, ` +
    `${main?.pointsPerCpuSec.toLocaleString('en-US')} per CPU second (target ${target.toLocaleString('en-US')}); ` +
    `allocation-heavy: V8 may pretenure the per-point bucket arrays (allocation-site feedback), which makes a ` +
    `whole process several times slower; compare with node --no-allocation-site-pretenuring`,
);
