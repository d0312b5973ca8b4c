#!/usr/bin/python3
"""Generate the JSON fixtures that test processor/src/statistics/fairness.ts (and the two-proportion
and Wilson helpers of comparison.ts) against scikit-learn and SciPy.

Run with Debian's interpreter (python3-numpy, python3-scipy, python3-sklearn):

    /usr/bin/python3 scripts/oracle/fairness_fixtures.py

Writes test/fixtures/fairness/slices.json. The rows (slice, label, score rounded to 3 decimals)
are stored, so the TypeScript test bins exactly these rows into label-split score histograms per
slice. A row is predicted positive when score > 0.5 (the processor's buckets hold
b[i-1] < s <= b[i]). Expected values, computed independently of the TypeScript code:

* per slice: sklearn.metrics accuracy_score, recall_score (TPR), confusion_matrix (FPR),
  mean of y_pred (positive rate);
* demographic parity difference = max - min positive rate over slices with >= MIN_COUNT rows;
  disparate impact ratio = min / max of the same; equal opportunity difference = max - min TPR
  over slices with >= MIN_COUNT positives (the definitions of Fairlearn's metrics);
* p-values: scipy.stats.chi2_contingency(correction=False) of the 2x2 table of the two extreme
  slices (equal to the pooled two-proportion z-test);
* Wilson intervals: statsmodels' formula, written out (z = scipy.stats.norm.ppf(1 - alpha/2)).
"""
import json
import os

import numpy as np
from scipy import stats
from sklearn.metrics import accuracy_score, confusion_matrix, recall_score

MIN_COUNT = 30
ALPHA = 0.05
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'fairness')


def wilson(x, n, alpha=ALPHA):
    z = stats.norm.ppf(1 - alpha / 2)
    p = x / n
    centre = p + z * z / (2 * n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    d = 1 + z * z / n
    return [max(0.0, (centre - half) / d), min(1.0, (centre + half) / d)]


def two_prop_p(x1, n1, x2, n2):
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]], dtype=float)
    if (table.sum(axis=0) == 0).any():
        return 1.0
    return float(stats.chi2_contingency(table, correction=False)[1])


def case(name, rng, groups):
    rows = []
    for g, n, base, shift in groups:
        y = (rng.random(n) < base).astype(int)
        s = np.clip(0.5 + shift + 0.25 * (2 * y - 1) + rng.normal(0, 0.2, n), 0.0005, 0.9995)
        s = np.round(s, 3)
        rows += [[g, int(yi), float(si)] for yi, si in zip(y, s)]
    slices = {}
    for g in sorted({r[0] for r in rows}):
        y = np.array([r[1] for r in rows if r[0] == g])
        s = np.array([r[2] for r in rows if r[0] == g])
        yp = (s > 0.5).astype(int)
        tn, fp, fn, tp = confusion_matrix(y, yp, labels=[0, 1]).ravel()
        slices[g] = {
            'count': int(len(y)),
            'positives': int(y.sum()),
            'accuracy': float(accuracy_score(y, yp)),
            'tpr': float(recall_score(y, yp, zero_division=0)) if y.sum() > 0 else None,
            'fpr': float(fp / (fp + tn)) if fp + tn > 0 else None,
            'positiveRate': float(yp.mean()),
            'positiveRateInterval': wilson(int(yp.sum()), len(y)),
            'selected': int(yp.sum()),
            'tp': int(tp),
        }
    elig = [g for g in slices if slices[g]['count'] >= MIN_COUNT]
    out = {'name': name, 'minCount': MIN_COUNT, 'alpha': ALPHA, 'rows': rows, 'slices': slices}
    if len(elig) >= 2:
        lo = min(elig, key=lambda g: slices[g]['positiveRate'])
        hi = max(elig, key=lambda g: slices[g]['positiveRate'])
        a, b = slices[lo], slices[hi]
        out['demographicParityDifference'] = b['positiveRate'] - a['positiveRate']
        out['disparateImpactRatio'] = a['positiveRate'] / b['positiveRate'] if b['positiveRate'] > 0 else 1.0
        out['parityPValue'] = two_prop_p(a['selected'], a['count'], b['selected'], b['count'])
    pos = [g for g in slices if slices[g]['positives'] >= MIN_COUNT]
    if len(pos) >= 2:
        lo = min(pos, key=lambda g: slices[g]['tpr'])
        hi = max(pos, key=lambda g: slices[g]['tpr'])
        a, b = slices[lo], slices[hi]
        out['equalOpportunityDifference'] = b['tpr'] - a['tpr']
        out['opportunityPValue'] = two_prop_p(a['tp'], a['positives'], b['tp'], b['positives'])
    return out


def main():
    rng = np.random.default_rng(20261125)
    cases = [
        case('fair', rng, [('a', 400, 0.4, 0.0), ('b', 350, 0.4, 0.0), ('c', 300, 0.4, 0.0)]),
        case('biased', rng, [('a', 500, 0.4, 0.0), ('b', 500, 0.4, -0.15), ('tiny', 12, 0.4, 0.3)]),
        case('small', rng, [('x', 40, 0.5, 0.0), ('y', 35, 0.5, -0.1)]),
    ]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, 'slices.json'), 'w') as f:
        json.dump({'cases': cases}, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
