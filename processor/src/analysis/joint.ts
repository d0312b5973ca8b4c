/**
 * Joint drift of the numeric features from their random projections (`ml.feature.projection`):
 * each projection of the current window's basis is compared with the same projection of the
 * reference like a numeric feature (`compareNumeric`: chi-square on the reference's decile bins,
 * KS and W1 on the common cells), the p-values are adjusted with Benjamini-Hochberg across the
 * projections, and each is decided by `decideDrift` (significant and a large effect: PSI or JS at
 * least its floor). The window shows joint drift when at least one projection drifts; the sliced
 * Wasserstein distance (statistics/sliced-wasserstein.ts) summarises how far it moved.
 */
import type { ExplicitHistogram } from '@otel-ml/conventions';
import {
  benjaminiHochberg,
  compareNumeric,
  decideDrift,
  fallbackEvidence,
  slicedWasserstein,
  type DriftDecision,
} from '../statistics/index.js';
import type { WindowSnapshot } from '../windows/snapshot.js';
import type { JointDriftReport, JointProjectionReport } from './report-types.js';

export interface JointSettings {
  readonly alpha: number;
  readonly minRows: number;
  readonly minPsi: number;
  readonly minJensenShannon: number;
}

const total = (byIndex: Readonly<Record<string, ExplicitHistogram>>): number =>
  Math.max(0, ...Object.values(byIndex).map((h) => h.count));

function insufficient(
  basis: string | null,
  projections: number,
  count: number,
  referenceCount: number,
  reason: string,
): JointDriftReport {
  const drift: DriftDecision = {
    verdict: 'insufficient_data',
    significant: false,
    largeEffect: false,
    pValue: null,
    adjustedPValue: null,
    reasons: [reason],
  };
  return {
    basis,
    projections,
    count,
    referenceCount,
    slicedWasserstein: null,
    maxWasserstein: null,
    drift,
    drifted: [],
    byProjection: {},
  };
}

/** The current window's basis: the one with the most projected rows (normally the only one). */
function currentBasis(cur: Readonly<Record<string, Readonly<Record<string, ExplicitHistogram>>>>): string | undefined {
  let best: string | undefined;
  let most = -1;
  for (const [basis, byIndex] of Object.entries(cur)) {
    const n = total(byIndex);
    if (n > most) [best, most] = [basis, n];
  }
  return best;
}

/**
 * Joint drift of `current` against `reference`; null when neither has projections (the
 * instrumentation does not record them). Never `no_drift` by default: no projections in the
 * reference, another basis, or too few projected rows give `insufficient_data` with the reason.
 */
export function jointDrift(
  reference: WindowSnapshot,
  current: WindowSnapshot,
  s: JointSettings,
): JointDriftReport | null {
  const cur = current.projections ?? {};
  const ref = reference.projections ?? {};
  const basis = currentBasis(cur);
  if (basis === undefined) {
    if (Object.keys(ref).length === 0) return null;
    return insufficient(null, 0, 0, 0, 'no projections (ml.feature.projection) in the current window');
  }
  const curByIndex = cur[basis]!;
  const count = total(curByIndex);
  const refByIndex = ref[basis];
  if (refByIndex === undefined) {
    const other = Object.keys(ref);
    return insufficient(
      basis,
      Object.keys(curByIndex).length,
      count,
      0,
      other.length === 0
        ? 'the reference has no projections (a baseline file carries none: use a rolling or pinned reference)'
        : `the reference's projections have another basis (${other.join(', ')}): seed, features or standardization changed`,
    );
  }
  const referenceCount = total(refByIndex);
  const indices = Object.keys(curByIndex)
    .filter((i) => refByIndex[i] !== undefined)
    .sort((a, b) => Number(a) - Number(b));
  if (indices.length === 0)
    return insufficient(
      basis,
      0,
      count,
      referenceCount,
      'no projection index in both the reference and the current window',
    );
  if (count < s.minRows)
    return insufficient(basis, indices.length, count, referenceCount, `${count} projected rows < minimum ${s.minRows}`);
  if (referenceCount < s.minRows)
    return insufficient(
      basis,
      indices.length,
      count,
      referenceCount,
      `${referenceCount} projected reference rows < minimum ${s.minRows}`,
    );

  const compared = indices.map((i) => ({ i, cmp: compareNumeric(refByIndex[i]!, curByIndex[i]!, { alpha: s.alpha }) }));
  const testable = compared.filter(({ cmp }) => cmp.pValue !== null && Number.isFinite(cmp.pValue));
  const adjusted = benjaminiHochberg(testable.map(({ cmp }) => cmp.pValue!));
  const adjustedBy = new Map(testable.map(({ i }, k) => [i, adjusted[k]!] as const));
  const byProjection: Record<string, JointProjectionReport> = {};
  const drifted: string[] = [];
  let unresolved = 0;
  for (const { i, cmp } of compared) {
    const d = decideDrift({
      pValue: cmp.pValue,
      adjustedPValue: adjustedBy.get(i) ?? null,
      psi: cmp.binned?.psi ?? null,
      jensenShannon: cmp.binned?.jensenShannon ?? null,
      currentCount: cmp.currentCount,
      alpha: s.alpha,
      minPsi: s.minPsi,
      minJensenShannon: s.minJensenShannon,
      minCount: s.minRows,
      ...fallbackEvidence(cmp),
    });
    if (d.verdict === 'drift') drifted.push(i);
    if (d.verdict === 'insufficient_resolution' || d.verdict === 'insufficient_data') unresolved++;
    byProjection[i] = {
      psi: cmp.binned?.psi ?? null,
      jensenShannon: cmp.binned?.jensenShannon ?? null,
      ks: cmp.ks?.statistic ?? null,
      wasserstein: cmp.wasserstein,
      pValue: d.pValue,
      adjustedPValue: d.adjustedPValue,
      verdict: d.verdict,
    };
  }
  const sw = slicedWasserstein(compared.map(({ cmp }) => cmp.wasserstein));
  // most moved first
  drifted.sort((a, b) => (byProjection[b]!.wasserstein ?? 0) - (byProjection[a]!.wasserstein ?? 0));
  const swPart =
    sw === null
      ? 'no sliced Wasserstein distance'
      : `sliced Wasserstein ${sw.mean.toFixed(3)} (max ${sw.max.toFixed(3)}) in standardized units`;
  let drift: DriftDecision;
  const minAdjusted = adjusted.length > 0 ? Math.min(...adjusted) : null;
  if (drifted.length > 0) {
    drift = {
      verdict: 'drift',
      significant: true,
      largeEffect: true,
      pValue: null,
      adjustedPValue: minAdjusted,
      reasons: [
        `${drifted.length} of ${compared.length} projections drifted (Benjamini-Hochberg across projections at alpha ${s.alpha}, effect floor PSI ${s.minPsi} or JS ${s.minJensenShannon})`,
        swPart,
      ],
    };
  } else if (unresolved === compared.length) {
    drift = {
      verdict: 'insufficient_data',
      significant: false,
      largeEffect: false,
      pValue: null,
      adjustedPValue: minAdjusted,
      reasons: ['no projection could be decided', swPart],
    };
  } else {
    drift = {
      verdict: 'no_drift',
      significant: minAdjusted !== null && minAdjusted <= s.alpha,
      largeEffect: false,
      pValue: null,
      adjustedPValue: minAdjusted,
      reasons: [
        `none of ${compared.length} projections drifted${unresolved > 0 ? ` (${unresolved} undecided)` : ''}`,
        swPart,
      ],
    };
  }
  return {
    basis,
    projections: compared.length,
    count,
    referenceCount,
    slicedWasserstein: sw?.mean ?? null,
    maxWasserstein: sw?.max ?? null,
    drift,
    drifted,
    byProjection,
  };
}
