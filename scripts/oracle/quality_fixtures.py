#!/usr/bin/python3
"""Generate the JSON fixtures that test processor/src/statistics/welch.ts, histogram-moments.ts and
out-of-range.ts against NumPy and SciPy.

Run with Debian's interpreter (python3-numpy, python3-scipy):

    /usr/bin/python3 scripts/oracle/quality_fixtures.py

Writes test/fixtures/statistics/quality.json. Expected values, computed independently of the
TypeScript code:

* Welch's t-test: scipy.stats.ttest_ind_from_stats(..., equal_var=False) for the statistic and the
  one- and two-sided p-values; the Welch-Satterthwaite degrees of freedom and the interval
  d +- scipy.stats.t.ppf(1 - alpha/2, df) se.
* Histogram moments: the raw values' sample variance (numpy.var(ddof=1)) of samples whose histogram
  the TypeScript code sees (a smooth normal sample on fine buckets with min/max: within 1%; a
  skewed lognormal one on the registry's coarse 1-2-5 buckets without min/max: within 25% and not
  below, so that tests on it err on the conservative side; -1/0/1 values on bucket edges: exact).
* Out of range: the number of raw values below the min / above the max of a reference sample,
  and Fisher's exact test of that count against "2 of N + 1" (scipy.stats.fisher_exact,
  alternative='greater').
"""
import json
import os

import numpy as np
from scipy import stats

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'statistics')
REGISTRY = sorted({s * m * 10.0 ** e for s in (-1, 1) for m in (1, 2, 5) for e in range(-3, 6)} | {0.0})


def histogram(values, boundaries, with_extremes=True):
    b = np.array(boundaries)
    # OpenTelemetry buckets: b[i-1] < v <= b[i]
    idx = np.searchsorted(b, values, side='left')
    counts = np.bincount(idx, minlength=len(b) + 1)
    h = {'boundaries': [float(x) for x in b], 'counts': [int(c) for c in counts], 'count': int(len(values)), 'sum': float(np.sum(values))}
    if with_extremes:
        h['min'] = float(np.min(values))
        h['max'] = float(np.max(values))
    return h


def welch_cases(rng):
    out = []
    for (ma, sa, na, mb, sb, nb) in [(1.0, 2.0, 400, 0.8, 2.5, 300), (0.35, 0.7, 4000, 0.2, 0.9, 400), (10.0, 1.0, 50, 10.5, 4.0, 60), (-1.2, 3.0, 1000, -1.1, 3.0, 1000)]:
        va, vb = sa * sa, sb * sb
        qa, qb = va / na, vb / nb
        se = np.sqrt(qa + qb)
        df = (qa + qb) ** 2 / (qa ** 2 / (na - 1) + qb ** 2 / (nb - 1))
        t_less = stats.ttest_ind_from_stats(mb, sb, nb, ma, sa, na, equal_var=False, alternative='less')
        t_greater = stats.ttest_ind_from_stats(mb, sb, nb, ma, sa, na, equal_var=False, alternative='greater')
        t_two = stats.ttest_ind_from_stats(mb, sb, nb, ma, sa, na, equal_var=False)
        alpha = 0.02
        half = stats.t.ppf(1 - alpha / 2, df) * se
        out.append({'a': {'mean': ma, 'variance': va, 'count': na}, 'b': {'mean': mb, 'variance': vb, 'count': nb}, 'alpha': alpha,
                    't': float(t_two.statistic), 'df': float(df), 'pLess': float(t_less.pvalue), 'pGreater': float(t_greater.pvalue), 'pTwoSided': float(t_two.pvalue),
                    'interval': [float(mb - ma - half), float(mb - ma + half)]})
    return out


def moment_cases(rng):
    out = []
    normal = rng.normal(10.0, 3.0, 5000)
    out.append({'name': 'normal on 0.5-wide buckets, with min and max', 'histogram': histogram(normal, np.arange(0.5, 20.0, 0.5)), 'variance': float(np.var(normal, ddof=1)), 'tolerance': 0.01})
    logn = rng.lognormal(3.0, 0.6, 5000)
    out.append({'name': 'lognormal on the registry buckets, without min and max', 'histogram': histogram(logn, REGISTRY, with_extremes=False), 'variance': float(np.var(logn, ddof=1)), 'tolerance': 0.25, 'notBelow': True})
    edges = rng.choice([-1.0, 0.0, 1.0], p=[0.1, 0.4, 0.5], size=3000)
    out.append({'name': '-1, 0 and 1 on bucket edges: exact', 'histogram': histogram(edges, REGISTRY, with_extremes=False), 'variance': float(np.var(edges, ddof=1)), 'tolerance': 1e-9})
    return out


def out_of_range_cases(rng):
    out = []
    ref = rng.normal(40.0, 12.0, 4000)
    lo, hi = float(ref.min()), float(ref.max())
    bounds = list(np.arange(-20.0, 160.0, 1.0))
    for name, cur in [('clean', rng.normal(40.0, 12.0, 400)), ('shifted by 4 SD', rng.normal(88.0, 12.0, 400)), ('wider', rng.normal(40.0, 30.0, 400))]:
        below = int(np.sum(cur < lo))
        above = int(np.sum(cur > hi))
        k = below + above
        p = stats.fisher_exact([[k, len(cur) - k], [2, len(ref) + 1 - 2]], alternative='greater')[1]
        out.append({'name': name, 'reference': histogram(ref, bounds), 'current': histogram(cur, bounds, with_extremes=False), 'below': below, 'above': above, 'pValue': float(p)})
    return out


def main():
    rng = np.random.default_rng(20261204)
    fixture = {'welch': welch_cases(rng), 'moments': moment_cases(rng), 'outOfRange': out_of_range_cases(rng)}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'quality.json'), 'w') as f:
        json.dump(fixture, f, indent=1)


if __name__ == '__main__':
    main()
