/**
 * The decision defaults of the statistics, stated once. Every other module (the evaluation, the
 * verdicts, the CLI's option defaults, the service's configuration) reads them here.
 *
 * - DEFAULT_ALPHA: significance level of every test, after the Benjamini-Hochberg correction
 *   across the features of a window (Benjamini & Hochberg 1995).
 * - DEFAULT_MIN_PSI / DEFAULT_MIN_JENSEN_SHANNON: effect-size minimum a significant shift must also
 *   exceed before it is called drift (PSI 0.1: "some shift", Siddiqi 2006, ch. 8).
 * - DEFAULT_MIN_ROWS: fewer rows in the window or the reference give `insufficient_data`.
 * - DEFAULT_THRESHOLD: score at or above which a binary prediction is positive.
 */
export const DEFAULT_ALPHA = 0.01;
export const DEFAULT_MIN_PSI = 0.1;
export const DEFAULT_MIN_JENSEN_SHANNON = 0.1;
export const DEFAULT_MIN_ROWS = 50;
export const DEFAULT_THRESHOLD = 0.5;

/**
 * DEFAULT_MIN_KS: effect-size floor of the KS fallback. By simulation (npm run bench:statistics), the
 * PSI/JS floors of 0.1 on decile bins flag half of the 10,000-row windows (where significance
 * no longer binds) at a normal mean shift of about 0.29 SD, whose KS statistic is
 * 2 Phi(0.29 / 2) - 1 = 0.115 (0.12 measured on the histograms); the fallback's KS, taken on
 * coarse buckets, is a lower bound of the raw-data statistic, hence the floor rounded down to 0.1.
 */
export const DEFAULT_MIN_KS = 0.1;
