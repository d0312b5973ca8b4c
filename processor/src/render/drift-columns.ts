/**
 * The drift statistics' columns of the reports' distribution tables and their part of a feature
 * card, as the registry of drift statistics (statistics/registry.ts) declares them.
 */
import type { DistributionReport } from '../analysis/report-types.js';
import { DRIFT_STATISTICS, readDriftStatistic, type DriftCell, type DriftReading } from '../statistics/registry.js';
import { fmt, pval } from './format.js';

/** A table cell: the value, its critical value or p-value, or the value with either beside it ('-' without a value). */
function tableCell(r: DriftReading, cell: DriftCell): string {
  switch (cell) {
    case 'value':
      return fmt(r.value);
    case 'critical':
      return fmt(r.critical);
    case 'pValue':
      return pval(r.pValue);
    case 'value (critical)':
      return r.value === null ? '-' : `${fmt(r.value)} (${fmt(r.critical)})`;
    case 'value (p)':
      return r.value === null ? '-' : `${fmt(r.value)} (p ${pval(r.pValue)})`;
  }
}

/** A card's part: the same, the critical value named. */
function cardCell(r: DriftReading, cell: DriftCell): string {
  switch (cell) {
    case 'value (critical)':
      return `${fmt(r.value)} (critical ${fmt(r.critical)})`;
    case 'value (p)':
      return `${fmt(r.value)} (p ${pval(r.pValue)})`;
    default:
      return tableCell(r, cell);
  }
}

const TEXT = DRIFT_STATISTICS.flatMap((s) =>
  s.display.text ? [{ s, head: s.display.text[0], cell: s.display.text[1] }] : [],
);
const HTML = DRIFT_STATISTICS.flatMap((s) => s.display.html.map(([head, cell]) => ({ s, head, cell })));
const CARD = DRIFT_STATISTICS.flatMap((s) =>
  s.display.card ? [{ s, label: s.display.card[0], cell: s.display.card[1] }] : [],
);

/** The heads of the statistics' columns in the text tables. */
export const TEXT_STATISTIC_HEADS: readonly string[] = TEXT.map((c) => c.head);
/** The heads of the statistics' columns in the HTML feature table. */
export const HTML_STATISTIC_HEADS: readonly string[] = HTML.map((c) => c.head);

export const textStatisticCells = (f: DistributionReport): string[] =>
  TEXT.map((c) => tableCell(readDriftStatistic(c.s, f), c.cell));
export const htmlStatisticCells = (f: DistributionReport): string[] =>
  HTML.map((c) => tableCell(readDriftStatistic(c.s, f), c.cell));
/** A feature card's line of statistics ("PSI 0.2 (critical 0.02) · JS 0.1 · ..."). */
export const cardStatistics = (f: DistributionReport): string =>
  CARD.map((c) => `${c.label} ${cardCell(readDriftStatistic(c.s, f), c.cell)}`).join(' · ');
