/**
 * A model's verdicts over windows as small multiples, each quantity on its own axis: max feature
 * PSI (with the PSI a drift needs), accuracy and ROC AUC, ECE. Shared by the status page and the
 * multi-window report.
 */
import type { ModelReport } from '../analysis/report-types.js';
import { trendChart } from './svg.js';

/** The largest PSI of the window's features; null when no feature has one. */
export function maxPsi(r: ModelReport): number | null {
  const v = Object.values(r.features)
    .map((f) => f.psi)
    .filter((p): p is number => p !== null && Number.isFinite(p));
  return v.length ? Math.max(...v) : null;
}

const DAY = 86_400_000;

interface Span {
  readonly start: number;
  readonly end: number;
}

/** Formats times of these windows (UTC): dates only when every window is whole days, dates beside times when they span several days. */
function timeFormat(known: readonly Span[]) {
  const iso = (t: number) => new Date(t).toISOString();
  const years = new Set(known.flatMap((w) => [iso(w.start).slice(0, 4), iso(w.end - 1).slice(0, 4)]));
  const days = new Set(known.flatMap((w) => [iso(w.start).slice(0, 10), iso(w.end - 1).slice(0, 10)]));
  const wholeDays = known.length > 0 && known.every((w) => w.start % DAY === 0 && w.end % DAY === 0);
  const date = (t: number) => iso(t).slice(years.size > 1 ? 0 : 5, 10);
  const time = (t: number) => iso(t).slice(11, 16);
  const span = (w: Span) => {
    if (wholeDays) return w.end - w.start === DAY ? date(w.start) : `${date(w.start)} – ${date(w.end - 1)}`;
    const sameDay = iso(w.start).slice(0, 10) === iso(w.end - 1).slice(0, 10);
    return `${days.size > 1 ? `${date(w.start)} ` : ''}${time(w.start)}–${sameDay ? '' : `${date(w.end)} `}${time(w.end)}`;
  };
  const label = (w: Span) =>
    wholeDays ? date(w.start) : days.size > 1 ? `${date(w.end)} ${time(w.end)}` : time(w.end);
  const title = wholeDays
    ? 'window (UTC day)'
    : days.size > 1
      ? 'window end (UTC)'
      : `window end (UTC, ${[...days][0]})`;
  return { span, label, title };
}

const spanOf = (r: ModelReport): Span | null => {
  if (!r.window) return null;
  const w = { start: Date.parse(r.window.start), end: Date.parse(r.window.end) };
  return Number.isFinite(w.start) && Number.isFinite(w.end) ? w : null;
};

/**
 * How to name each window in time, UTC: `labels` for a chart's x axis (the window's end, "09:05";
 * with the date, "01-02 09:05", when the windows span several days; the date alone for whole-day
 * windows), `spans` for tables ("09:04–09:05", "01-02 09:04–09:05", "01-02", "01-01 – 01-07"),
 * and the axis `title`. "#n" and "-" for a report without a window.
 */
export function windowTimes(reports: readonly ModelReport[]): { labels: string[]; spans: string[]; title: string } {
  const ws = reports.map(spanOf);
  const known = ws.filter((w): w is Span => w !== null);
  if (known.length === 0)
    return { labels: reports.map((_, i) => `#${i + 1}`), spans: reports.map(() => '-'), title: 'window' };
  const f = timeFormat(known);
  return {
    labels: ws.map((w, i) => (w ? f.label(w) : `#${i + 1}`)),
    spans: ws.map((w) => (w ? f.span(w) : '-')),
    title: f.title,
  };
}

/** The period from window `from`'s start to window `to`'s end (0-based), named as {@link windowTimes} names spans; null without windows. */
export function periodOf(reports: readonly ModelReport[], from: number, to: number): string | null {
  const [a, b] = [spanOf(reports[from]!), spanOf(reports[to]!)];
  if (!a || !b) return null;
  return timeFormat(reports.map(spanOf).filter((w): w is Span => w !== null)).span({ start: a.start, end: b.end });
}

/** The trend charts of `reports` (oldest first), as a row of inline SVGs, those with values; empty for fewer than two windows. */
export function trendCharts(reports: readonly ModelReport[]): string {
  if (reports.length < 2) return '';
  const { labels, title } = windowTimes(reports);
  const last = reports[reports.length - 1]!;
  const charts: string[] = [];
  const psi = reports.map(maxPsi);
  if (psi.some((v) => v !== null)) {
    charts.push(
      trendChart([{ name: 'max feature PSI', points: psi }], {
        title: 'Max feature PSI',
        xLabels: labels,
        xTitle: title,
        include: [0],
        limit: { value: last.settings.minPsi, label: `PSI a drift needs (${last.settings.minPsi})` },
      }),
    );
  }
  const accuracy = reports.map((r) => r.performance?.accuracy ?? null);
  const auc = reports.map((r) => r.performance?.rocAuc ?? null);
  if ([...accuracy, ...auc].some((v) => v !== null)) {
    charts.push(
      trendChart(
        [
          { name: 'accuracy', points: accuracy },
          { name: 'ROC AUC', points: auc },
        ],
        { title: 'Accuracy and ROC AUC (with outcomes)', xLabels: labels, xTitle: title, bounds: [0, 1] },
      ),
    );
  }
  const ece = reports.map((r) => r.calibration?.ece ?? null);
  if (ece.some((v) => v !== null))
    charts.push(
      trendChart([{ name: 'ECE', points: ece }], {
        title: 'Calibration error (ECE)',
        xLabels: labels,
        xTitle: title,
        include: [0],
        bounds: [0, 1],
      }),
    );
  if (charts.length === 0) return '';
  return `<div class="trends" data-windows="${reports.length}">${charts.map((c) => `<div class="card trend">${c}</div>`).join('')}</div>`;
}
