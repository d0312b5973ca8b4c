#!/usr/bin/env node
// Reads the YAML registry under conventions/model/ (OpenTelemetry Weaver registry format),
// validates it, and writes TypeScript constants (conventions/src/generated/) and Markdown
// docs (conventions/docs/). With --check, writes nothing and exits 1 when the committed
// output differs from what the registry generates.
import { readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const modelDir = join(root, 'model');
const generatedDir = join(root, 'src', 'generated');
const docsDir = join(root, 'docs');
const check = process.argv.includes('--check');

const INSTRUMENTS = new Set(['counter', 'updowncounter', 'gauge', 'histogram']);
const GROUP_TYPES = new Set(['attribute_group', 'metric', 'span', 'event']);
const STABILITY = new Set(['development', 'alpha', 'beta', 'release_candidate', 'stable']);
const SPAN_KINDS = new Set(['internal', 'client', 'server', 'producer', 'consumer']);
const SIMPLE_TYPES = new Set(['string', 'int', 'double', 'boolean', 'string[]', 'int[]', 'double[]', 'boolean[]']);

class RegistryError extends Error {}
const fail = (where, msg) => {
  throw new RegistryError(`${where}: ${msg}`);
};

// ---------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------
function yamlFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
}

function load() {
  const manifestPath = join(modelDir, 'manifest.yaml');
  const manifest = parse(readFileSync(manifestPath, 'utf8'));
  for (const key of ['name', 'schema_url', 'semconv_version']) {
    if (typeof manifest?.[key] !== 'string') fail('model/manifest.yaml', `missing string field "${key}"`);
  }
  const external = new Map();
  for (const dep of manifest.dependencies ?? []) {
    for (const id of dep.attributes ?? []) external.set(id, { id, external: dep.name, type: 'string' });
  }
  const groups = [];
  for (const file of yamlFiles(modelDir)) {
    if (file === 'manifest.yaml') continue;
    const doc = parse(readFileSync(join(modelDir, file), 'utf8'));
    if (!doc || !Array.isArray(doc.groups)) fail(`model/${file}`, 'expected a top-level "groups" list');
    for (const g of doc.groups) groups.push({ ...g, file: `model/${file}` });
  }
  return { manifest, groups, external };
}

// ---------------------------------------------------------------------------------------------
// Validate and resolve
// ---------------------------------------------------------------------------------------------
function normaliseType(type, where) {
  if (typeof type === 'string') {
    if (SIMPLE_TYPES.has(type)) return { kind: 'simple', name: type };
    const m = /^template\[(string|int|double|boolean|string\[\])\]$/.exec(type);
    if (m) return { kind: 'template', name: m[1] };
    fail(where, `unknown attribute type "${type}"`);
  }
  if (type && Array.isArray(type.members)) {
    const seen = new Set();
    const members = type.members.map((m) => {
      if (typeof m.id !== 'string' || m.value === undefined) fail(where, 'enum member needs id and value');
      if (seen.has(m.value)) fail(where, `duplicate enum value "${m.value}"`);
      seen.add(m.value);
      if (!m.brief) fail(where, `enum member "${m.id}" needs a brief`);
      if (!STABILITY.has(m.stability)) fail(where, `enum member "${m.id}" has invalid stability "${m.stability}"`);
      return { id: m.id, value: m.value, brief: String(m.brief).trim(), stability: m.stability };
    });
    const valueType = members.every((m) => typeof m.value === 'string') ? 'string' : 'int';
    return { kind: 'enum', name: valueType, members };
  }
  fail(where, 'attribute needs a type');
}

function normaliseRequirement(level, where) {
  if (typeof level === 'string') {
    if (!['required', 'recommended', 'opt_in'].includes(level)) fail(where, `invalid requirement_level "${level}"`);
    return { level, note: '' };
  }
  if (level && typeof level === 'object') {
    const [key] = Object.keys(level);
    if (!['conditionally_required', 'recommended', 'opt_in'].includes(key))
      fail(where, `invalid requirement_level "${key}"`);
    return { level: key, note: String(level[key]).trim() };
  }
  return { level: 'recommended', note: '' };
}

function expandBuckets(ann, where) {
  if (!ann) return undefined;
  if (Array.isArray(ann.buckets)) {
    const b = ann.buckets.map(Number);
    checkIncreasing(b, where);
    return b;
  }
  if (ann.buckets_linear) {
    const { start, width, count } = ann.buckets_linear;
    if (![start, width, count].every((x) => Number.isFinite(x)) || count < 1 || width <= 0) {
      fail(where, 'buckets_linear needs finite start, positive width and count >= 1');
    }
    const b = [];
    for (let i = 0; i < count; i++) b.push(Math.round((start + i * width) * 1e9) / 1e9);
    checkIncreasing(b, where);
    return b;
  }
  return undefined;
}

/** annotations.otel_ml.exponential: { max_size, max_scale } of a histogram aggregated as a base-2 exponential histogram. */
function exponentialOf(ann, where) {
  const e = ann?.exponential;
  if (e === undefined) return undefined;
  const { max_size: maxSize, max_scale: maxScale } = e ?? {};
  if (!Number.isInteger(maxSize) || maxSize < 2) fail(where, 'exponential.max_size must be an integer >= 2');
  if (!Number.isInteger(maxScale) || maxScale < -10 || maxScale > 20)
    fail(where, 'exponential.max_scale must be an integer in [-10, 20]');
  if (ann.buckets !== undefined || ann.buckets_linear !== undefined)
    fail(where, 'a metric has either exponential or explicit default buckets, not both');
  return { maxSize, maxScale };
}

function checkIncreasing(b, where) {
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(b[i])) fail(where, `bucket boundary ${i} is not a finite number`);
    if (i > 0 && !(b[i] > b[i - 1])) fail(where, `bucket boundaries must increase (index ${i})`);
  }
}

function resolve({ manifest, groups, external }) {
  const attributes = new Map();
  const groupIds = new Set();
  for (const g of groups) {
    const where = `${g.file} group "${g.id}"`;
    if (typeof g.id !== 'string') fail(g.file, 'group without id');
    if (groupIds.has(g.id)) fail(where, 'duplicate group id');
    groupIds.add(g.id);
    if (!GROUP_TYPES.has(g.type)) fail(where, `unknown group type "${g.type}"`);
    if (!g.brief) fail(where, 'missing brief');
    for (const a of g.attributes ?? []) {
      if (a.id === undefined) continue;
      const aw = `${where} attribute "${a.id}"`;
      if (attributes.has(a.id) || external.has(a.id)) fail(aw, 'defined twice');
      if (!a.brief) fail(aw, 'missing brief');
      if (!STABILITY.has(a.stability)) fail(aw, `invalid stability "${a.stability}"`);
      const type = normaliseType(a.type, aw);
      const ann = a.annotations?.otel_ml ?? {};
      if (typeof ann.on_metrics !== 'boolean')
        fail(aw, 'annotations.otel_ml.on_metrics (true/false) is required: say whether it may go on metrics');
      if (type.kind !== 'template' && (!Array.isArray(a.examples) || a.examples.length === 0) && type.kind !== 'enum') {
        fail(aw, 'missing examples');
      }
      attributes.set(a.id, {
        id: a.id,
        group: g.id,
        type,
        brief: String(a.brief).trim(),
        note: a.note ? String(a.note).trim() : '',
        examples: a.examples ?? [],
        stability: a.stability,
        onMetrics: ann.on_metrics,
        openEnum: ann.open_enum === true,
        overflow: ann.overflow,
      });
    }
  }

  const byId = new Map(groups.map((g) => [g.id, g]));
  const refsOf = (g, stack = []) => {
    const where = `${g.file} group "${g.id}"`;
    if (stack.includes(g.id)) fail(where, `extends cycle ${[...stack, g.id].join(' -> ')}`);
    let refs = [];
    if (g.extends) {
      const parent = byId.get(g.extends);
      if (!parent) fail(where, `extends unknown group "${g.extends}"`);
      refs = refsOf(parent, [...stack, g.id]);
    }
    for (const a of g.attributes ?? []) {
      const id = a.ref ?? a.id;
      const aw = `${where} attribute "${id}"`;
      if (!attributes.has(id) && !external.has(id)) fail(aw, 'reference to an attribute the registry does not define');
      const req = normaliseRequirement(a.requirement_level, aw);
      refs = refs.filter((r) => r.id !== id);
      refs.push({ id, ...req });
    }
    return refs;
  };

  const out = { manifest, attributes, external, attributeGroups: [], metrics: [], spans: [], events: [] };
  for (const g of groups) {
    const where = `${g.file} group "${g.id}"`;
    const refs = refsOf(g);
    if (g.type === 'attribute_group') {
      out.attributeGroups.push({
        id: g.id,
        displayName: g.display_name ?? g.id,
        brief: String(g.brief).trim(),
        refs,
        defines: (g.attributes ?? []).filter((a) => a.id).map((a) => a.id),
      });
      continue;
    }
    if (!STABILITY.has(g.stability)) fail(where, `invalid stability "${g.stability}"`);
    const base = {
      id: g.id,
      brief: String(g.brief).trim(),
      note: g.note ? String(g.note).trim() : '',
      stability: g.stability,
      refs,
      file: g.file,
    };
    if (g.type === 'metric') {
      if (typeof g.metric_name !== 'string') fail(where, 'missing metric_name');
      if (!INSTRUMENTS.has(g.instrument)) fail(where, `invalid instrument "${g.instrument}"`);
      if (typeof g.unit !== 'string') fail(where, 'missing unit');
      for (const r of refs) {
        const attr = attributes.get(r.id);
        if (attr && !attr.onMetrics) fail(where, `attribute "${r.id}" is not allowed on metrics (unbounded values)`);
      }
      const ann = g.annotations?.otel_ml;
      const exponential = exponentialOf(ann, where);
      if (exponential && g.instrument !== 'histogram') fail(where, 'only histograms can be exponential');
      const bucketsSource = ann?.buckets_source ?? 'fixed';
      if (!['fixed', 'baseline', 'default'].includes(bucketsSource))
        fail(where, `invalid buckets_source "${bucketsSource}"`);
      out.metrics.push({
        ...base,
        name: g.metric_name,
        instrument: g.instrument,
        unit: g.unit,
        buckets: expandBuckets(ann, where),
        bucketsSource,
        exponential,
      });
    } else if (g.type === 'span') {
      if (!SPAN_KINDS.has(g.span_kind)) fail(where, `invalid span_kind "${g.span_kind}"`);
      out.spans.push({ ...base, kind: g.span_kind });
    } else if (g.type === 'event') {
      if (typeof g.name !== 'string') fail(where, 'missing event name');
      out.events.push({ ...base, name: g.name });
    }
  }
  const metricNames = new Set();
  for (const m of out.metrics) {
    if (metricNames.has(m.name)) fail(m.file, `metric "${m.name}" defined twice`);
    metricNames.add(m.name);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// TypeScript
// ---------------------------------------------------------------------------------------------
const constName = (id) => id.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
const HEADER = '// Generated by conventions/scripts/generate.mjs from conventions/model/. Do not edit.\n';
const doc = (lines) => {
  const text = lines.filter(Boolean).join('\n\n').split('\n');
  return `/**\n${text.map((l) => (l ? ` * ${l.replace(/\*\//g, '*\\/')}` : ' *')).join('\n')}\n */\n`;
};
const lit = (v) => JSON.stringify(v);

function genAttributes(reg) {
  let s = HEADER;
  for (const a of [...reg.attributes.values()].sort((x, y) => x.id.localeCompare(y.id))) {
    const lines = [
      a.brief,
      a.note,
      a.onMetrics ? 'May be used on metrics.' : 'Not for metrics: unbounded values (spans or events only).',
      `@stability ${a.stability}`,
    ];
    if (a.type.kind === 'template') {
      s += `\n${doc([...lines.slice(0, 3), `Template: \`${a.id}.<key>\`.`, lines[3]])}export const ATTR_${constName(a.id)} = (key: string): string => \`${a.id}.\${key}\`;\n`;
    } else {
      s += `\n${doc(lines)}export const ATTR_${constName(a.id)} = ${lit(a.id)} as const;\n`;
    }
    if (a.type.kind === 'enum') {
      for (const m of a.type.members) {
        s += `\n${doc([m.brief])}export const ${constName(a.id)}_VALUE_${constName(m.id)} = ${lit(m.value)} as const;\n`;
      }
      s += `\n/** The values of \`${a.id}\`. */\nexport type ${a.id
        .split('.')
        .map((p) => p.replace(/(^|_)([a-z])/g, (_, _u, c) => c.toUpperCase()))
        .join('')}Value =\n${a.type.members.map((m) => `  | ${lit(m.value)}`).join('\n')};\n`;
    }
    if (a.overflow)
      s += `\n/** The value that stands for every ${a.id} outside the bounded set. */\nexport const ${constName(a.id)}_OVERFLOW = ${lit(a.overflow)} as const;\n`;
  }
  for (const e of [...reg.external.values()]) {
    s += `\n/** OpenTelemetry attribute \`${e.id}\`, reused. */\nexport const ATTR_${constName(e.id)} = ${lit(e.id)} as const;\n`;
  }
  return s;
}

function genMetrics(reg) {
  let s = HEADER;
  for (const m of reg.metrics) {
    const lines = [
      m.brief,
      m.note,
      `Instrument: \`${m.instrument}\`. Unit: \`${m.unit}\`.`,
      `@stability ${m.stability}`,
    ];
    s += `\n${doc(lines)}export const METRIC_${constName(m.name)} = ${lit(m.name)} as const;\n`;
    if (m.buckets) {
      const note =
        m.bucketsSource === 'baseline'
          ? 'Default boundaries when no baseline supplies them.'
          : m.bucketsSource === 'default'
            ? 'Default boundaries when the instrumentation is given none.'
            : 'Boundaries the processor relies on.';
      s += `\n/** Histogram bucket boundaries of \`${m.name}\`. ${note} */\nexport const METRIC_${constName(m.name)}_BUCKETS: readonly number[] = Object.freeze(${lit(m.buckets)});\n`;
    }
    if (m.exponential) {
      s += `\n/** \`${m.name}\` is a base-2 exponential histogram by default: at most \`maxSize\` buckets per sign, the scale starting at \`maxScale\`. */\nexport const METRIC_${constName(m.name)}_EXPONENTIAL: { readonly maxSize: number; readonly maxScale: number } = Object.freeze(${lit(m.exponential)});\n`;
    }
  }
  return s;
}

function genSignals(reg) {
  let s = HEADER;
  for (const e of reg.events)
    s += `\n${doc([e.brief, e.note, `@stability ${e.stability}`])}export const EVENT_${constName(e.name)} = ${lit(e.name)} as const;\n`;
  s += `\n/** Schema URL of this registry. */\nexport const ML_SCHEMA_URL = ${lit(reg.manifest.schema_url)} as const;\n`;
  s += `\n/** Version of this registry. */\nexport const ML_SEMCONV_VERSION = ${lit(reg.manifest.semconv_version)} as const;\n`;
  return s;
}

function genRegistry(reg) {
  const attributes = {};
  for (const a of [...reg.attributes.values()].sort((x, y) => x.id.localeCompare(y.id))) {
    attributes[a.id] = {
      type: a.type.kind === 'enum' ? 'enum' : a.type.name,
      template: a.type.kind === 'template',
      ...(a.type.kind === 'enum' ? { values: a.type.members.map((m) => m.value), openEnum: a.openEnum } : {}),
      onMetrics: a.onMetrics,
    };
  }
  for (const e of reg.external.values())
    attributes[e.id] = { type: 'string', template: false, onMetrics: true, external: true };
  const refs = (r) => r.refs.map((x) => ({ id: x.id, requirement: x.level }));
  const data = {
    schemaUrl: reg.manifest.schema_url,
    version: reg.manifest.semconv_version,
    attributes,
    metrics: Object.fromEntries(
      reg.metrics.map((m) => [
        m.name,
        {
          instrument: m.instrument,
          unit: m.unit,
          attributes: refs(m),
          ...(m.buckets ? { buckets: m.buckets } : {}),
          ...(m.exponential ? { exponential: m.exponential } : {}),
        },
      ]),
    ),
    spans: reg.spans.map((x) => ({ id: x.id, kind: x.kind, attributes: refs(x) })),
    events: Object.fromEntries(reg.events.map((e) => [e.name, { attributes: refs(e) }])),
  };
  return `${HEADER}import type { Registry } from '../registry-types.js';\n\n/** The registry in machine-readable form, for the live-check. */\nexport const REGISTRY: Registry = ${JSON.stringify(data, null, 2)};\n`;
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------
const esc = (v) => String(v).replace(/\|/g, '\\|').replace(/\n+/g, ' ');
const slug = (id) => id.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
const typeText = (a) =>
  a.type.kind === 'enum'
    ? `${a.type.name} enum${a.openEnum ? ' (open)' : ''}`
    : a.type.kind === 'template'
      ? `template[${a.type.name}]`
      : a.type.name;
const reqText = (r) => (r.note ? `\`${r.level}\`: ${esc(r.note)}` : `\`${r.level}\``);
const metricsText = (reg, id) => {
  const a = reg.attributes.get(id);
  if (!a) return 'yes';
  return a.onMetrics ? (a.overflow ? `yes (bounded, overflow \`${a.overflow}\`)` : 'yes') : '**no**';
};
const attrLink = (reg, id) => {
  const a = reg.attributes.get(id);
  return a
    ? `[\`${id}${a.type.kind === 'template' ? '.<key>' : ''}\`](${slug(a.group)}.md#${slug(id)})`
    : `\`${id}\` (OpenTelemetry)`;
};
const attrBrief = (reg, id) => esc(reg.attributes.get(id)?.brief ?? 'See the OpenTelemetry semantic conventions.');
const refTable = (reg, refs, withMetrics) => {
  if (refs.length === 0) return 'No attributes.\n';
  const head = withMetrics
    ? '| Attribute | Type | Requirement level | On metrics | Description |\n|---|---|---|---|---|\n'
    : '| Attribute | Type | Requirement level | Description |\n|---|---|---|---|\n';
  return (
    head +
    refs
      .map((r) => {
        const a = reg.attributes.get(r.id);
        const t = a ? typeText(a) : 'string';
        return withMetrics
          ? `| ${attrLink(reg, r.id)} | ${t} | ${reqText(r)} | ${metricsText(reg, r.id)} | ${attrBrief(reg, r.id)} |`
          : `| ${attrLink(reg, r.id)} | ${t} | ${reqText(r)} | ${attrBrief(reg, r.id)} |`;
      })
      .join('\n') +
    '\n'
  );
};

function genDocs(reg) {
  const pages = new Map();
  const index = [
    `# otel-ml semantic conventions\n`,
    `Registry \`${reg.manifest.name}\` version ${reg.manifest.semconv_version}, schema URL \`${reg.manifest.schema_url}\`. Every name is at stability \`development\`.\n`,
    `Generated from \`conventions/model/\` by \`npm run conventions:generate\`. Do not edit by hand.\n`,
  ];
  index.push(
    '## Cardinality\n\nMetrics carry only bounded attributes: model name, version, task, deployment role, feature name, predicted class and outcome label (with the overflow value `__other__`), and allow-listed slice keys. Prediction ids, scores and raw feature values go on spans or nowhere. The "On metrics" column of each attribute table says which is which; the generator refuses a metric that references an attribute not allowed on metrics.\n',
  );

  index.push('## Attributes\n');
  for (const g of reg.attributeGroups) {
    if (g.defines.length === 0) continue;
    index.push(`- [${g.displayName}](${slug(g.id)}.md): ${g.brief}`);
    let p = `# ${g.displayName}\n\n${g.brief}\n\n| Attribute | Type | Description | Examples | On metrics | Stability |\n|---|---|---|---|---|---|\n`;
    for (const id of g.defines) {
      const a = reg.attributes.get(id);
      const name = a.type.kind === 'template' ? `${id}.<key>` : id;
      const ex =
        a.type.kind === 'enum'
          ? a.type.members.map((m) => `\`${m.value}\``).join(', ')
          : a.examples.map((e) => `\`${esc(JSON.stringify(e))}\``).join(', ');
      p += `| <a id="${slug(id)}"></a>\`${name}\` | ${typeText(a)} | ${esc(a.brief)}${a.note ? ` ${esc(a.note)}` : ''} | ${ex} | ${metricsText(reg, id)} | \`${a.stability}\` |\n`;
    }
    for (const id of g.defines) {
      const a = reg.attributes.get(id);
      if (a.type.kind !== 'enum') continue;
      p += `\n### \`${id}\` values\n\n| Value | Description | Stability |\n|---|---|---|\n${a.type.members.map((m) => `| \`${m.value}\` | ${esc(m.brief)} | \`${m.stability}\` |`).join('\n')}\n`;
    }
    pages.set(`${slug(g.id)}.md`, p);
  }
  const shared = reg.attributeGroups.filter((g) => g.defines.length === 0);
  for (const g of shared) {
    index.push(`- [${g.displayName}](${slug(g.id)}.md): ${g.brief}`);
    pages.set(`${slug(g.id)}.md`, `# ${g.displayName}\n\n${g.brief}\n\n${refTable(reg, g.refs, true)}`);
  }

  index.push('\n## Spans\n');
  for (const s of reg.spans) {
    index.push(`- [\`${s.id}\`](${slug(s.id)}.md): span kind \`${s.kind}\`. ${s.brief}`);
    pages.set(
      `${slug(s.id)}.md`,
      `# Span \`${s.id}\`\n\n**Span kind:** \`${s.kind}\`. **Stability:** \`${s.stability}\`.\n\n${s.brief}\n\n${s.note}\n\n${refTable(reg, s.refs, false)}`,
    );
  }

  index.push('\n## Events\n');
  for (const e of reg.events) {
    index.push(`- [\`${e.name}\`](${slug(e.id)}.md): ${e.brief}`);
    pages.set(
      `${slug(e.id)}.md`,
      `# Event \`${e.name}\`\n\n**Stability:** \`${e.stability}\`.\n\n${e.brief}\n\n${e.note}\n\n${refTable(reg, e.refs, false)}`,
    );
  }

  index.push('\n## Metrics\n\n| Metric | Instrument | Unit | Description |\n|---|---|---|---|');
  for (const m of reg.metrics) {
    index.push(`| [\`${m.name}\`](${slug(m.id)}.md) | ${m.instrument} | \`${m.unit}\` | ${esc(m.brief)} |`);
    let p = `# Metric \`${m.name}\`\n\n| Name | Instrument | Unit | Stability |\n|---|---|---|---|\n| \`${m.name}\` | ${m.instrument} | \`${m.unit}\` | \`${m.stability}\` |\n\n${m.brief}\n\n${m.note ? `${m.note}\n\n` : ''}## Attributes\n\n${refTable(reg, m.refs, true)}`;
    if (m.exponential) {
      p += `\n## Aggregation\n\nBase-2 exponential histogram by default: at most ${m.exponential.maxSize} buckets per sign (positive and negative values), the scale starting at ${m.exponential.maxScale} and lowered as values arrive. With plain OpenTelemetry SDK instruments, configure a View on \`${m.name}\` with the exponential histogram aggregation and \`maxSize: ${m.exponential.maxSize}\`.\n`;
    }
    if (m.buckets) {
      const src =
        m.bucketsSource === 'baseline'
          ? 'Default boundaries, used when no baseline supplies per-feature boundaries'
          : m.bucketsSource === 'default'
            ? 'Default boundaries, used when the instrumentation is given none'
            : 'Bucket boundaries (the processor relies on them)';
      p += `\n## Buckets\n\n${src}, ${m.buckets.length} in all:\n\n\`${m.buckets.length > 30 ? `${m.buckets.slice(0, 5).join(', ')}, ..., ${m.buckets.slice(-3).join(', ')}` : m.buckets.join(', ')}\`\n`;
    }
    pages.set(`${slug(m.id)}.md`, p);
  }
  pages.set('README.md', `${index.join('\n')}\n`);
  return pages;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------
function outputs() {
  const reg = resolve(load());
  const files = new Map();
  files.set(join(generatedDir, 'attributes.ts'), genAttributes(reg));
  files.set(join(generatedDir, 'metrics.ts'), genMetrics(reg));
  files.set(join(generatedDir, 'signals.ts'), genSignals(reg));
  files.set(join(generatedDir, 'registry.ts'), genRegistry(reg));
  for (const [name, text] of genDocs(reg)) files.set(join(docsDir, name), text);
  return files;
}

try {
  const files = outputs();
  if (check) {
    const stale = [];
    for (const [path, text] of files) {
      if (!existsSync(path) || readFileSync(path, 'utf8') !== text) stale.push(relative(process.cwd(), path));
    }
    for (const dir of [generatedDir, docsDir]) {
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir))
        if (!files.has(join(dir, f)))
          stale.push(`${relative(process.cwd(), join(dir, f))} (not generated by the registry)`);
    }
    if (stale.length > 0) {
      console.error(
        `conventions: generated output is stale; run \`npm run conventions:generate\` and commit:\n  ${stale.join('\n  ')}`,
      );
      process.exit(1);
    }
    console.log(`conventions: ${files.size} generated files are up to date`);
  } else {
    for (const dir of [generatedDir, docsDir]) {
      if (existsSync(dir)) rmSync(dir, { recursive: true });
      mkdirSync(dir, { recursive: true });
    }
    for (const [path, text] of files) writeFileSync(path, text);
    console.log(`conventions: wrote ${files.size} files`);
  }
} catch (err) {
  if (err instanceof RegistryError) {
    console.error(`conventions: invalid registry: ${err.message}`);
    process.exit(2);
  }
  throw err;
}
