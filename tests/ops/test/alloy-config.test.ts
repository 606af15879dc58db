// Proves mdso-alloy/config.alloy without the alloy binary: it parses (our Alloy-syntax parser),
// uses only real component/stage names, every reference points at a declared component export,
// every regex is RE2-compatible, and the pipeline's regexes/timestamp formats/level mapping give
// the expected fields on the Blue Planet sample lines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AlloySyntaxError,
  attribute,
  type Block,
  collectCalls,
  collectReferences,
  constantString,
  parseAlloy,
  walkBlocks,
} from '../lib/alloy-syntax.js';
import { readMdsoAlloyConfig } from '../lib/mdso-alloy.js';
import { re2ToJs } from '../lib/re2-compat.js';

const root = join(import.meta.dirname, '..', '..', '..');
const mdso = readMdsoAlloyConfig();
const configText = mdso.text;
const sampleLines = readFileSync(join(root, 'mdso-alloy', 'test-fixtures', 'blueplanet.log'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '');
const config = mdso.statements;

// Component names and the fields they export, checked against Alloy's component reference
// (grafana.com/docs/alloy/latest/reference/components/...).
const COMPONENT_EXPORTS: Record<string, string[]> = {
  'local.file_match': ['targets'],
  'loki.source.file': [],
  'loki.source.journal': [],
  'loki.process': ['receiver'],
  'loki.write': ['receiver'],
  'otelcol.receiver.loki': ['receiver'],
  'otelcol.receiver.otlp': [],
  'otelcol.processor.transform': ['input'],
  'otelcol.processor.batch': ['input'],
  'otelcol.processor.memory_limiter': ['input'],
  'otelcol.exporter.otlphttp': ['input'],
  'otelcol.exporter.otlp': ['input'],
  'otelcol.auth.basic': ['handler'],
  'otelcol.auth.headers': ['handler'],
};
const CONFIG_BLOCKS = new Set(['logging', 'livedebugging', 'tracing', 'http']);
// loki.process stages (Alloy reference: loki.process "Blocks" table).
const STAGES = new Set([
  'stage.cri',
  'stage.docker',
  'stage.drop',
  'stage.json',
  'stage.label_drop',
  'stage.label_keep',
  'stage.labels',
  'stage.logfmt',
  'stage.match',
  'stage.multiline',
  'stage.output',
  'stage.pack',
  'stage.regex',
  'stage.replace',
  'stage.static_labels',
  'stage.structured_metadata',
  'stage.template',
  'stage.tenant',
  'stage.timestamp',
]);
// Functions of the Alloy standard library used as values.
const STDLIB_FUNCTIONS = new Set(['sys.env', 'coalesce', 'string.format', 'encoding.from_json', 'array.concat']);
const STDLIB_VALUES = new Set(['constants.hostname', 'constants.os', 'constants.arch']);

const topBlocks = config.filter((s): s is Block => s.type === 'block');
const components = topBlocks.filter((b) => !CONFIG_BLOCKS.has(b.name));
const processBlock = components.find((b) => b.name === 'loki.process');
if (!processBlock) throw new Error('config.alloy has no loki.process block');
const stages = processBlock.body.filter((s): s is Block => s.type === 'block');
const stageRegexes = stages
  .filter((s) => s.name === 'stage.regex')
  .map((s) => re2ToJs(constantString(attribute(s, 'expression') ?? { kind: 'null', line: 0 }) ?? ''));

function stageAttr(stage: Block, name: string): string {
  const value = attribute(stage, name);
  const text = value === undefined ? undefined : constantString(value);
  if (text === undefined) throw new Error(`${stage.name} (line ${stage.line}) has no constant ${name}`);
  return text;
}

/** Runs the regex stages over a line the way loki.process does: later matches overwrite keys. */
function extract(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const re of stageRegexes) {
    const groups = re.exec(line)?.groups ?? {};
    for (const [key, value] of Object.entries(groups)) if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Turns a Go time layout (or a named one) into a regex for the values it parses. */
function goLayoutRegex(layout: string): RegExp {
  const named: Record<string, string> = { RFC3339Nano: '2006-01-02T15:04:05.999999999Z07:00', Stamp: 'Jan _2 15:04:05' };
  const go = named[layout] ?? layout;
  const tokens: [string, string][] = [
    ['2006', '\\d{4}'],
    ['Jan', '[A-Z][a-z]{2}'],
    ['_2', '[ \\d]\\d'],
    ['01', '\\d{2}'],
    ['02', '\\d{2}'],
    ['15', '\\d{2}'],
    ['04', '\\d{2}'],
    ['05', '\\d{2}'],
    [',000', ',\\d{3}'],
    ['.999999999', '(?:\\.\\d{1,9})?'],
    ['Z07:00', '(?:Z|[+-]\\d{2}:\\d{2})'],
  ];
  let out = '';
  let rest = go;
  while (rest.length > 0) {
    const token = tokens.find(([t]) => rest.startsWith(t));
    if (token) {
      out += token[1];
      rest = rest.slice(token[0].length);
    } else {
      out += rest[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      rest = rest.slice(1);
    }
  }
  return new RegExp(`^${out}$`);
}

/** Evaluates the level template for the shape used in config.alloy (if/else-if eq chains). */
function templateLevel(template: string, values: Record<string, string>): string {
  if (values.pri === undefined) return (values.level ?? '').toLowerCase();
  const branches = [...template.matchAll(/eq \.pri ((?:"\d+" ?)+)\}\}(\w+)/g)];
  for (const [, numbers, level] of branches) {
    if (numbers.match(/\d+/g)?.includes(values.pri)) return level;
  }
  return /\{\{ else \}\}(\w+)\{\{ end \}\}/.exec(template)?.[1] ?? '';
}

describe('mdso-alloy/config.alloy', () => {
  it('parses as Alloy syntax, and the parser rejects broken files', () => {
    expect(components.length).toBeGreaterThanOrEqual(8);
    expect(() => parseAlloy('loki.process "x" {\n  forward_to = []\n')).toThrow(AlloySyntaxError);
    expect(() => parseAlloy('a = "unterminated\n')).toThrow(/newline in string/);
    expect(() => parseAlloy('a = "\\d+"')).toThrow(/unknown escape/);
    expect(() => parseAlloy('x "l" { a = [1, 2 }')).toThrow(AlloySyntaxError);
    expect(() => parseAlloy('x "l" { } }')).toThrow(AlloySyntaxError);
  });

  it('uses only known components, each labelled once', () => {
    const seen = new Set<string>();
    for (const block of components) {
      expect(Object.keys(COMPONENT_EXPORTS), `line ${block.line}`).toContain(block.name);
      expect(block.label, `${block.name} needs a label`).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      const id = `${block.name}.${block.label}`;
      expect(seen.has(id), `duplicate ${id}`).toBe(false);
      seen.add(id);
    }
    for (const block of topBlocks) {
      if (!CONFIG_BLOCKS.has(block.name)) continue;
      expect(block.label).toBeUndefined();
    }
  });

  it('has the pipeline file_match -> source.file -> process -> receiver.loki -> transform -> batch -> otlphttp', () => {
    const names = components.map((b) => b.name);
    for (const name of [
      'local.file_match',
      'loki.source.file',
      'loki.process',
      'otelcol.receiver.loki',
      'otelcol.processor.transform',
      'otelcol.processor.batch',
      'otelcol.exporter.otlphttp',
      'otelcol.auth.basic',
    ]) {
      expect(names).toContain(name);
    }
    expect(configText).toContain('"/var/log/ciena/blueplanet.log"');
    expect(configText).toContain('"/bp2/log/*.log"');
  });

  it('references only declared components and their real exports', () => {
    const declared = new Set(components.map((b) => `${b.name}.${b.label}`));
    const references: { name: string; line: number }[] = [];
    const calls: string[] = [];
    const visit = (body: typeof config) => {
      for (const statement of body) {
        if (statement.type === 'attribute') {
          collectReferences(statement.value, references);
          calls.push(...collectCalls(statement.value).map((c) => c.callee));
        } else visit(statement.body);
      }
    };
    visit(config);
    const componentRefs = references.filter((r) => !STDLIB_VALUES.has(r.name) && !calls.includes(r.name));
    expect(componentRefs.length).toBeGreaterThanOrEqual(6);
    for (const ref of componentRefs) {
      const parts = ref.name.split('.');
      const exported = parts.at(-1) ?? '';
      const id = parts.slice(0, -1).join('.');
      expect(declared.has(id), `line ${ref.line}: ${ref.name} refers to an undeclared component`).toBe(true);
      const componentName = parts.slice(0, -2).join('.');
      expect(COMPONENT_EXPORTS[componentName], `line ${ref.line}: ${ref.name}`).toContain(exported);
    }
    for (const callee of calls) expect(STDLIB_FUNCTIONS, `unknown function ${callee}`).toContain(callee);
    // The chain really ends at the gateway exporter.
    expect(componentRefs.map((r) => r.name)).toContain('otelcol.exporter.otlphttp.gateway.input');
    expect(componentRefs.map((r) => r.name)).toContain('otelcol.auth.basic.gateway.handler');
  });

  it('uses only known loki.process stages, multiline first', () => {
    for (const stage of stages) expect(STAGES, `line ${stage.line}`).toContain(stage.name);
    expect(stages[0]?.name).toBe('stage.multiline');
    const sm = stages.find((s) => s.name === 'stage.structured_metadata');
    const labels = stages.find((s) => s.name === 'stage.labels');
    const keysOf = (b: Block | undefined) => {
      const v = b && attribute(b, 'values');
      return v?.kind === 'object' ? v.fields.map((f) => f.key) : [];
    };
    for (const key of ['circuit_id', 'product_id', 'resource_id', 'resource_type_id', 'request_id']) {
      expect(keysOf(sm)).toContain(key);
      expect(keysOf(labels)).not.toContain(key);
    }
    expect(keysOf(labels)).toEqual(['level']);
  });

  it('has only RE2-compatible regexes (stages and OTTL patterns)', () => {
    const patterns: string[] = [];
    for (const { block } of walkBlocks(config)) {
      for (const key of ['expression', 'firstline']) {
        const value = attribute(block, key);
        if (value) patterns.push(constantString(value) ?? '');
      }
    }
    const ottl = mdso.ottl;
    expect(ottl.length).toBeGreaterThan(5);
    for (const statement of ottl) {
      for (const m of statement.matchAll(/(?:ExtractPatterns\([^,]+, |IsMatch\([^,]+, )"((?:[^"\\]|\\.)*)"/g)) {
        patterns.push(JSON.parse(`"${m[1]}"`));
      }
    }
    expect(patterns.length).toBeGreaterThanOrEqual(12);
    for (const pattern of patterns) expect(() => re2ToJs(pattern), pattern).not.toThrow();
  });

  it('starts a new record on every sample line, and glues stack-trace lines to the previous one', () => {
    const multiline = stages.find((s) => s.name === 'stage.multiline');
    if (!multiline) throw new Error('no stage.multiline');
    const firstline = re2ToJs(stageAttr(multiline, 'firstline'));
    for (const line of sampleLines) expect(firstline.test(line), line).toBe(true);
    for (const continuation of [
      '\tat com.ciena.bp.ra.DeviceAdapter.push(DeviceAdapter.java:88)',
      'Caused by: java.net.SocketTimeoutException: Read timed out',
      '\t... 12 more',
    ]) {
      expect(firstline.test(continuation), continuation).toBe(false);
    }
    expect(firstline.test('Nov 24 21:40:08 mdso-dev bpocore[2231]: rsyslog wrote this without a priority')).toBe(true);
  });

  it('extracts a timestamp matching its stage format and the right level from every sample line', () => {
    const timestampStages = stages.filter((s) => s.name === 'stage.timestamp');
    const template = stageAttr(stages.find((s) => s.name === 'stage.template') as Block, 'template');
    const expectedLevels = ['info', 'debug', 'warn', 'error', 'info', 'info', 'info', 'info', 'info', 'error', 'info', 'error', 'info'];
    expect(sampleLines).toHaveLength(expectedLevels.length);
    sampleLines.forEach((line, i) => {
      const values = extract(line);
      const used = timestampStages.filter((s) => values[stageAttr(s, 'source')] !== undefined);
      expect(used, `exactly one timestamp for: ${line}`).toHaveLength(1);
      const stage = used[0] as Block;
      expect(values[stageAttr(stage, 'source')]).toMatch(goLayoutRegex(stageAttr(stage, 'format')));
      expect(templateLevel(template, values), line).toBe(expectedLevels[i]);
    });
  });

  it('maps every syslog priority 0..191 to the severity priority mod 8 means', () => {
    const template = stageAttr(stages.find((s) => s.name === 'stage.template') as Block, 'template');
    const bySeverity = ['critical', 'critical', 'critical', 'error', 'warn', 'info', 'info', 'debug'];
    for (let pri = 0; pri < 192; pri++) {
      expect(templateLevel(template, { pri: String(pri) }), `pri ${pri}`).toBe(bySeverity[pri % 8]);
    }
    // Lines without a priority keep their own level word.
    expect(templateLevel(template, { level: 'WARN' })).toBe('warn');
  });

  it('extracts the business keys from key=value text, JSON and RFC 5424 structured data', () => {
    const find = (needle: string) => extract(sampleLines.find((l) => l.includes(needle)) ?? '');
    expect(find('Resource activation requested')).toMatchObject({
      circuit_id: 'CKT-1001-NYC',
      resource_id: '7f3c2a10-5b1e-4c2d-9a44-0e1f2b3c4d5e',
      resource_type_id: 'tosca.resourceTypes.EthernetCircuit',
    });
    expect(find('rejected config')).toMatchObject({ circuit_id: 'CKT-1001-NYC', request_id: 'req-8c1d2e' });
    expect(find('sync complete')).toMatchObject({ circuit_id: 'CKT-2040-DAL', resource_id: 'a1b2c3d4-0000-4000-8000-000000000001' });
    expect(find('order submitted')).toMatchObject({ product_id: 'PROD-ETH-1G' });
    expect(find('Executing plan')).toMatchObject({ product_id: 'PROD-ETH-10G' });
    expect(find('Purged 1243')).not.toHaveProperty('circuit_id');
    // resource_type_id must not be mistaken for resource_id.
    expect(extract('x resource_type_id=T1')).not.toHaveProperty('resource_id');
  });

  it('turns a traceparent in the text into the record trace context', () => {
    const statements = mdso.ottl;
    const extractStatement = statements.find((s) => s.includes('ExtractPatterns(body'));
    const pattern = /ExtractPatterns\(body, "((?:[^"\\]|\\.)*)"\)/.exec(extractStatement ?? '')?.[1];
    expect(pattern).toBeDefined();
    const re = re2ToJs(JSON.parse(`"${pattern}"`));
    const line = sampleLines.find((l) => l.includes('traceparent=')) ?? '';
    expect({ ...re.exec(line)?.groups }).toEqual({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' });
    expect(statements.some((s) => s.startsWith('set(trace_id.string, attributes["trace_id"])'))).toBe(true);
    expect(statements).toContain('set(resource.attributes["service.name"], "blueplanet")');
    expect(statements.some((s) => s.startsWith('set(resource.attributes["deployment.environment.name"]'))).toBe(true);
  });

  it('documents every environment variable it reads in alloy.env.example', () => {
    const example = readFileSync(join(root, 'mdso-alloy', 'alloy.env.example'), 'utf8');
    const names = [...configText.matchAll(/sys\.env\("([A-Z0-9_]+)"\)/g)].map((m) => m[1]);
    expect(names).toContain('GATEWAY_OTLP_ENDPOINT');
    for (const name of new Set(names)) expect(example, name).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
    expect(configText).toContain('"http://server-124:4318"');
  });
});
