#!/usr/bin/python3
"""Generate test/fixtures/statistics/accuracy.json: exact drift statistics on raw rows, to check
the statistics computed from base-2 exponential histograms of the same rows
(processor/src/statistics/compare-numeric.ts) against them.

Run with Debian's interpreter (python3-numpy, python3-scipy):

    /usr/bin/python3 scripts/oracle/accuracy_fixtures.py

For each distribution a seeded reference sample and a seeded current sample of 10,000 rows are
stored, rounded to 6 significant digits; the 1,000-row cases use the first 1,000 rows of each.
The changed current samples are not stored: they are the stored current sample transformed in
float64 arithmetic, exactly as the TypeScript tests do it (same operations, same order, so the
same doubles):

    shift:  v + offset                         (offset = 0.5 reference SD, rounded; Poisson: 1)
    scale:  center + (v - center) * factor     (center 0 for positive and zero-inflated data)

Everything expected is computed here, on exactly those values, with the definitions of
processor/src/statistics (see statistics_fixtures.py for the binned statistics):

* KS: scipy.stats.ks_2samp(reference, current) (statistic and two-sided p-value);
* Wasserstein-1: scipy.stats.wasserstein_distance(reference, current);
* decile edges: inverse-empirical-CDF quantiles of the raw reference (Hyndman-Fan type 1) at
  k/10, duplicates removed, values >= the reference maximum removed; bins (d[k-1], d[k]];
* PSI and KL on proportions smoothed as (c/N + 1e-4) / (1 + B 1e-4), Jensen-Shannon and
  Hellinger on raw proportions, chi-square = scipy.stats.chi2_contingency(correction=False).
"""
import json
import os

import numpy as np
from scipy import stats

from statistics_fixtures import quantile_boundaries, raw_drift

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'statistics')
SIZE = 10_000
SIZES = [1_000, 10_000]


def r6(x):
    """Round to 6 significant digits (what the fixture stores)."""
    return [float(f'{v:.6g}') for v in x]


def bimodal(rng, n):
    left = rng.random(n) < 0.6
    return np.where(left, rng.normal(-2.0, 0.7, n), rng.normal(3.0, 1.0, n))


def zero_inflated(rng, n):
    # 40% exact zeros; the rest normal(1.5, 2), so about a fifth of the non-zero values are negative
    zero = rng.random(n) < 0.4
    return np.where(zero, 0.0, rng.normal(1.5, 2.0, n))


# name -> (draw(rng, n), center of the scale change, scale factor)
DISTRIBUTIONS = {
    'normal': (lambda rng, n: rng.normal(0.0, 1.0, n), 0.0, 1.5),
    'lognormal': (lambda rng, n: rng.lognormal(0.0, 1.0, n), 0.0, 2.0),
    't3': (lambda rng, n: rng.standard_t(3, n), 0.0, 1.5),
    'exponential': (lambda rng, n: rng.exponential(2.0, n), 0.0, 1.5),
    'uniform': (lambda rng, n: rng.uniform(25.0, 45.0, n), 35.0, 1.5),
    'bimodal': (bimodal, 0.0, 1.5),
    'beta': (lambda rng, n: rng.beta(2.0, 5.0, n), 0.0, 1.5),
    'poisson': (lambda rng, n: rng.poisson(3.0, n).astype(float), 0.0, 1.5),
    'zero-inflated': (zero_inflated, 0.0, 1.5),
}


def expected(ref, cur):
    dec = quantile_boundaries(ref, 10)
    return {'decileEdges': dec, **raw_drift(ref, cur, dec)}


def fixture():
    out = []
    for k, (name, (draw, center, factor)) in enumerate(DISTRIBUTIONS.items()):
        rng = np.random.default_rng(20261204 + k)
        ref = r6(draw(rng, SIZE))
        cur = r6(draw(rng, SIZE))
        sd = float(np.std(ref))
        offset = 1.0 if name == 'poisson' else float(f'{0.5 * sd:.6g}')
        changes = {
            'none': lambda v: v,
            'shift': lambda v: v + offset,
            'scale': lambda v: center + (v - center) * factor,
        }
        cases = []
        for size in SIZES:
            r = np.asarray(ref[:size], dtype=float)
            c = np.asarray(cur[:size], dtype=float)
            for change, f in changes.items():
                cases.append({'size': size, 'change': change, **expected(r, f(c))})
        out.append({
            'distribution': name, 'offset': offset, 'center': center, 'factor': factor,
            'reference': ref, 'current': cur, 'cases': cases,
        })
    return {'epsilon': 1e-4, 'distributions': out}


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'accuracy.json')
    with open(path, 'w') as fh:
        json.dump(fixture(), fh, separators=(',', ':'))
        fh.write('\n')
    print(f'{path}: {os.path.getsize(path)} bytes')
