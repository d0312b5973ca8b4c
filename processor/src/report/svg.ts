/**
 * Small inline-SVG plots for reports and the status page: no scripts, no network, readable
 * without CSS frameworks.
 */
import type { BinShare, CalibrationBin } from '../analysis/report-types.js';

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const REF = '#7a8699';

/** A short number for axis ticks: 3 significant digits, no trailing zeros. */
function short(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(digits)));
}
const CUR = '#d9480f';

/** Reference vs current share per bin, as paired bars. */
export function histogramOverlay(bins: readonly BinShare[], opts: { width?: number; height?: number; title?: string } = {}): string {
  const width = opts.width ?? 360;
  const height = opts.height ?? 150;
  const pad = { l: 34, r: 6, t: 16, b: 30 };
  const n = Math.max(1, bins.length);
  const max = Math.max(0.01, ...bins.map((b) => Math.max(b.reference, b.current)));
  const plotW = width - pad.l - pad.r;
  const plotH = height - pad.t - pad.b;
  const slot = plotW / n;
  const bw = Math.max(1, slot * 0.4);
  const y = (v: number) => pad.t + plotH - (v / max) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="plot overlay" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(opts.title ?? 'reference vs current distribution')}">`);
  if (opts.title) parts.push(`<title>${esc(opts.title)}</title>`);
  parts.push(`<line x1="${pad.l}" y1="${pad.t + plotH}" x2="${width - pad.r}" y2="${pad.t + plotH}" stroke="#999"/>`);
  parts.push(`<text x="${pad.l - 4}" y="${pad.t + 4}" font-size="9" text-anchor="end">${(max * 100).toFixed(0)}%</text>`);
  parts.push(`<text x="${pad.l - 4}" y="${pad.t + plotH}" font-size="9" text-anchor="end">0</text>`);
  bins.forEach((b, i) => {
    const x = pad.l + i * slot + slot / 2;
    parts.push(`<rect class="ref" x="${(x - bw).toFixed(1)}" y="${y(b.reference).toFixed(1)}" width="${bw.toFixed(1)}" height="${(pad.t + plotH - y(b.reference)).toFixed(1)}" fill="${REF}"><title>${esc(b.label)} reference ${(b.reference * 100).toFixed(1)}%</title></rect>`);
    parts.push(`<rect class="cur" x="${x.toFixed(1)}" y="${y(b.current).toFixed(1)}" width="${bw.toFixed(1)}" height="${(pad.t + plotH - y(b.current)).toFixed(1)}" fill="${CUR}"><title>${esc(b.label)} current ${(b.current * 100).toFixed(1)}%</title></rect>`);
    if (n <= 12) {
      const text = b.upper !== null ? `≤${short(b.upper, n > 6 ? 2 : 3)}` : b.lower !== null ? `>${short(b.lower, n > 6 ? 2 : 3)}` : b.label;
      const max = Math.max(4, Math.floor(slot / 5));
      const label = text.length > max ? `${text.slice(0, max - 1)}…` : text;
      parts.push(`<text x="${x.toFixed(1)}" y="${height - pad.b + 12}" font-size="8" text-anchor="middle">${esc(label)}</text>`);
    }
  });
  parts.push(`<rect x="${width - 120}" y="2" width="8" height="8" fill="${REF}"/><text x="${width - 108}" y="9" font-size="9">reference</text>`);
  parts.push(`<rect x="${width - 60}" y="2" width="8" height="8" fill="${CUR}"/><text x="${width - 48}" y="9" font-size="9">current</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** Reliability diagram: observed positive rate against mean predicted score per bin, with the diagonal. */
export function reliabilityDiagram(bins: readonly CalibrationBin[], opts: { size?: number; title?: string } = {}): string {
  const size = opts.size ?? 260;
  const pad = 32;
  const plot = size - 2 * pad;
  const x = (v: number) => pad + v * plot;
  const y = (v: number) => size - pad - v * plot;
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="plot reliability" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="${esc(opts.title ?? 'reliability diagram')}">`);
  parts.push(`<title>${esc(opts.title ?? 'reliability diagram')}</title>`);
  parts.push(`<rect x="${pad}" y="${pad}" width="${plot}" height="${plot}" fill="none" stroke="#bbb"/>`);
  parts.push(`<line class="diagonal" x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`);
  for (const b of bins) {
    const h = (b.count / maxCount) * plot * 0.25;
    parts.push(`<rect class="count" x="${x(b.lower) + 1}" y="${(y(0) - h).toFixed(1)}" width="${(plot / bins.length - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#dde3ea"><title>${b.count} predictions in ${b.lower.toFixed(1)}-${b.upper.toFixed(1)}</title></rect>`);
  }
  const pts = bins.filter((b) => b.meanPredicted !== null && b.observedRate !== null && b.count > 0);
  if (pts.length > 1) {
    parts.push(`<polyline fill="none" stroke="${CUR}" stroke-width="2" points="${pts.map((b) => `${x(b.meanPredicted!).toFixed(1)},${y(b.observedRate!).toFixed(1)}`).join(' ')}"/>`);
  }
  for (const b of pts) {
    parts.push(`<circle class="point" cx="${x(b.meanPredicted!).toFixed(1)}" cy="${y(b.observedRate!).toFixed(1)}" r="3.5" fill="${CUR}"><title>mean score ${b.meanPredicted!.toFixed(3)}, observed ${b.observedRate!.toFixed(3)} (${b.count})</title></circle>`);
  }
  for (const t of [0, 0.5, 1]) {
    parts.push(`<text x="${x(t)}" y="${size - pad + 14}" font-size="9" text-anchor="middle">${t}</text>`);
    parts.push(`<text x="${pad - 6}" y="${y(t) + 3}" font-size="9" text-anchor="end">${t}</text>`);
  }
  parts.push(`<text x="${size / 2}" y="${size - 4}" font-size="10" text-anchor="middle">mean predicted score</text>`);
  parts.push(`<text x="10" y="${size / 2}" font-size="10" text-anchor="middle" transform="rotate(-90 10 ${size / 2})">observed rate</text>`);
  parts.push('</svg>');
  return parts.join('');
}

/** A line chart of one or more series over windows (e.g. accuracy over time). */
export function lineChart(series: readonly { name: string; points: readonly (number | null)[] }[], opts: { width?: number; height?: number; min?: number; max?: number; title?: string } = {}): string {
  const width = opts.width ?? 360;
  const height = opts.height ?? 140;
  const pad = { l: 34, r: 8, t: 14, b: 18 };
  const all = series.flatMap((s) => s.points.filter((v): v is number => v !== null && Number.isFinite(v)));
  const lo = opts.min ?? Math.min(0, ...all);
  const hi = opts.max ?? Math.max(lo + 1e-9, ...all);
  const n = Math.max(2, ...series.map((s) => s.points.length));
  const x = (i: number) => pad.l + (i / (n - 1)) * (width - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - (v - lo) / (hi - lo || 1)) * (height - pad.t - pad.b);
  const colors = [CUR, '#1c7ed6', '#2b8a3e', '#862e9c', REF];
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" class="plot line" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(opts.title ?? 'over windows')}">`];
  parts.push(`<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#999"/>`);
  parts.push(`<text x="${pad.l - 4}" y="${pad.t + 4}" font-size="9" text-anchor="end">${hi.toFixed(2)}</text><text x="${pad.l - 4}" y="${height - pad.b}" font-size="9" text-anchor="end">${lo.toFixed(2)}</text>`);
  series.forEach((s, k) => {
    const c = colors[k % colors.length];
    const pts = s.points.map((v, i) => (v === null || !Number.isFinite(v) ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter((p): p is string => p !== null);
    if (pts.length) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.join(' ')}"><title>${esc(s.name)}</title></polyline>`);
    parts.push(`<text x="${pad.l + 4 + k * 80}" y="10" font-size="9" fill="${c}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
