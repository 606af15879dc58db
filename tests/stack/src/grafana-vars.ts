// Grafana replaces variables before a query reaches the datasource; the grammars see the result.
// These sample values stand for what Grafana would substitute (interval macros become
// durations, ids become ids), so a query is checked in the form the backend receives it.
const SAMPLE_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

const REPLACEMENTS: ReadonlyArray<[RegExp, string]> = [
  [/\$\{__value\.raw\}/g, SAMPLE_TRACE_ID],
  [/\$\{__span\.traceId\}/g, SAMPLE_TRACE_ID],
  [/\$\{__span\.spanId\}/g, '00f067aa0ba902b7'],
  [/\$\{__span\.tags(?:\.([A-Za-z0-9_.]+)|\["[^"]+"\])\}/g, 'CIRCUIT-0001'],
  [/\$\{__tags\}|\$__tags/g, 'service="beorn"'],
  [/\$__rate_interval|\$__interval|\$__auto|\$__range/g, '1m'],
  [/\$\{service(?::[a-z]+)?\}|\$service\b/g, 'beorn|palantir'],
  [/\$\{env(?::[a-z]+)?\}|\$env\b/g, 'dev'],
  [/\$\{circuit_id(?::[a-z]+)?\}|\$circuit_id\b/g, 'CIRCUIT-0001'],
];

/** Provisioning files write a literal `$` as `$$` (Grafana expands env vars there). */
export function unescapeProvisioning(text: string): string {
  return text.replace(/\$\$/g, '$');
}

export function substituteVariables(query: string): string {
  let out = query;
  for (const [pattern, value] of REPLACEMENTS) out = out.replace(pattern, value);
  return out;
}

/** Any `$name` left after substitution is a variable this file does not know about. */
export function unknownVariables(query: string): string[] {
  return [...query.matchAll(/\$\{?[A-Za-z_][A-Za-z0-9_.]*/g)].map((m) => m[0]);
}
