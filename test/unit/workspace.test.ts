/**
 * Package boundaries: conventions imports nothing of ours; instrumentation imports conventions
 * only and stays light (no native modules, protobuf, databases); the processor never flows back
 * into the instrumentation.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/tsx.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(
      /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3]!);
}

const pkg = (name: string) =>
  JSON.parse(readFileSync(join(REPO, name, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
const HEAVY = [
  'protobufjs',
  '@grpc/grpc-js',
  'better-sqlite3',
  'onnxruntime-node',
  '@tensorflow/tfjs',
  'csv-parse',
  'yaml',
  'commander',
];

describe('workspace boundaries', () => {
  it('conventions imports nothing of ours and has no runtime dependencies', () => {
    expect(pkg('conventions').dependencies ?? {}).toEqual({});
    for (const f of sources(join(REPO, 'conventions', 'src'))) {
      for (const spec of importsOf(f))
        expect(spec.startsWith('.') || spec.startsWith('node:'), `${f}: ${spec}`).toBe(true);
    }
  });

  it('instrumentation depends on conventions and OpenTelemetry only, nothing heavy', () => {
    const deps = Object.keys(pkg('instrumentation').dependencies ?? {});
    expect(deps.sort()).toEqual(['@opentelemetry/instrumentation', '@otel-ml/conventions']);
    for (const f of sources(join(REPO, 'instrumentation', 'src'))) {
      for (const spec of importsOf(f)) {
        expect(spec.startsWith('@otel-ml/processor'), `${f} imports ${spec}`).toBe(false);
        expect(spec.includes('/processor/'), `${f} imports ${spec}`).toBe(false);
        expect(HEAVY.includes(spec), `${f} imports ${spec}`).toBe(false);
      }
    }
  });

  it('the processor imports the other packages only through their public entry points', () => {
    for (const f of sources(join(REPO, 'processor', 'src'))) {
      for (const spec of importsOf(f)) {
        expect(/\.\.\/(\.\.\/)*(instrumentation|conventions)\//.test(spec), `${f} imports ${spec}`).toBe(false);
      }
    }
  });
});

/**
 * Layers inside the processor (docs/ARCHITECTURE.md): a folder imports only folders on a lower
 * layer, never one on its own layer or above, so no cycle can form between folders.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['cli'],
  ['service', 'offline'],
  ['render'],
  ['analysis'],
  ['streams', 'receiver'],
  ['store'],
  ['windows'],
  ['statistics', 'model'],
  ['otlp'],
];
const layerOf = (folder: string): number => LAYERS.findIndex((l) => l.includes(folder));

describe('processor layers', () => {
  const root = join(REPO, 'processor', 'src');
  const folderOf = (rel: string): string => (rel.includes('/') ? rel.split('/')[0]! : 'cli');

  it('every folder of the processor has a layer', () => {
    const folders = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    for (const f of folders)
      expect(layerOf(f), `processor/src/${f} is in no layer of docs/ARCHITECTURE.md`).toBeGreaterThanOrEqual(0);
  });

  it('imports point downward only', () => {
    const upward: string[] = [];
    for (const file of sources(root)) {
      const rel = relative(root, file);
      const from = folderOf(rel);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const to = folderOf(relative(root, join(dirname(file), spec)));
        if (to === from) continue;
        if (!(layerOf(to) > layerOf(from))) upward.push(`${rel} -> ${spec} (${from} may not import ${to})`);
      }
    }
    expect(upward).toEqual([]);
  });
});

/**
 * Unit tests mirror the source (docs/ARCHITECTURE.md): the test of `<package>/src/<path>/<module>.ts`
 * is `test/unit/<package>/<path>/<module>.test.ts`, and a test named for a behaviour sits in the
 * folder of the code it drives, so every folder of test/unit names a folder of a package's source.
 */
describe('test layout', () => {
  it('every folder of test/unit mirrors a source folder', () => {
    const unit = join(REPO, 'test', 'unit');
    const folders = readdirSync(unit, { recursive: true })
      .map(String)
      .filter((f) => statSync(join(unit, f)).isDirectory());
    const stray: string[] = [];
    for (const f of folders) {
      const [pkgName, ...rest] = f.split('/');
      if (!existsSync(join(REPO, pkgName!, 'src', ...rest))) stray.push(`test/unit/${f}`);
    }
    expect(folders.length).toBeGreaterThan(0);
    expect(stray).toEqual([]);
  });
});
