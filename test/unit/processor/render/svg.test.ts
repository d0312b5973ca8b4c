import { describe, expect, it } from 'vitest';
import { niceAxis, trendChart } from '../../../../processor/src/render/svg.js';

const attrs = (tag: string) => Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
const tags = (svg: string, re: RegExp) => [...svg.matchAll(re)].map((m) => attrs(m[0]));

function layout(svg: string) {
  const area = attrs(svg.match(/<rect class="plot-area"[^>]*>/)![0]);
  const box = { x: Number(area.x), y: Number(area.y), w: Number(area.width), h: Number(area.height) };
  const points = tags(svg, /<circle class="pt"[^>]*>/g).map((a) => ({
    series: a['data-series']!,
    value: Number(a['data-value']),
    cx: Number(a.cx),
    cy: Number(a.cy),
    r: Number(a.r),
  }));
  const legendY = tags(svg, /<g class="legend-item"><line[^>]*>/g).map((a) => Number(a.y1));
  const legendText = [
    ...svg.matchAll(/<g class="legend-item">.*?<text x="[^"]*" y="([^"]*)"[^>]*>([^<]*)<\/text>/g),
  ].map((m) => ({ y: Number(m[1]), text: m[2]! }));
  const xTicks = [...svg.matchAll(/<text class="x-tick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
  const yTicks = [...svg.matchAll(/<text class="y-tick"[^>]*>([^<]*)<\/text>/g)].map((m) => Number(m[1]));
  return { box, points, legendY, legendText, xTicks, yTicks };
}

const labels = (n: number) => Array.from({ length: n }, (_, i) => `09:${String(i + 1).padStart(2, '0')}`);

describe('trend chart', () => {
  it('draws every value inside the plot area, above 1 too (PSI 0.85-1.4)', () => {
    const psi = [0.03, 0.02, 0.03, 0.01, 1.405, 1.259, 1.188, 0.85];
    const svg = trendChart([{ name: 'max feature PSI', points: psi }], {
      title: 'Max feature PSI',
      xLabels: labels(8),
      include: [0],
      limit: { value: 0.1, label: 'PSI a drift needs (0.1)' },
    });
    const { box, points, yTicks } = layout(svg);
    expect(points.map((p) => p.value)).toEqual(psi);
    for (const p of points) {
      expect(p.cx - p.r).toBeGreaterThanOrEqual(box.x);
      expect(p.cx + p.r).toBeLessThanOrEqual(box.x + box.w);
      expect(p.cy - p.r).toBeGreaterThanOrEqual(box.y);
      expect(p.cy + p.r).toBeLessThanOrEqual(box.y + box.h);
    }
    // a higher value is drawn higher: the axis is not clipped at 1
    const top = points.find((p) => p.value === 1.405)!;
    const lower = points.find((p) => p.value === 1.188)!;
    expect(top.cy).toBeLessThan(lower.cy);
    expect(Math.max(...yTicks)).toBeGreaterThanOrEqual(1.405);
    expect(Math.min(...yTicks)).toBe(0);
  });

  it('keeps the legend in its own band above the plot area', () => {
    const svg = trendChart(
      [
        { name: 'accuracy', points: [0.94, 0.93, 0.92, 0.95, 0.83] },
        { name: 'ROC AUC', points: [null, 0.73, 0.75, 0.78, 0.86] },
      ],
      { title: 'Accuracy and ROC AUC', xLabels: labels(5), bounds: [0, 1], width: 150 },
    );
    const { box, legendY, legendText, points } = layout(svg);
    expect(legendText.map((l) => l.text)).toEqual(['accuracy', 'ROC AUC']);
    // narrow: the legend wraps to a second row, and the plot area starts below both
    expect(new Set(legendY).size).toBe(2);
    for (const l of legendText) expect(l.y + 3).toBeLessThan(box.y);
    // a window without a value is not drawn
    expect(points.filter((p) => p.series === 'ROC AUC')).toHaveLength(4);
  });

  it('labels the x axis with times, thinning them out when they would collide, always keeping the newest', () => {
    const few = layout(
      trendChart([{ name: 'ECE', points: [0.01, 0.02, 0.03] }], { title: 'ECE', xLabels: ['09:01', '09:02', '09:03'] }),
    );
    expect(few.xTicks).toEqual(['09:03', '09:02', '09:01']);
    const many = layout(
      trendChart([{ name: 'ECE', points: Array.from({ length: 48 }, (_, i) => i / 100) }], {
        title: 'ECE',
        xLabels: labels(48),
      }),
    );
    expect(many.xTicks.length).toBeGreaterThan(3);
    expect(many.xTicks.length).toBeLessThan(12);
    expect(many.xTicks[0]).toBe('09:48');
  });

  it('chooses round axis ticks within bounds', () => {
    expect(niceAxis(0, 1.405)).toMatchObject({ lo: 0, hi: 1.5, ticks: [0, 0.5, 1, 1.5], decimals: 1 });
    expect(niceAxis(0.72, 0.95, [0, 1])).toMatchObject({ lo: 0.7, hi: 1, ticks: [0.7, 0.8, 0.9, 1], decimals: 1 });
    expect(niceAxis(0.9, 0.99, [0, 1]).hi).toBeLessThanOrEqual(1);
    const flat = niceAxis(0.5, 0.5);
    expect(flat.lo).toBeLessThan(0.5);
    expect(flat.hi).toBeGreaterThan(0.5);
  });
});
