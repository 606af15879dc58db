// Proves mdso-alloy/config.alloy without the alloy binary: it parses (our Alloy-syntax parser),
// uses only real component/stage names, every reference points at a declared component export,
// and — evaluated with Go's regexp, time.Parse and text/template, the libraries Alloy uses — its
// regexes, timestamp layouts and level template give the expected fields on the Blue Planet
// sample lines.
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
import { runGoAlloyCheck } from '../lib/go-alloy-check.js';
import { readMdsoAlloyConfig } from '../lib/mdso-alloy.js';

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
const regexStages = stages.filter((s) => s.name === 'stage.regex');
const timestampStages = stages.filter((s) => s.name === 'stage.timestamp');

function stageAttr(stage: Block, name: string): string {
  const value = attribute(stage, name);
  const text = value === undefined ? undefined : constantString(value);
  if (text === undefined) throw new Error(`${stage.name} (line ${stage.line}) has no constant ${name}`);
  return text;
}

const multiline = stages.find((s) => s.name === 'stage.multiline');
const levelTemplate = stages.find((s) => s.name === 'stage.template');
if (!multiline || !levelTemplate) throw new Error('config.alloy lacks stage.multiline or stage.template');
const ottlPatterns = mdso.ottl.flatMap((statement) =>
  [...statement.matchAll(/(?:ExtractPatterns|IsMatch)\([^,]+, "((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string),
);
const continuationLines = [
  '\tat com.ciena.bp.ra.DeviceAdapter.push(DeviceAdapter.java:88)',
  'Caused by: java.net.SocketTimeoutException: Read timed out',
  '\t... 12 more',
];
const rsyslogLine = 'Nov 24 21:40:08 mdso-dev bpocore[2231]: rsyslog wrote this without a priority';
const goLines = [...sampleLines, ...continuationLines, rsyslogLine];

// Pass 1 (Go): every regex of the config over every line.
const regexPass = runGoAlloyCheck({
  regexes: [stageAttr(multiline, 'firstline'), ...ottlPatterns, ...regexStages.map((s) => stageAttr(s, 'expression'))],
  lines: goLines,
});
const captures = regexPass.captures ?? [];
const firstlineMatches = captures[0] ?? [];
const ottlCaptures = captures.slice(1, 1 + ottlPatterns.length);
const stageCaptures = captures.slice(1 + ottlPatterns.length);

/** What the regex stages leave in loki.process' extracted map for line i (later stages overwrite). */
function extracted(i: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const perLine of stageCaptures) Object.assign(out, perLine[i] ?? {});
  return out;
}
const sampleValues = sampleLines.map((_, i) => extracted(i));

// Pass 2 (Go): each line's timestamp through its stage's layout, and the level template over
// every sample line plus every syslog priority.
const timestampInputs = sampleValues.map((values) => {
  const stage = timestampStages.find((s) => values[stageAttr(s, 'source')] !== undefined);
  const location = stage && attribute(stage, 'location') ? 'UTC' : undefined;
  return stage ? { layout: stageAttr(stage, 'format'), value: values[stageAttr(stage, 'source')], location } : { layout: '', value: '' };
});
const priorities = Array.from({ length: 192 }, (_, pri) => ({ pri: String(pri) }));
const evalPass = runGoAlloyCheck({
  timestamps: timestampInputs,
  template: stageAttr(levelTemplate, 'template'),
  values: [...sampleValues, ...priorities, { level: 'WARN' }],
});

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

  it('has only regexes that Go (RE2) compiles: stages, multiline and OTTL patterns', () => {
    expect(regexPass.regexErrors?.length).toBeGreaterThanOrEqual(12);
    expect(regexPass.regexErrors?.filter((e) => e !== '')).toEqual([]);
    // Nothing escapes the check: every regex-valued attribute anywhere in the file was in the run.
    let regexAttributes = 0;
    for (const { block } of walkBlocks(config)) {
      for (const key of ['expression', 'firstline', 'regex', 'source_regex']) if (attribute(block, key)) regexAttributes += 1;
    }
    expect(regexAttributes + ottlPatterns.length).toBe(regexPass.regexErrors?.length);
  });

  it('starts a new record on every sample line, and glues stack-trace lines to the previous one', () => {
    for (const [i, line] of sampleLines.entries()) expect(firstlineMatches[i], line).not.toBeNull();
    for (const [i, line] of continuationLines.entries()) expect(firstlineMatches[sampleLines.length + i], line).toBeNull();
    expect(firstlineMatches.at(-1), rsyslogLine).not.toBeNull();
  });

  it('parses a timestamp from every sample line with its stage layout (Go time.Parse)', () => {
    const instants = evalPass.timestamps ?? [];
    expect(instants).toHaveLength(sampleLines.length);
    for (const [i, line] of sampleLines.entries()) expect(instants[i], line).not.toMatch(/^error|^$/);
    expect(instants[0]).toBe('2026-11-24T21:40:02.114Z'); // Java/Log4j, comma millis, BP_LOG_TIMEZONE default UTC
    expect(instants[sampleLines.findIndex((l) => l.includes('sync complete'))]).toBe('2026-11-24T21:40:07.415Z'); // ISO
    expect(instants[sampleLines.findIndex((l) => l.includes('order submitted'))]).toBe('2026-11-24T21:40:10.201Z'); // RFC 5424
    // RFC 3164 has no year: Go leaves year 0, Alloy's timestamp stage puts in the current one.
    expect(instants[sampleLines.findIndex((l) => l.startsWith('<134>'))]).toBe('0000-11-24T21:40:08Z');
  });

  it('derives the level of every sample line with the template (Go text/template)', () => {
    const expected = ['info', 'debug', 'warn', 'error', 'info', 'info', 'info', 'info', 'info', 'error', 'info', 'error', 'info'];
    expect(sampleLines).toHaveLength(expected.length);
    expect((evalPass.template ?? []).slice(0, sampleLines.length)).toEqual(expected);
  });

  it('maps every syslog priority 0..191 to the severity priority mod 8 means', () => {
    const bySeverity = ['critical', 'critical', 'critical', 'error', 'warn', 'info', 'info', 'debug'];
    const out = (evalPass.template ?? []).slice(sampleLines.length);
    expect(out.slice(0, 192)).toEqual(priorities.map((_, pri) => bySeverity[pri % 8]));
    expect(out[192]).toBe('warn'); // no priority: the level word, lower-cased
  });

  it('extracts the business keys from key=value text, JSON and RFC 5424 structured data', () => {
    const find = (needle: string) => sampleValues[sampleLines.findIndex((l) => l.includes(needle))] ?? {};
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
    expect(find('Resource activation requested').resource_id).not.toBe('tosca.resourceTypes.EthernetCircuit');
  });

  it('turns a traceparent in the text into the record trace context', () => {
    const i = sampleLines.findIndex((l) => l.includes('traceparent='));
    const extract = ottlCaptures.find((perLine) => perLine[i] && Object.keys(perLine[i] ?? {}).length > 0);
    expect(extract?.[i]).toEqual({ trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' });
    expect(mdso.ottl.some((s) => s.startsWith('set(trace_id.string, attributes["trace_id"])'))).toBe(true);
    expect(mdso.ottl).toContain('set(resource.attributes["service.name"], "blueplanet")');
    expect(mdso.ottl.some((s) => s.startsWith('set(resource.attributes["deployment.environment.name"]'))).toBe(true);
  });

  it('documents every environment variable it reads in alloy.env.example', () => {
    const example = readFileSync(join(root, 'mdso-alloy', 'alloy.env.example'), 'utf8');
    const names = [...configText.matchAll(/sys\.env\("([A-Z0-9_]+)"\)/g)].map((m) => m[1]);
    expect(names).toContain('GATEWAY_OTLP_ENDPOINT');
    for (const name of new Set(names)) expect(example, name).toMatch(new RegExp(`^#?\\s*${name}=`, 'm'));
    // The seed's Server-124 by address: the name server-124 does not resolve on MDSO Dev.
    expect(configText).toContain('"http://159.56.4.94:4318"');
  });
});

describe('mdso-alloy/README.md', () => {
  it('names Loki labels that exist: only those Loki indexes (service, env), not service_name', () => {
    const readme = readFileSync(join(root, 'mdso-alloy', 'README.md'), 'utf8');
    const lokiConfig = readFileSync(join(root, 'observability-stack', 'loki', 'loki-config.yaml'), 'utf8');
    const indexed = lokiConfig.match(/action: index_label\n\s+attributes:\n((?:\s+- \S+\n)+)/)?.[1]?.match(/[a-z_.]+/g) ?? [];
    expect(indexed).toEqual(['service', 'env']);
    const used = [...readme.matchAll(/\b([a-z_]+)="blueplanet"/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(0);
    for (const label of used) expect(indexed, `README queries Loki by ${label}=`).toContain(label);
  });
});
