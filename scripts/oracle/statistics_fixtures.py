#!/usr/bin/python3
"""Generate the JSON fixtures that test processor/src/statistics against SciPy and scikit-learn.

Run with Debian's interpreter (python3-numpy, python3-scipy, python3-sklearn):

    /usr/bin/python3 scripts/oracle/statistics_fixtures.py

Writes test/fixtures/statistics/{numeric,categorical,classification,distributions}.json.
The samples are stored (rounded), so the TypeScript tests bin exactly the rows
that the expected values were computed from. Everything here is computed
independently of the TypeScript code, from the definitions documented in
processor/src/statistics:

* reference boundaries: inverse-empirical-CDF quantiles (Hyndman-Fan type 1:
  the ceil(k*n/100)-th smallest value) at k/100, duplicates removed, values >= the reference
  maximum removed; decile boundaries are the quantiles at k/10 treated the same way;
* buckets are OpenTelemetry explicit buckets: bucket i holds b[i-1] < v <= b[i]
  (numpy.searchsorted(..., side='left'));
* PSI and KL use proportions smoothed as (c/N + EPS) / (1 + B * EPS), EPS = 1e-4;
  Jensen-Shannon and Hellinger use raw proportions;
* chi-square: scipy.stats.chi2_contingency(correction=False) on the 2 x B table
  with all-zero columns dropped.
"""
import json
import math
import os

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score, roc_auc_score
from sklearn.metrics import mean_absolute_error, mean_squared_error

EPS = 1e-4
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'statistics')
rng = np.random.default_rng(20240611)


def r5(x):
    """Round to 5 significant digits (what the fixture stores)."""
    return [float(f'{v:.5g}') for v in x]


def quantile_boundaries(ref, k):
    # Inverse empirical CDF (Hyndman-Fan type 1, numpy 'inverted_cdf') at i/k, with the
    # index ceil(i*n/k) computed in integers so that no rounding of i/k can move it.
    srt = sorted(ref)
    n = len(srt)
    qs = [srt[-(-i * n // k) - 1] for i in range(1, k)]
    mx = srt[-1]
    out = []
    for q in qs:
        q = float(q)
        if q >= mx:
            continue
        if out and q <= out[-1]:
            continue
        out.append(q)
    return out


def bin_counts(values, boundaries):
    idx = np.searchsorted(np.asarray(boundaries, dtype=float), np.asarray(values, dtype=float), side='left')
    return np.bincount(idx, minlength=len(boundaries) + 1).astype(float)


def smooth(c):
    c = np.asarray(c, dtype=float)
    return (c / c.sum() + EPS) / (1 + len(c) * EPS)


def binned_stats(p_counts, q_counts):
    p_counts = np.asarray(p_counts, dtype=float)
    q_counts = np.asarray(q_counts, dtype=float)
    ps, qs = smooth(p_counts), smooth(q_counts)
    pr, qr = p_counts / p_counts.sum(), q_counts / q_counts.sum()
    psi = float(np.sum((qs - ps) * np.log(qs / ps)))
    kl = float(stats.entropy(ps, qs))
    js = float(jensenshannon(pr, qr))
    hel = float(math.sqrt(0.5 * np.sum((np.sqrt(pr) - np.sqrt(qr)) ** 2)))
    keep = (p_counts + q_counts) > 0
    table = np.vstack([p_counts[keep], q_counts[keep]])
    if table.shape[1] >= 2:
        chi2, pval, dof, _ = stats.chi2_contingency(table, correction=False)
    else:
        chi2, pval, dof = 0.0, 1.0, 0
    return {
        'psi': psi, 'kl': kl, 'jensenShannon': js, 'hellinger': hel,
        'chiSquare': {'statistic': float(chi2), 'dof': int(dof), 'pValue': float(pval)},
    }


def raw_drift(ref, cur, dec):
    """Exact drift statistics of the raw rows: counts and binned statistics on the decile bins `dec`,
    KS (scipy.stats.ks_2samp) and Wasserstein-1 (scipy.stats.wasserstein_distance)."""
    pc, qc = bin_counts(ref, dec), bin_counts(cur, dec)
    ks = stats.ks_2samp(ref, cur)
    return {
        'refDecileCounts': pc.tolist(),
        'curDecileCounts': qc.tolist(),
        'binned': binned_stats(pc, qc),
        'ks': {'statistic': float(ks.statistic), 'pValue': float(ks.pvalue)},
        'wasserstein': float(stats.wasserstein_distance(ref, cur)),
    }


def numeric_fixture():
    dists = {
        'normal': (lambda n: rng.normal(0.0, 1.0, n), None),
        'lognormal': (lambda n: rng.lognormal(0.0, 1.0, n), None),
        't2': (lambda n: rng.standard_t(2, n), None),
        'poisson': (lambda n: rng.poisson(10.0, n).astype(float), math.sqrt(10.0)),
    }
    sizes = {'small': 100, 'large': 20000}
    deltas = [0.0, 0.2, 0.5, 1.0]
    cases = []
    for dname, (draw, sd) in dists.items():
        for sname, n in sizes.items():
            ref = r5(draw(n))
            cur = r5(draw(n))
            if sd is None:
                q75, q25 = np.percentile(ref, [75, 25])
                unit = float((q75 - q25) / 1.349)
            else:
                unit = sd
            fine = quantile_boundaries(ref, 100)
            dec = quantile_boundaries(ref, 10)
            shifts = []
            for d in deltas:
                offset = float(round(d * unit)) if dname == 'poisson' else d * unit
                shifted = [v + offset for v in cur]
                shifts.append({'delta': d, 'offset': offset, **raw_drift(ref, shifted, dec)})
            cases.append({
                'name': f'{dname}-{sname}', 'distribution': dname, 'size': n,
                'reference': ref, 'current': cur,
                'boundaries': fine, 'decileBoundaries': dec, 'shifts': shifts,
            })
    return {'epsilon': EPS, 'cases': cases}


def categorical_fixture():
    cats = ['a', 'b', 'c', 'd', 'e', 'f']
    base = np.array([0.35, 0.25, 0.15, 0.12, 0.08, 0.05])
    shifted = np.array([0.25, 0.25, 0.2, 0.12, 0.1, 0.08])
    scenarios = []

    def add(name, ref_counts, cur_counts):
        ref_counts = {k: int(v) for k, v in ref_counts.items()}
        cur_counts = {k: int(v) for k, v in cur_counts.items()}
        ref_keys = list(ref_counts.keys())
        unseen = sorted(k for k in cur_counts if k not in ref_counts)
        keys = ref_keys + unseen
        p = [ref_counts.get(k, 0) for k in keys]
        q = [cur_counts.get(k, 0) for k in keys]
        scenarios.append({
            'name': name, 'reference': ref_counts, 'current': cur_counts,
            'categories': keys, 'unseen': unseen,
            'unseenCount': int(sum(cur_counts[k] for k in unseen)),
            'binned': binned_stats(p, q),
        })

    add('no-shift', dict(zip(cats, rng.multinomial(5000, base))), dict(zip(cats, rng.multinomial(1000, base))))
    add('shift', dict(zip(cats, rng.multinomial(5000, base))), dict(zip(cats, rng.multinomial(1000, shifted))))
    cur = dict(zip(cats, rng.multinomial(900, base)))
    cur['g'] = 60
    cur['h'] = 40
    add('unseen', dict(zip(cats, rng.multinomial(5000, base))), cur)
    cur = dict(zip(cats, rng.multinomial(60, base)))
    cur['f'] = 0
    add('small-with-zero', dict(zip(cats, rng.multinomial(100, base))), cur)
    return {'epsilon': EPS, 'scenarios': scenarios}


def calibration_expected(scores, labels):
    scores = np.asarray(scores)
    labels = np.asarray(labels)
    edges = np.array([k / 10 for k in range(1, 10)])
    idx = np.searchsorted(edges, scores, side='left')
    n = len(scores)
    ece, mce = 0.0, 0.0
    curve = []
    for b in range(10):
        m = idx == b
        c = int(m.sum())
        if c == 0:
            curve.append({'count': 0})
            continue
        mp = float(scores[m].mean())
        obs = float(labels[m].mean())
        gap = abs(mp - obs)
        ece += c / n * gap
        mce = max(mce, gap)
        curve.append({'count': c, 'meanPredicted': mp, 'observedRate': obs})
    brier = float(np.mean((scores - labels) ** 2))
    return {'ece': ece, 'mce': mce, 'brier': brier, 'curve': curve}


def classification_fixture():
    n = 10000
    z = rng.normal(0.0, 1.5, n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    scen = {
        'calibrated': 1 / (1 + np.exp(-z)),
        'overconfident': 1 / (1 + np.exp(-2.5 * z)),
        'shifted-low': 1 / (1 + np.exp(-(z - 1.0))),
    }
    out = []
    for name, s in scen.items():
        s = np.round(s, 4)
        thresholds = []
        for t in [0.5, 0.3, 0.7]:
            pred = (s > t).astype(int)
            tp = int(((pred == 1) & (labels == 1)).sum())
            fp = int(((pred == 1) & (labels == 0)).sum())
            tn = int(((pred == 0) & (labels == 0)).sum())
            fn = int(((pred == 0) & (labels == 1)).sum())
            thresholds.append({
                'threshold': t, 'tp': tp, 'fp': fp, 'tn': tn, 'fn': fn,
                'accuracy': float(accuracy_score(labels, pred)),
                'precision': float(precision_score(labels, pred, zero_division=0)),
                'recall': float(recall_score(labels, pred, zero_division=0)),
                'f1': float(f1_score(labels, pred, zero_division=0)),
            })
        out.append({
            'name': name, 'scores': [float(v) for v in s],
            'calibration': calibration_expected(s, labels),
            'rocAuc': float(roc_auc_score(labels, s)),
            'thresholds': thresholds,
        })

    classes = ['bird', 'cat', 'dog']
    multiclass = []
    for name, never in [('three-classes', None), ('never-predicted', 'bird')]:
        m = 600
        y_true = rng.choice(classes, m, p=[0.2, 0.5, 0.3])
        y_pred = np.where(rng.random(m) < 0.7, y_true, rng.choice(classes, m))
        if never is not None:
            y_pred = np.where(y_pred == never, 'cat', y_pred)
        confusion = {}
        for pr, tr in zip(y_pred, y_true):
            confusion.setdefault(str(pr), {}).setdefault(str(tr), 0)
            confusion[str(pr)][str(tr)] += 1
        multiclass.append({
            'name': name, 'confusion': confusion,
            'accuracy': float(accuracy_score(y_true, y_pred)),
            'macroF1': float(f1_score(y_true, y_pred, average='macro', zero_division=0)),
        })

    k = 1000
    y_true = rng.normal(50.0, 10.0, k)
    y_pred = y_true + rng.standard_t(4, k) * 3.0
    y_true = [round(float(v), 3) for v in y_true]
    y_pred = [round(float(v), 3) for v in y_pred]
    regression = {
        'yTrue': y_true, 'yPred': y_pred,
        'mae': float(mean_absolute_error(y_true, y_pred)),
        'rmse': float(math.sqrt(mean_squared_error(y_true, y_pred))),
    }
    return {'labels': [int(v) for v in labels], 'scenarios': out, 'multiclass': multiclass, 'regression': regression}


def distributions_fixture():
    chi2 = []
    for k in [1, 2, 3, 9, 10, 50, 199]:
        for x in [0.01, 0.5, 1.0, 3.84, 9.0, 16.9, 21.67, 50.0, 120.0, 250.0]:
            chi2.append({'x': x, 'dof': k, 'sf': float(stats.chi2.sf(x, k)), 'cdf': float(stats.chi2.cdf(x, k))})
    chi2_ppf = []
    for k in [1, 2, 9, 19, 99, 199]:
        for p in [0.5, 0.9, 0.95, 0.99, 0.999]:
            chi2_ppf.append({'p': p, 'dof': k, 'x': float(stats.chi2.ppf(p, k))})
    kol = [{'x': x, 'sf': float(stats.kstwobign.sf(x)), 'cdf': float(stats.kstwobign.cdf(x))}
           for x in [0.05, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0, 1.2, 1.358, 1.5, 1.628, 2.0, 3.0, 5.0]]
    kol_ppf = [{'p': p, 'x': float(stats.kstwobign.ppf(p))} for p in [0.1, 0.5, 0.9, 0.95, 0.99, 0.999]]
    return {'chiSquare': chi2, 'chiSquareQuantile': chi2_ppf, 'kolmogorov': kol, 'kolmogorovQuantile': kol_ppf}


def write(name, obj):
    path = os.path.join(OUT, name)
    with open(path, 'w') as f:
        json.dump(obj, f, separators=(',', ':'))
        f.write('\n')
    print(f'{path}: {os.path.getsize(path)} bytes')


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    write('numeric.json', numeric_fixture())
    write('categorical.json', categorical_fixture())
    write('classification.json', classification_fixture())
    write('distributions.json', distributions_fixture())
