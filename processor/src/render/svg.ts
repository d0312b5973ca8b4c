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
export function histogramOverlay(
  bins: readonly BinShare[],
  opts: { width?: number; height?: number; title?: string } = {},
): string {
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
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot overlay" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(opts.title ?? 'reference vs current distribution')}">`,
  );
  if (opts.title) parts.push(`<title>${esc(opts.title)}</title>`);
  parts.push(`<line x1="${pad.l}" y1="${pad.t + plotH}" x2="${width - pad.r}" y2="${pad.t + plotH}" stroke="#999"/>`);
  parts.push(
    `<text x="${pad.l - 4}" y="${pad.t + 4}" font-size="9" text-anchor="end">${(max * 100).toFixed(0)}%</text>`,
  );
  parts.push(`<text x="${pad.l - 4}" y="${pad.t + plotH}" font-size="9" text-anchor="end">0</text>`);
  bins.forEach((b, i) => {
    const x = pad.l + i * slot + slot / 2;
    parts.push(
      `<rect class="ref" x="${(x - bw).toFixed(1)}" y="${y(b.reference).toFixed(1)}" width="${bw.toFixed(1)}" height="${(pad.t + plotH - y(b.reference)).toFixed(1)}" fill="${REF}"><title>${esc(b.label)} reference ${(b.reference * 100).toFixed(1)}%</title></rect>`,
    );
    parts.push(
      `<rect class="cur" x="${x.toFixed(1)}" y="${y(b.current).toFixed(1)}" width="${bw.toFixed(1)}" height="${(pad.t + plotH - y(b.current)).toFixed(1)}" fill="${CUR}"><title>${esc(b.label)} current ${(b.current * 100).toFixed(1)}%</title></rect>`,
    );
    if (n <= 12) {
      const text =
        b.upper !== null
          ? `≤${short(b.upper, n > 6 ? 2 : 3)}`
          : b.lower !== null
            ? `>${short(b.lower, n > 6 ? 2 : 3)}`
            : b.label;
      const max = Math.max(4, Math.floor(slot / 5));
      const label = text.length > max ? `${text.slice(0, max - 1)}…` : text;
      parts.push(
        `<text x="${x.toFixed(1)}" y="${height - pad.b + 12}" font-size="8" text-anchor="middle">${esc(label)}</text>`,
      );
    }
  });
  parts.push(
    `<rect x="${width - 120}" y="2" width="8" height="8" fill="${REF}"/><text x="${width - 108}" y="9" font-size="9">reference</text>`,
  );
  parts.push(
    `<rect x="${width - 60}" y="2" width="8" height="8" fill="${CUR}"/><text x="${width - 48}" y="9" font-size="9">current</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
}

/** Reliability diagram: observed positive rate against mean predicted score per bin, with the diagonal. */
export function reliabilityDiagram(
  bins: readonly CalibrationBin[],
  opts: { size?: number; title?: string } = {},
): string {
  const size = opts.size ?? 260;
  const pad = 32;
  const plot = size - 2 * pad;
  const x = (v: number) => pad + v * plot;
  const y = (v: number) => size - pad - v * plot;
  const maxCount = Math.max(1, ...bins.map((b) => b.count));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot reliability" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="${esc(opts.title ?? 'reliability diagram')}">`,
  );
  parts.push(`<title>${esc(opts.title ?? 'reliability diagram')}</title>`);
  parts.push(`<rect x="${pad}" y="${pad}" width="${plot}" height="${plot}" fill="none" stroke="#bbb"/>`);
  parts.push(
    `<line class="diagonal" x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`,
  );
  for (const b of bins) {
    const h = (b.count / maxCount) * plot * 0.25;
    parts.push(
      `<rect class="count" x="${x(b.lower) + 1}" y="${(y(0) - h).toFixed(1)}" width="${(plot / bins.length - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#dde3ea"><title>${b.count} predictions in ${b.lower.toFixed(1)}-${b.upper.toFixed(1)}</title></rect>`,
    );
  }
  const pts = bins.filter((b) => b.meanPredicted !== null && b.observedRate !== null && b.count > 0);
  if (pts.length > 1) {
    parts.push(
      `<polyline fill="none" stroke="${CUR}" stroke-width="2" points="${pts.map((b) => `${x(b.meanPredicted!).toFixed(1)},${y(b.observedRate!).toFixed(1)}`).join(' ')}"/>`,
    );
  }
  for (const b of pts) {
    parts.push(
      `<circle class="point" cx="${x(b.meanPredicted!).toFixed(1)}" cy="${y(b.observedRate!).toFixed(1)}" r="3.5" fill="${CUR}"><title>mean score ${b.meanPredicted!.toFixed(3)}, observed ${b.observedRate!.toFixed(3)} (${b.count})</title></circle>`,
    );
  }
  for (const t of [0, 0.5, 1]) {
    parts.push(`<text x="${x(t)}" y="${size - pad + 14}" font-size="9" text-anchor="middle">${t}</text>`);
    parts.push(`<text x="${pad - 6}" y="${y(t) + 3}" font-size="9" text-anchor="end">${t}</text>`);
  }
  parts.push(`<text x="${size / 2}" y="${size - 4}" font-size="10" text-anchor="middle">mean predicted score</text>`);
  parts.push(
    `<text x="10" y="${size / 2}" font-size="10" text-anchor="middle" transform="rotate(-90 10 ${size / 2})">observed rate</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
}

/** A series of a trend chart: one value per window (null where the window has none). */
export interface TrendSeries {
  readonly name: string;
  readonly points: readonly (number | null)[];
}

export interface TrendChartOptions {
  /** What the chart shows, drawn above it (e.g. "max feature PSI"). */
  readonly title: string;
  /** One label per window for the x axis (e.g. "09:05"); thinned out where they would collide. */
  readonly xLabels: readonly string[];
  /** What the x labels are (e.g. "window end, UTC"), under the axis. */
  readonly xTitle?: string;
  /** Values the y axis must include (e.g. 0 for PSI). */
  readonly include?: readonly number[];
  /** The y axis never goes beyond these (e.g. [0, 1] for accuracy); values outside would still widen it. */
  readonly bounds?: readonly [number, number];
  /** A horizontal dashed line (e.g. the drift limit), named in the legend. */
  readonly limit?: { readonly value: number; readonly label: string };
  readonly width?: number;
  readonly height?: number;
}

/** Step of 1, 2, 2.5 or 5 × 10^k near `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

/** An axis from `lo` to `hi` on round ticks (about four intervals). */
export function niceAxis(
  lo: number,
  hi: number,
  bounds?: readonly [number, number],
): { lo: number; hi: number; ticks: number[]; decimals: number } {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 0.1;
    [lo, hi] = [lo - d, hi + d];
  }
  const step = niceStep((hi - lo) / 4);
  let a = Number((Math.floor(lo / step + 1e-9) * step).toFixed(12));
  let b = Number((Math.ceil(hi / step - 1e-9) * step).toFixed(12));
  if (bounds && lo >= bounds[0] && a < bounds[0]) a = bounds[0];
  if (bounds && hi <= bounds[1] && b > bounds[1]) b = bounds[1];
  const ticks: number[] = [];
  for (let t = Math.ceil(a / step - 1e-9) * step; t <= b + step * 1e-9; t += step) ticks.push(Number(t.toFixed(12)));
  // as many decimals as the step needs (0.25 -> 2, 0.2 -> 1, 5 -> 0)
  let decimals = 0;
  while (decimals < 12 && Math.abs(Math.round(step * 10 ** decimals) - step * 10 ** decimals) > 1e-6) decimals++;
  return { lo: a, hi: b, ticks, decimals };
}

const SERIES_COLORS = [CUR, '#1c7ed6', '#2b8a3e', '#862e9c'];
/** Rough width of `text` at `size` px in the page's sans-serif font (for layout only). */
const textWidth = (text: string, size: number) => text.length * size * 0.58;

/**
 * A small chart of one quantity over windows, on its own y axis: a title, a legend in its own
 * band above the plot (never over the lines), every value drawn as a point inside the plot area
 * (lines join consecutive windows), round y ticks and time labels on the x axis.
 */
export function trendChart(series: readonly TrendSeries[], opts: TrendChartOptions): string {
  const width = opts.width ?? 370;
  const height = opts.height ?? 180;
  const n = Math.max(1, opts.xLabels.length, ...series.map((s) => s.points.length));
  // legend entries, wrapped into rows that fit the width
  const entries = [
    ...series.map((s, k) => ({ name: s.name, color: SERIES_COLORS[k % SERIES_COLORS.length]!, dashed: false })),
    ...(opts.limit ? [{ name: opts.limit.label, color: REF, dashed: true }] : []),
  ];
  const showLegend = entries.length > 1;
  const legendRows: { x: number; e: (typeof entries)[number] }[][] = [];
  if (showLegend) {
    let row: { x: number; e: (typeof entries)[number] }[] = [];
    let x = 8;
    for (const e of entries) {
      const w = 22 + textWidth(e.name, 10) + 14;
      if (row.length && x + w > width - 4) {
        legendRows.push(row);
        row = [];
        x = 8;
      }
      row.push({ x, e });
      x += w;
    }
    legendRows.push(row);
  }
  const values = series.flatMap((s) => s.points.filter((v): v is number => v !== null && Number.isFinite(v)));
  const extent = [...values, ...(opts.include ?? []), ...(opts.limit ? [opts.limit.value] : [])];
  const axis = niceAxis(extent.length ? Math.min(...extent) : 0, extent.length ? Math.max(...extent) : 1, opts.bounds);
  const yLabelWidth = Math.max(...axis.ticks.map((t) => textWidth(t.toFixed(axis.decimals), 9)));
  const pad = { l: Math.ceil(yLabelWidth) + 12, r: 14, t: 22 + legendRows.length * 14 + 6, b: opts.xTitle ? 32 : 20 };
  const plotW = width - pad.l - pad.r;
  const plotH = height - pad.t - pad.b;
  // points are drawn inset from the plot area's border, so that none sits on it or outside it
  const inset = { x: 10, y: 6 };
  const x = (i: number) =>
    pad.l + inset.x + (n === 1 ? (plotW - 2 * inset.x) / 2 : (i / (n - 1)) * (plotW - 2 * inset.x));
  const y = (v: number) => pad.t + inset.y + (1 - (v - axis.lo) / (axis.hi - axis.lo)) * (plotH - 2 * inset.y);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot trend" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(opts.title)}">`,
  ];
  parts.push(`<title>${esc(opts.title)}</title>`);
  parts.push(
    `<text class="chart-title" x="8" y="14" font-size="12" font-weight="600" fill="#1d2733">${esc(opts.title)}</text>`,
  );
  legendRows.forEach((row, r) => {
    const ly = 22 + r * 14 + 8;
    for (const { x: lx, e } of row) {
      parts.push(
        `<g class="legend-item"><line x1="${lx}" y1="${ly - 3}" x2="${lx + 16}" y2="${ly - 3}" stroke="${e.color}" stroke-width="2"${e.dashed ? ' stroke-dasharray="4 3"' : ''}/>${e.dashed ? '' : `<circle cx="${lx + 8}" cy="${ly - 3}" r="2.5" fill="${e.color}"/>`}<text x="${lx + 22}" y="${ly + 1}" font-size="10" fill="#3c4856">${esc(e.name)}</text></g>`,
      );
    }
  });
  parts.push(
    `<rect class="plot-area" x="${pad.l}" y="${pad.t}" width="${plotW}" height="${plotH}" fill="none" stroke="#e3e8ee"/>`,
  );
  for (const t of axis.ticks) {
    const ty = y(t).toFixed(1);
    parts.push(
      `<line class="grid" x1="${pad.l}" y1="${ty}" x2="${pad.l + plotW}" y2="${ty}" stroke="#eef1f4"/><text class="y-tick" x="${pad.l - 5}" y="${(y(t) + 3).toFixed(1)}" font-size="9" text-anchor="end" fill="#5b6776">${t.toFixed(axis.decimals)}</text>`,
    );
  }
  if (opts.limit) {
    const ly = y(opts.limit.value).toFixed(1);
    parts.push(
      `<line class="limit" x1="${pad.l}" y1="${ly}" x2="${pad.l + plotW}" y2="${ly}" stroke="${REF}" stroke-dasharray="4 3"><title>${esc(opts.limit.label)}</title></line>`,
    );
  }
  // x labels: the newest window always, then every k-th going back, as many as fit
  const labelW = Math.max(1, ...opts.xLabels.map((l) => textWidth(l, 9))) + 10;
  const k = n === 1 ? 1 : Math.max(1, Math.ceil((n - 1) / Math.max(1, Math.floor(plotW / labelW))));
  for (let i = n - 1; i >= 0; i -= k) {
    const label = opts.xLabels[i];
    if (label === undefined) continue;
    parts.push(
      `<line x1="${x(i).toFixed(1)}" y1="${pad.t + plotH}" x2="${x(i).toFixed(1)}" y2="${pad.t + plotH + 3}" stroke="#999"/><text class="x-tick" x="${x(i).toFixed(1)}" y="${pad.t + plotH + 13}" font-size="9" text-anchor="middle" fill="#5b6776">${esc(label)}</text>`,
    );
  }
  if (opts.xTitle)
    parts.push(
      `<text class="x-title" x="${pad.l + plotW / 2}" y="${height - 4}" font-size="9" text-anchor="middle" fill="#868e96">${esc(opts.xTitle)}</text>`,
    );
  series.forEach((s, k) => {
    const c = SERIES_COLORS[k % SERIES_COLORS.length]!;
    // one polyline per run of consecutive values; a window without a value breaks the line
    let run: string[] = [];
    const lines: string[][] = [];
    s.points.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) {
        if (run.length) lines.push(run);
        run = [];
      } else run.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
    });
    if (run.length) lines.push(run);
    for (const l of lines.filter((l) => l.length > 1))
      parts.push(
        `<polyline class="series" data-series="${esc(s.name)}" fill="none" stroke="${c}" stroke-width="1.8" points="${l.join(' ')}"/>`,
      );
    s.points.forEach((v, i) => {
      if (v === null || !Number.isFinite(v)) return;
      parts.push(
        `<circle class="pt" data-series="${esc(s.name)}" data-value="${v}" cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2.8" fill="${c}"><title>${esc(`${s.name} ${opts.xLabels[i] ?? ''}: ${short(v, 3)}`)}</title></circle>`,
      );
    });
  });
  parts.push('</svg>');
  return parts.join('');
}
