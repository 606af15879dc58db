// Reads YAML/JSON artifacts. YAML is parsed strictly (duplicate keys are errors), because a
// duplicated key silently overrides the first one in most loaders.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export function readYaml<T = unknown>(path: string): T {
  return parse(readFileSync(path, 'utf8'), { uniqueKeys: true, strict: true }) as T;
}

export function readJson<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
