/** Aligned text tables and plain HTML tables for the report sections. */
import { esc } from './svg.js';

export function textTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** `rowAttrs` adds attributes to each row (e.g. ` data-check="missing"`). */
export function htmlTable(cls: string, head: readonly string[], rows: readonly (readonly string[])[], attrs = '', rowAttrs: (i: number) => string = () => ''): string {
  return `<table class="${cls}"${attrs}><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r, i) => `<tr${rowAttrs(i)}>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}
