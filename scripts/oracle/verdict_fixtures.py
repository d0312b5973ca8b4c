#!/usr/bin/python3
"""Generate the JSON fixtures that test the per-window verdicts of processor/src/statistics/
(delong.ts, fisher-exact.ts, calibration-test.ts, verdicts.ts) against SciPy and scikit-learn.

Run with Debian's interpreter (python3-numpy, python3-scipy, python3-sklearn):

    /usr/bin/python3 scripts/oracle/verdict_fixtures.py

Writes test/fixtures/statistics/verdicts.json. Expected values, computed independently of the
TypeScript code:

* ROC AUC: sklearn.metrics.roc_auc_score on the rows' score bucket indices (rows of a bucket tie);
  DeLong variance: the fast midrank algorithm of Sun & Xu (2014) with scipy.stats.rankdata,
  on the same bucket indices.
* Fisher's exact test: scipy.stats.fisher_exact(table, alternative='greater' | 'less').
* One-sided pooled two-proportion z-test: z from the pooled standard error, p = norm.cdf(z);
  Wald interval of the difference with z = norm.ppf(1 - alpha).
* ROC AUC difference of independent windows: z = (A_w - A_r) / sqrt(V_w + V_r), p = norm.cdf(z).
* Calibration under H0: for each bin, E|m - X/n| with X ~ scipy.stats.binom(n, r), summed with the
  bin weights (the exact expected ECE); the p-value P(ECE* >= ECE) by Monte Carlo with 400,000
  numpy draws (the TypeScript test allows for both Monte Carlo errors).
"""
import json
import os

import numpy as np
from scipy import stats
from sklearn.metrics import roc_auc_score

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'statistics')
BOUNDARIES = [round(0.005 * (i + 1), 3) for i in range(199)]  # the registry's score buckets
ALPHA = 0.01


def bucket(scores):
    # b[i-1] < s <= b[i]: the index of the first boundary >= s
    return np.searchsorted(np.array(BOUNDARIES), scores, side='left')


def delong_variance(pos, neg):
    """Sun & Xu (2014): placements from midranks."""
    m, n = len(pos), len(neg)
    allx = np.concatenate([pos, neg])
    tz = stats.rankdata(allx)
    tx = stats.rankdata(pos)
    ty = stats.rankdata(neg)
    auc = (tz[:m].sum() - m * (m + 1) / 2) / (m * n)
    v01 = (tz[:m] - tx) / n
    v10 = 1.0 - (tz[m:] - ty) / m
    s10 = np.var(v01, ddof=1)
    s01 = np.var(v10, ddof=1)
    return float(auc), float(s10 / m + s01 / n)


def auc_case(name, rng, n_pos, n_neg, shift):
    pos = 1 / (1 + np.exp(-(rng.normal(shift, 1.0, n_pos))))
    neg = 1 / (1 + np.exp(-(rng.normal(0.0, 1.0, n_neg))))
    bp, bn = bucket(pos), bucket(neg)
    y = np.concatenate([np.ones(n_pos), np.zeros(n_neg)])
    auc_sk = roc_auc_score(y, np.concatenate([bp, bn]))
    auc, var = delong_variance(bp.astype(float), bn.astype(float))
    assert abs(auc - auc_sk) < 1e-12
    positive = np.bincount(bp, minlength=200).tolist()
    negative = np.bincount(bn, minlength=200).tolist()
    return {'name': name, 'positive': positive, 'negative': negative, 'auc': auc_sk, 'variance': var}


def fisher_cases():
    out = []
    for x1, n1, x2, n2 in [(9, 600, 80, 20000), (23, 600, 80, 20000), (0, 600, 80, 20000), (3, 10, 1, 12), (5, 60, 30, 70), (180, 600, 0, 20000), (1, 600, 80, 20000), (40, 100, 40, 100)]:
        table = [[x1, n1 - x1], [x2, n2 - x2]]
        out.append({'x1': x1, 'n1': n1, 'x2': x2, 'n2': n2,
                    'greater': float(stats.fisher_exact(table, alternative='greater')[1]),
                    'less': float(stats.fisher_exact(table, alternative='less')[1])})
    return out


def proportion_cases():
    out = []
    for xr, nr, xc, nc in [(18800, 20000, 540, 600), (18800, 20000, 520, 600), (18800, 20000, 570, 600), (450, 500, 40, 50)]:
        pr, pc = xr / nr, xc / nc
        p = (xr + xc) / (nr + nc)
        z = (pc - pr) / np.sqrt(p * (1 - p) * (1 / nr + 1 / nc))
        zc = stats.norm.ppf(1 - ALPHA)
        se = np.sqrt(pr * (1 - pr) / nr + pc * (1 - pc) / nc)
        out.append({'reference': [xr, nr], 'current': [xc, nc], 'z': float(z), 'pLower': float(stats.norm.cdf(z)),
                    'interval': [float(pc - pr - zc * se), float(pc - pr + zc * se)]})
    return out


def ece_of(n, m, k):
    tot = n.sum()
    w = n > 0
    return float(np.sum(n[w] / tot * np.abs(m[w] - k[w] / n[w])))


def calibration_case(name, rng, n, m, r_ref, r_cur):
    n = np.array(n)
    m = np.array(m)
    k = np.array([rng.binomial(ni, ri) for ni, ri in zip(n, r_cur)])
    obs = ece_of(n, m, k)
    tot = n.sum()
    expected = 0.0
    for ni, mi, ri in zip(n, m, r_ref):
        if ni == 0:
            continue
        x = np.arange(ni + 1)
        expected += ni / tot * float(np.sum(stats.binom.pmf(x, ni, ri) * np.abs(mi - x / ni)))
    draws = np.stack([rng.binomial(ni, ri, 400_000) for ni, ri in zip(n, r_ref)], axis=1)
    w = n > 0
    e = np.sum(n[w] / tot * np.abs(m[w] - draws[:, w] / n[w]), axis=1)
    return {'name': name, 'count': n.tolist(), 'meanPredicted': m.tolist(), 'positives': k.tolist(), 'referenceRate': list(r_ref),
            'ece': obs, 'expectedEce': expected, 'pValue': float(np.mean(e >= obs - 1e-12)), 'nullSd': float(np.std(e))}


def main():
    rng = np.random.default_rng(20260118)
    mids = [0.05 + 0.1 * i for i in range(10)]
    fixture = {
        'boundaries': BOUNDARIES,
        'alpha': ALPHA,
        'auc': [auc_case('separated', rng, 40, 560, 1.2), auc_case('weak', rng, 12, 588, 0.4), auc_case('balanced', rng, 300, 300, 0.8), auc_case('two positives', rng, 2, 98, 1.0)],
        'fisher': fisher_cases(),
        'proportions': proportion_cases(),
        'calibration': [
            calibration_case('calibrated, 600 rows', rng, [380, 120, 50, 20, 12, 8, 5, 3, 1, 1], mids, mids, mids),
            calibration_case('miscalibrated, 600 rows', rng, [380, 120, 50, 20, 12, 8, 5, 3, 1, 1], mids, mids, [min(1, v * 2.2) for v in mids]),
            calibration_case('reference off, 2000 rows', rng, [600, 500, 300, 200, 150, 100, 60, 40, 30, 20], mids, [min(1, v * 1.1) for v in mids], [min(1, v * 1.1) for v in mids]),
            calibration_case('empty bins, 80 rows', rng, [50, 20, 0, 6, 0, 0, 4, 0, 0, 0], mids, mids, mids),
        ],
    }
    ref, cur = fixture['auc'][2], fixture['auc'][1]
    se = np.sqrt(ref['variance'] + cur['variance'])
    z = (cur['auc'] - ref['auc']) / se
    fixture['aucDifference'] = {'reference': 'balanced', 'current': 'weak', 'z': float(z), 'pLower': float(stats.norm.cdf(z)),
                                'interval': [float(z * se - stats.norm.ppf(1 - ALPHA) * se), float(z * se + stats.norm.ppf(1 - ALPHA) * se)]}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'verdicts.json'), 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
