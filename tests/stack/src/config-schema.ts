// A small key schema: which keys a config file may contain, nested as the file is. It catches a
// misspelt or removed key, which Loki and Tempo would refuse at start-up (they parse strictly)
// on a host where we cannot start them.
export type KeySchema = { [key: string]: KeySchema | KeySchemaLeaf | [KeySchema] };
/** 'any' = a value whose inside is not checked (free-form maps, receiver configs, scalars). */
export type KeySchemaLeaf = 'any';

export function unknownKeys(value: unknown, schema: KeySchema | KeySchemaLeaf | [KeySchema], path = ''): string[] {
  if (schema === 'any') return [];
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) return [`${path || '<root>'}: expected a list`];
    return value.flatMap((item, i) => unknownKeys(item, schema[0], `${path}[${i}]`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path || '<root>'}: expected a map`];
  const out: string[] = [];
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    const sub = schema[key];
    const here = path ? `${path}.${key}` : key;
    if (sub === undefined) out.push(here);
    else out.push(...unknownKeys(inner, sub, here));
  }
  return out;
}
