/**
 * Fuzzing of the OTLP receivers at scale (the CI test runs a short variant: test/fuzz/otlp.test.ts).
 *
 *   npm run bench:fuzz                      (100,000 in-process inputs + 5,000 over sockets)
 *   npm run bench:fuzz -- --inputs 20000 --socket-inputs 1000 --seed 3
 *
 * In-process: each input goes through the receivers' request handling (decode, validation,
 * partial success) into a real StreamProcessor (in-memory SQLite, stream cap 10,000). Over
 * sockets: the same kind of inputs to the HTTP receiver (protobuf and JSON) and, for protobuf
 * bodies, to the gRPC receiver. Prints inputs tried, outcomes, crashes, wrong answers, the
 * slowest input and the peak RSS; exits 1 on any crash, wrong answer or unexpected status.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { createHttpReceiver } from '../src/receiver/index.js';
import { StreamProcessor } from '../src/streams/processor.js';
import { CountingConsumer, runFuzz, runTransportFuzz } from '../../test/fuzz/otlp-fuzz.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const INPUTS = arg('inputs', 100_000);
const SOCKET_INPUTS = arg('socket-inputs', 5_000);
const SEED = arg('seed', 1);

const processor = StreamProcessor.open({
  path: ':memory:',
  durability: 'normal',
  limits: { maxStreams: 10_000, staleAfterMs: 3_600_000 },
});
const consumer = new CountingConsumer((exp) => processor.ingest(exp));
const rss0 = process.memoryUsage.rss() / 2 ** 20;
console.log(
  `fuzz-otlp: seed ${SEED}, ${INPUTS.toLocaleString('en-US')} in-process inputs, ${SOCKET_INPUTS.toLocaleString('en-US')} over sockets; node ${process.version}`,
);
const f = await runFuzz({
  seed: SEED,
  count: INPUTS,
  consumer,
  onProgress: (p) => {
    if (p.inputs % 20_480 === 1)
      process.stdout.write(
        `  ${p.inputs.toLocaleString('en-US')} inputs, ${p.crashes} crashes, RSS ${p.maxRssMiB.toFixed(0)} MiB\n`,
      );
  },
});
const t = await runTransportFuzz({ seed: SEED + 1, count: SOCKET_INPUTS, consumer });
const s = processor.stats();
processor.close();

console.log('\nin-process inputs by family:');
console.table(Object.fromEntries(Object.entries(f.byKind).sort()));
console.log(
  `outcomes: ${f.outcomes.accepted} accepted, ${f.outcomes.partial} partial success, ${f.outcomes.invalid} refused with 400`,
);
console.log(`crashes (throw or 500): ${f.crashes}; wrong partial-success answers: ${f.wrongAnswers}`);
for (const x of [...f.crashSamples, ...f.wrongSamples]) console.log(`  ${x}`);
console.log(
  `slowest input: ${f.maxMs.toFixed(1)} ms (${f.slowestKind}); ${(f.inputs / f.seconds).toFixed(0)} inputs/s`,
);
console.log(
  `RSS: ${rss0.toFixed(0)} MiB at start, peak ${f.maxRssMiB.toFixed(0)} MiB (stream state capped at 10,000 streams; live ${s.liveStreams})`,
);
console.log(
  `stream state: received ${s.receivedPoints}, accepted ${s.acceptedPoints}, dropped by reason ${JSON.stringify(Object.fromEntries(Object.entries(s.droppedPoints).filter(([, v]) => v > 0)))}`,
);
console.log('\nover sockets:');
console.table(t.answers);
console.log(`unexpected answers: ${t.unexpected}; serving a valid request afterwards: ${t.aliveAfter}`);
for (const x of t.samples) console.log(`  ${x}`);
const total =
  f.inputs +
  t.inputs +
  Object.entries(t.answers)
    .filter(([k]) => k.startsWith('grpc'))
    .reduce((a, [, v]) => a + v, 0);
console.log(
  `\ntotal inputs tried: ${total.toLocaleString('en-US')} (in-process ${f.inputs.toLocaleString('en-US')}, HTTP ${t.inputs.toLocaleString('en-US')}, gRPC ${(total - f.inputs - t.inputs).toLocaleString('en-US')})`,
);

// A gzip bomb: 1 GiB of zeros in about 1 MB, against the default 64 MiB decompressed-size limit.
const gzip = zlib.createGzip({ level: 9 });
const parts: Buffer[] = [];
gzip.on('data', (c: Buffer) => parts.push(c));
const zeros = Buffer.alloc(1 << 20);
for (let i = 0; i < 1024; i++) if (!gzip.write(zeros)) await new Promise((r) => gzip.once('drain', r));
await new Promise((r) => gzip.end(r));
const bomb = Buffer.concat(parts);
const receiver = createHttpReceiver({ consumer: { consume: () => ({ rejectedDataPoints: 0 }) }, port: 0 });
const { port } = await receiver.listen();
const rssBefore = process.memoryUsage.rss();
let rssPeak = rssBefore;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 5);
const bombStatus = await new Promise<number>((resolve, reject) => {
  const req = http.request(
    {
      host: '127.0.0.1',
      port,
      path: '/v1/metrics',
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' },
    },
    (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    },
  );
  req.on('error', reject);
  req.end(bomb);
});
clearInterval(sampler);
await receiver.close(100);
console.log(
  `gzip bomb (${(bomb.length / 1e6).toFixed(1)} MB inflating to 1 GiB): HTTP ${bombStatus}; RSS ${(rssBefore / 2 ** 20).toFixed(0)} MiB before, peak +${((rssPeak - rssBefore) / 2 ** 20).toFixed(0)} MiB while refused`,
);
if (f.crashes || f.wrongAnswers || t.unexpected || !t.aliveAfter || bombStatus !== 413) process.exitCode = 1;
