/** How numbers read in reports: fixed digits, small values in exponent form, missing ones as '-'. */
export const fmt = (v: number | null | undefined, digits = 3): string => {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v !== 0 && Math.abs(v) < 10 ** -digits) return v.toExponential(1);
  return v.toFixed(digits);
};
export const pct = (v: number | null | undefined): string =>
  v === null || v === undefined ? '-' : `${(v * 100).toFixed(1)}%`;
export const pval = (v: number | null | undefined): string =>
  v === null || v === undefined ? '-' : v < 1e-4 ? '<1e-4' : v.toFixed(4);
