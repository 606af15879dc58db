// mdso-alloy/config.alloy, parsed once for the tests, with the pieces several tests look at.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attribute, type Block, constantString, parseAlloy, type Statement } from './alloy-syntax.js';
import { repoRoot } from './run-script.js';

export interface MdsoAlloyConfig {
  text: string;
  statements: Statement[];
  /** The OTTL statements of otelcol.processor.transform, as Alloy hands them to the collector. */
  ottl: string[];
  /** Its error_mode. */
  ottlErrorMode: string | undefined;
}

export function readMdsoAlloyConfig(): MdsoAlloyConfig {
  const text = readFileSync(join(repoRoot, 'mdso-alloy', 'config.alloy'), 'utf8');
  const statements = parseAlloy(text);
  const transform = statements.find((s): s is Block => s.type === 'block' && s.name === 'otelcol.processor.transform');
  const logStatements = transform?.body.find((s): s is Block => s.type === 'block' && s.name === 'log_statements');
  const list = logStatements && attribute(logStatements, 'statements');
  const ottl = list?.kind === 'list' ? list.items.map((i) => constantString(i) ?? '') : [];
  const mode = transform && attribute(transform, 'error_mode');
  return { text, statements, ottl, ottlErrorMode: mode ? constantString(mode) : undefined };
}
