/**
 * Package boundaries: conventions imports nothing of ours; instrumentation imports conventions
 * only and stays light (no native modules, protobuf, databases); the processor never flows back
 * into the instrumentation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

const pkg = (name: string) => JSON.parse(readFileSync(join(REPO, name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };
const HEAVY = ['protobufjs', '@grpc/grpc-js', 'better-sqlite3', 'onnxruntime-node', '@tensorflow/tfjs', 'csv-parse', 'yaml', 'commander'];

describe('workspace boundaries', () => {
  it('conventions imports nothing of ours and has no runtime dependencies', () => {
    expect(pkg('conventions').dependencies ?? {}).toEqual({});
    for (const f of sources(join(REPO, 'conventions', 'src'))) {
      for (const spec of importsOf(f)) expect(spec.startsWith('.') || spec.startsWith('node:'), `${f}: ${spec}`).toBe(true);
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
