/**
 * The trace samples of a window put on its report: each of the bins that moved most (of the
 * score, and of every feature) gets the sampled predictions of the window that fell in it.
 */
import { SCORE_STREAM, featureStream, type TraceSample, type WindowSamples } from '../windows/samples.js';
import type { BinShare, DistributionReport, ModelReport, TraceRef } from './report-types.js';

/** Trace samples named per moved bin by default. */
export const DEFAULT_TRACES_PER_BIN = 3;

const ref = (s: TraceSample): TraceRef => ({ traceId: s.traceId, spanId: s.spanId, value: s.text, timeMs: s.timeMs });

function withTraces(d: DistributionReport, samples: WindowSamples, stream: string, perBin: number): DistributionReport {
  if (d.topMovers.length === 0) return d;
  const topMovers = d.topMovers.map((b): BinShare => {
    const bin =
      d.type === 'categorical' ? { lower: null, upper: null, category: b.label } : { lower: b.lower, upper: b.upper };
    return { ...b, traces: samples.inBin(stream, bin, perBin).map(ref) };
  });
  return { ...d, topMovers };
}

/** The report with trace samples on its moved score and feature bins (unchanged without samples). */
export function withTraceSamples(
  report: ModelReport,
  samples: WindowSamples | undefined,
  perBin = DEFAULT_TRACES_PER_BIN,
): ModelReport {
  if (samples === undefined) return report;
  const features: Record<string, DistributionReport> = {};
  for (const [name, d] of Object.entries(report.features))
    features[name] = withTraces(d, samples, featureStream(name), perBin);
  const score =
    report.prediction.score === null ? null : withTraces(report.prediction.score, samples, SCORE_STREAM, perBin);
  return { ...report, features, prediction: { ...report.prediction, score } };
}
