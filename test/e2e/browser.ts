/**
 * Debian's headless Chromium, driven by playwright-core, for the end-to-end tests of the pages
 * people look at (status page, reports): a browser, DOM checks of the charts, and screenshots
 * kept as test artifacts.
 *
 * Screenshots go to test-artifacts/ at the repository root (git-ignored), or to
 * OTEL_ML_ARTIFACTS_DIR; with OTEL_ML_SHOW_ARTIFACTS=1 the tests say where they wrote them.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { REPO } from '../helpers/tsx.js';
import { requireBinaries } from './servers.js';

export const CHROMIUM = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  requireBinaries([CHROMIUM]);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
}

/** Where the screenshot `name` is kept (the folder is created). */
export function artifactPath(name: string): string {
  const dir = resolve(process.env.OTEL_ML_ARTIFACTS_DIR ?? join(REPO, 'test-artifacts'));
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** A full-page screenshot kept as a test artifact; returns its path. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  const file = artifactPath(name);
  await page.screenshot({ path: file, fullPage: true, timeout: 30_000 });
  if (process.env.OTEL_ML_SHOW_ARTIFACTS === '1') process.stdout.write(`screenshot: ${file}\n`);
  return file;
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** What a person sees of one trend chart, in page pixels. */
export interface TrendChartLayout {
  readonly title: string;
  readonly plot: Box;
  readonly points: readonly { readonly series: string; readonly value: number; readonly box: Box }[];
  readonly legend: readonly { readonly text: string; readonly box: Box }[];
  readonly lines: readonly Box[];
  readonly xTicks: readonly { readonly text: string; readonly box: Box }[];
  readonly yTicks: readonly string[];
  readonly svg: Box;
}

/** The rendered geometry of every trend chart under `scope`. */
export async function trendChartLayouts(scope: Locator): Promise<TrendChartLayout[]> {
  return scope.locator('svg.trend').evaluateAll((svgs) => {
    const box = (e: { getBoundingClientRect(): { x: number; y: number; width: number; height: number } }) => {
      const r = e.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    return svgs.map((svg) => ({
      title: svg.getAttribute('aria-label') ?? '',
      svg: box(svg),
      plot: box(svg.querySelector('rect.plot-area')!),
      points: [...svg.querySelectorAll('circle.pt')].map((c) => ({
        series: c.getAttribute('data-series') ?? '',
        value: Number(c.getAttribute('data-value')),
        box: box(c),
      })),
      legend: [...svg.querySelectorAll('g.legend-item')].map((g) => ({ text: g.textContent ?? '', box: box(g) })),
      lines: [...svg.querySelectorAll('polyline.series, line.limit')].map(box),
      xTicks: [...svg.querySelectorAll('text.x-tick')].map((t) => ({ text: t.textContent ?? '', box: box(t) })),
      yTicks: [...svg.querySelectorAll('text.y-tick')].map((t) => t.textContent ?? ''),
    }));
  });
}

const inside = (a: Box, b: Box, slack = 0.5) =>
  a.x >= b.x - slack &&
  a.y >= b.y - slack &&
  a.x + a.width <= b.x + b.width + slack &&
  a.y + a.height <= b.y + b.height + slack;
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * What is wrong with a chart as a person sees it: points outside the plot area, legends over the
 * plot area or its lines, x labels that overlap each other or leave the chart. Empty when clear.
 */
export function chartProblems(c: TrendChartLayout): string[] {
  const out: string[] = [];
  for (const p of c.points)
    if (!inside(p.box, c.plot)) out.push(`${c.title}: point ${p.series}=${p.value} outside the plot area`);
  for (const l of c.legend) {
    if (overlap(l.box, c.plot)) out.push(`${c.title}: legend "${l.text}" over the plot area`);
    for (const line of c.lines) if (overlap(l.box, line)) out.push(`${c.title}: legend "${l.text}" crosses a line`);
  }
  for (let i = 1; i < c.xTicks.length; i++)
    if (overlap(c.xTicks[i - 1]!.box, c.xTicks[i]!.box))
      out.push(`${c.title}: x labels ${c.xTicks[i - 1]!.text} and ${c.xTicks[i]!.text} overlap`);
  for (const t of c.xTicks) if (!inside(t.box, c.svg)) out.push(`${c.title}: x label ${t.text} cut off`);
  for (let i = 1; i < c.legend.length; i++)
    if (overlap(c.legend[i - 1]!.box, c.legend[i]!.box)) out.push(`${c.title}: legend items overlap`);
  return out;
}
