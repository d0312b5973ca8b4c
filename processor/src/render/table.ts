/**
 * Tables for the text and HTML reports. A cell is its text, or its text with a mark (a CSS class
 * in HTML, and a tooltip) when the value deserves attention.
 */
import { esc } from './svg.js';

export type Cell = string | { readonly text: string; readonly cls: string; readonly title?: string };

const textOf = (c: Cell): string => (typeof c === 'string' ? c : c.text);

/** Columns padded to their widest cell: the first (and those in `left`) left-aligned, the others right-aligned. */
export function textTable(
  head: readonly string[],
  rows: readonly (readonly Cell[])[],
  left: readonly number[] = [],
): string {
  const cells = rows.map((r) => r.map(textOf));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === 0 || left.includes(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function htmlCell(c: Cell): string {
  if (typeof c === 'string') return `<td>${esc(c)}</td>`;
  return `<td class="${esc(c.cls)}"${c.title ? ` title="${esc(c.title)}"` : ''}>${esc(c.text)}</td>`;
}

/** `rowAttrs` adds attributes to each row (e.g. ` data-check="missing"`). */
export function htmlTable(
  cls: string,
  head: readonly string[],
  rows: readonly (readonly Cell[])[],
  attrs = '',
  rowAttrs: (i: number) => string = () => '',
): string {
  return `<table class="${cls}"${attrs}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r, i) => `<tr${rowAttrs(i)}>${r.map(htmlCell).join('')}</tr>`)
    .join('')}</tbody></table>`;
}
