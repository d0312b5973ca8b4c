/**
 * Where the time of a V8 CPU profile went (`node --cpu-prof`, e.g. `npm run bench:http -- --profile
 * <dir>`): self time by function and by source file, and inclusive time of chosen functions.
 *
 *   npx tsx processor/bench/cpuprofile-summary.ts <file.cpuprofile> [--top 30]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
if (!file) throw new Error('usage: cpuprofile-summary.ts <file.cpuprofile> [--top N]');
const topArg = process.argv.indexOf('--top');
const TOP = topArg > 0 ? Number(process.argv[topArg + 1]) : 30;
const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfUs = new Map<number, number>();
for (let i = 0; i < p.samples.length; i++)
  selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

const shortUrl = (u: string) =>
  u.replace(/^.*\/(processor|conventions|instrumentation|node_modules)\//, '$1/').replace(/^file:\/\//, '');
const label = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${shortUrl(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;

const self = new Map<string, number>();
const byFile = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const n = byId.get(id)!;
  self.set(label(n), (self.get(label(n)) ?? 0) + us);
  const f = shortUrl(n.callFrame.url) || n.callFrame.functionName;
  byFile.set(f, (byFile.get(f) ?? 0) + us);
  // inclusive: each function on the stack once
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const l = label(byId.get(at)!);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + us);
  }
}
const table = (m: Map<string, number>) =>
  [...m]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([k, us]) => ({
      where: k.length > 110 ? `…${k.slice(-109)}` : k,
      ms: Math.round(us / 1000),
      '%': +((100 * us) / totalUs).toFixed(1),
    }));
console.log(`${file}: ${Math.round(totalUs / 1000)} ms sampled`);
console.log('self time by function');
console.table(table(self));
console.log('self time by file');
console.table(table(byFile));
console.log('inclusive time by function');
console.table(table(inclusive));
