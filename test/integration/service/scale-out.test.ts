/**
 * Scale-out (docs/scale-out.md): N processors behind the Collector's `loadbalancing` exporter with
 * `routing_key: attributes` on `ml.model.name`, each model's points routed to the instance the
 * exporter's consistent hashing chooses (test/helpers/loadbalancing.ts), and N changed in the middle
 * of windows, with a change that reaches the gateway replicas one export apart (a model's streams
 * at two instances at once). The windows are compared with those of one processor that received
 * everything: equal, except the windows in which a model moved, which are partial (a true part of
 * the period, never a double count) and said to be partial where the instance can know it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamProcessor } from '../../../processor/src/streams/processor.js';
import type { WindowSnapshot } from '../../../processor/src/windows/snapshot.js';
import type { Metric, ResourceMetrics } from '../../../processor/src/otlp/model.js';
import { HashRing, routeByAttributes } from '../../helpers/loadbalancing.js';
import { BOUNDS, T0, exportOf, histogramMetric, hp, np, sumMetric } from '../../unit/processor/streams/fixtures.js';

const MINUTE = 60_000;
const WINDOW = 5 * MINUTE;
const EXPORT = MINUTE;
const GAP = 150_000; // handoff gap: 2.5 export intervals
const ROUTING = ['ml.model.name'];
const MODELS = ['fraud', 'churn', 'ranker', 'eta', 'pricing', 'spam', 'ltv', 'search', 'risk', 'reco'];
const REPLICAS = ['r0', 'r1'];
const ENDPOINTS = ['otel-ml-0:14317', 'otel-ml-1:14317', 'otel-ml-2:14317'];
const EXPORTS = 40;
/** Senders start after the processors' state files were created (the case in which a moved series would be counted in full without the handoff gap). */
const SERIES_START = T0 + 1_000;

/**
 * Ring in force at export k for sender replica r: three instances, then two from minute 11 (early
 * in a window; r1's gateway one export late), then three again from minute 22.5 (late in a window;
 * r0's gateway one export late).
 */
function endpointsAt(k: number, replica: string): string[] {
  const t = k * EXPORT + 1_000;
  const lag = replica === 'r1' ? EXPORT : 0;
  const lagBack = replica === 'r0' ? EXPORT : 0;
  if (t < 11 * MINUTE + lag) return ENDPOINTS;
  if (t < 22.5 * MINUTE + lagBack) return ENDPOINTS.slice(0, 2);
  return ENDPOINTS;
}

/** Deterministic per-export counts (a small LCG): every export adds new rows to each series. */
function rowsAt(model: number, replica: number, k: number): number[] {
  let s = (model * 7919 + replica * 104_729 + k * 1_299_709) >>> 0;
  const out: number[] = [];
  for (let i = 0; i <= BOUNDS.length; i++) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    out.push(1 + ((s >>> 16) % 6));
  }
  return out;
}

/** The cumulative export of one sender replica at export k (all its models). */
function senderExport(replica: number, k: number): ResourceMetrics {
  const time = T0 + (k + 1) * EXPORT;
  const metrics: Metric[] = [];
  MODELS.forEach((name, m) => {
    const total = Array.from({ length: BOUNDS.length + 1 }, () => 0);
    for (let j = 0; j <= k; j++) rowsAt(m, replica, j).forEach((c, i) => (total[i]! += c));
    const rows = total.reduce((a, b) => a + b, 0);
    const attrs = { 'ml.model.name': name, 'ml.model.version': '1' };
    metrics.push(
      histogramMetric(
        'ml.feature.value',
        'cumulative',
        hp({ ...attrs, 'ml.feature.name': 'x' }, SERIES_START, time, BOUNDS, total),
      ),
    );
    metrics.push(sumMetric('ml.predictions', 'cumulative', np(attrs, SERIES_START, time, rows)));
  });
  return {
    resource: { attributes: { 'service.name': 'scoring', 'service.instance.id': REPLICAS[replica]! } },
    schemaUrl: '',
    scopeMetrics: [
      { scope: { name: '@otel-ml/instrumentation', version: '1', attributes: {} }, schemaUrl: '', metrics },
    ],
  };
}

const dir = mkdtempSync(join(tmpdir(), 'otel-ml-scale-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(name: string, clock: { now: number }): StreamProcessor {
  return StreamProcessor.open({
    path: join(dir, `${name}.db`),
    clock: () => clock.now,
    windows: { lengthMs: WINDOW, minRows: 1 },
    limits: { handoffGapMs: GAP },
  });
}

const modelOf = (key: string) => (JSON.parse(key) as string[])[0]!;

describe('scale-out behind the loadbalancing exporter (routing_key: attributes, ml.model.name)', () => {
  it('the ring keeps every stream of a model on one instance and moves only what the change requires', () => {
    const three = new HashRing(ENDPOINTS);
    const two = new HashRing(ENDPOINTS.slice(0, 2));
    // the order of the endpoints does not matter (the resolvers sort them)
    expect(MODELS.map((m) => new HashRing([...ENDPOINTS].reverse()).endpointFor(`ml.model.name=${m}|`))).toEqual(
      MODELS.map((m) => three.endpointFor(`ml.model.name=${m}|`)),
    );
    const parts = routeByAttributes(exportOf(senderExport(0, 0)), three, ROUTING);
    for (const [endpoint, part] of parts) {
      for (const m of part.resourceMetrics[0]!.scopeMetrics[0]!.metrics) {
        for (const p of m.data.type === 'summary' ? [] : m.data.points)
          expect(three.endpointFor(`ml.model.name=${String(p.attributes['ml.model.name'])}|`)).toBe(endpoint);
      }
    }
    // removing otel-ml-2 moves exactly its models; the others stay
    const keys = Array.from({ length: 3000 }, (_, i) => `ml.model.name=model-${i}|`);
    let moved = 0;
    for (const k of keys) {
      const before = three.endpointFor(k);
      if (before === ENDPOINTS[2]) moved++;
      else expect(two.endpointFor(k)).toBe(before);
    }
    // about a third of the keys, each endpoint about a third (100 positions each)
    expect(moved / keys.length).toBeGreaterThan(0.2);
    expect(moved / keys.length).toBeLessThan(0.45);
    // the models of this test: some move in each change (else the test below proves nothing)
    expect(MODELS.filter((m) => three.endpointFor(`ml.model.name=${m}|`) === ENDPOINTS[2]).length).toBeGreaterThan(0);
  });

  it('N instances give the windows of one processor, except the partial windows of the models that moved; nothing counted twice', () => {
    const clock = { now: T0 };
    const single = open('single', clock);
    const instances = new Map(ENDPOINTS.map((e, i) => [e, open(`instance-${i}`, clock)]));
    const closed = new Map<string, WindowSnapshot[]>(ENDPOINTS.map((e) => [e, []]));
    const singleClosed: WindowSnapshot[] = [];
    /** Instances a model's points reach at export k (one per replica). */
    const routeOf = (model: string, k: number) =>
      new Set(REPLICAS.map((r) => new HashRing(endpointsAt(k, r)).endpointFor(`ml.model.name=${model}|`)));
    const windowOf = (k: number) => Math.floor((T0 + (k + 1) * EXPORT - 30_000) / WINDOW) * WINDOW;
    /** The model's points of this window, and the point before it (the cursor its first delta is taken from), all reached one instance. */
    const stable = (model: string, start: number) => {
      const ks = Array.from({ length: EXPORTS }, (_, k) => k).filter((k) => windowOf(k) === start);
      const seen = new Set([ks[0]! - 1, ...ks].filter((k) => k >= 0).flatMap((k) => [...routeOf(model, k)]));
      return seen.size === 1;
    };

    for (let k = 0; k < EXPORTS; k++) {
      // arrivals half an export before the minute, the windows closed 10 s later: no arrival falls
      // between a window's end and the pass that closes it (there, an instance with the window
      // open would count it in the old window and one without in the new one)
      clock.now = T0 + (k + 1) * EXPORT - 30_000;
      for (let r = 0; r < REPLICAS.length; r++) {
        const exp = exportOf(senderExport(r, k));
        expect(single.ingest(exp).rejectedDataPoints).toBe(0);
        const ring = new HashRing(endpointsAt(k, REPLICAS[r]!));
        for (const [endpoint, part] of routeByAttributes(exp, ring, ROUTING)) {
          expect(instances.get(endpoint)!.ingest(part).rejectedDataPoints).toBe(0);
        }
      }
      // every instance keeps running (a removed one drains: its open windows close at their end)
      clock.now += 10_000;
      singleClosed.push(...single.closeDueWindows());
      for (const [e, p] of instances) {
        closed.get(e)!.push(...p.closeDueWindows());
      }
    }

    const whole = singleClosed;
    expect(whole.length).toBe(MODELS.length * Math.floor((EXPORTS * EXPORT - 20_000) / WINDOW));
    expect(whole.every((w) => w.partial === undefined)).toBe(true);
    let partialWindows = 0;
    let movedWindows = 0;
    for (const w of whole) {
      const model = modelOf(w.modelKey);
      const parts = [...closed].flatMap(([e, list]) =>
        list.filter((x) => x.modelKey === w.modelKey && x.start === w.start).map((x) => ({ e, x })),
      );
      if (stable(model, w.start)) {
        // the model stayed on one instance: the same window as one processor's
        expect(
          parts.map((p) => p.x),
          `${model} ${new Date(w.start).toISOString()}`,
        ).toEqual([w]);
        continue;
      }
      movedWindows++;
      // a window in which the model moved: each instance holds a true part of the period, the parts add up to no more than the whole
      const label = `${model} ${new Date(w.start).toISOString()}: ${JSON.stringify(parts.map((p) => [p.e, p.x.rows, p.x.partial]))}`;
      expect(
        parts.reduce((a, p) => a + p.x.rows, 0),
        label,
      ).toBeLessThanOrEqual(w.rows);
      const counts = w.features.x!.histogram!.counts;
      counts.forEach((c, i) =>
        expect(
          parts.reduce((a, p) => a + (p.x.features.x?.histogram?.counts[i] ?? 0), 0),
          label,
        ).toBeLessThanOrEqual(c),
      );
      for (const p of parts) {
        if (p.x.partial !== undefined) {
          partialWindows++;
          continue;
        }
        // unmarked and not the whole: only the last window of the instance the model is leaving (to it, senders that stopped)
        const ks = Array.from({ length: EXPORTS }, (_, k) => k).filter(
          (k) => windowOf(k) === w.start || windowOf(k) === w.start + WINDOW,
        );
        expect(
          ks.some((k) => !routeOf(model, k).has(p.e)),
          label,
        ).toBe(true);
      }
    }
    // both changes moved models (the second one back to the instance that still had their cursors: 'resumed')
    expect(movedWindows).toBeGreaterThan(0);
    expect(partialWindows).toBeGreaterThan(0);
    const reasons = new Set([...closed.values()].flat().flatMap((w) => w.partial ?? []));
    expect(reasons).toEqual(new Set(['joined', 'resumed', 'left']));
    single.close();
    for (const p of instances.values()) p.close();
  });

  it('a partial mark is kept with the open window across a restart', () => {
    const clock = { now: T0 + 11 * MINUTE };
    let p = open('restart', clock);
    // a model routed here 11 minutes after its series started: joined, then counted
    p.ingest(exportOf(senderExport(0, 10)));
    clock.now += EXPORT;
    p.ingest(exportOf(senderExport(0, 11)));
    const before = p.openWindows().filter((w) => modelOf(w.modelKey) === 'fraud');
    expect(before.map((w) => w.partial)).toEqual([['joined']]);
    p.close();
    p = open('restart', clock);
    expect(p.openWindows().filter((w) => modelOf(w.modelKey) === 'fraud')).toEqual(before);
    clock.now = T0 + 15 * MINUTE + 1;
    // nothing came after minute 12: it also left more than the gap before the end
    expect(p.closeDueWindows().find((w) => modelOf(w.modelKey) === 'fraud')!.partial).toEqual(['joined', 'left']);
    p.close();
  });
});
