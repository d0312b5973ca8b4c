import { exponentialAtScale, type ExponentialBuckets, type ExponentialHistogram } from '@otel-ml/conventions';
import { randomFillSync } from 'node:crypto';

const buffer = new Uint32Array(256);
let position = buffer.length;

/** Uniform double in (0, 1) from the operating system's CSPRNG (53-bit resolution). */
function uniform(): number {
  if (position + 2 > buffer.length) {
    randomFillSync(buffer);
    position = 0;
  }
  const hi = buffer[position++]! >>> 5; // 27 bits
  const lo = buffer[position++]! >>> 6; // 26 bits
  return (hi * 67108864 + lo + 0.5) / 9007199254740992;
}

/**
 * One sample of the Laplace distribution with location 0 and scale `b` (density
 * exp(-|x|/b) / 2b), by inverse transform: x = -b sgn(u) ln(1 - 2|u|) with u uniform on
 * (-1/2, 1/2). Adding Laplace(1/epsilon) noise to a count with sensitivity 1 is the Laplace
 * mechanism of Dwork, McSherry, Nissim & Smith (2006), epsilon-differentially private.
 */
export function laplace(b: number): number {
  const u = uniform() - 0.5;
  return u < 0 ? b * Math.log(1 + 2 * u) : -b * Math.log(1 - 2 * u);
}

/**
 * Releases a noisy count: round(trueCount + Laplace(1/epsilon)), never below 0 nor below the
 * previous release of the same series (keeps exported cumulative series monotonic; taking the
 * max with an earlier release is post-processing and costs no privacy).
 */
export function noisyCount(trueCount: number, epsilon: number, previousRelease: number): number {
  const noisy = Math.round(trueCount + laplace(1 / epsilon));
  return Math.max(0, previousRelease, noisy);
}

/**
 * A noisy release of an exponential histogram: every bucket in the true histogram's range and the
 * zero count get {@link noisyCount} (monotonic against `previous`, the last release of the same
 * series, brought to the current scale first: lowering the scale adds released counts, so the
 * releases stay monotonic). The count is the sum of the released buckets; the sum is unknown
 * (NaN) and min/max are left out, as for explicit histograms.
 */
export function noisyExponential(truth: ExponentialHistogram, epsilon: number, previous: ExponentialHistogram | undefined): ExponentialHistogram {
  const prev = previous === undefined ? undefined : exponentialAtScale(previous, Math.min(previous.scale, truth.scale));
  let count = 0;
  const side = (t: ExponentialBuckets, p: ExponentialBuckets | undefined): ExponentialBuckets => {
    const out = new Array<number>(t.bucketCounts.length);
    for (let k = 0; k < out.length; k++) {
      const j = t.offset + k - (p?.offset ?? 0);
      const before = p !== undefined && j >= 0 && j < p.bucketCounts.length ? p.bucketCounts[j]! : 0;
      out[k] = noisyCount(t.bucketCounts[k]!, epsilon, before);
      count += out[k]!;
    }
    return { offset: t.offset, bucketCounts: out };
  };
  const zeroCount = noisyCount(truth.zeroCount, epsilon, prev?.zeroCount ?? 0);
  count += zeroCount;
  const positive = side(truth.positive, prev?.positive);
  const negative = side(truth.negative, prev?.negative);
  return { scale: truth.scale, zeroCount, zeroThreshold: truth.zeroThreshold ?? 0, positive, negative, count, sum: Number.NaN };
}
