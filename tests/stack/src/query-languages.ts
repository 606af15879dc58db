// Parses PromQL, LogQL and TraceQL with the grammars Grafana's and Prometheus' own editors use,
// and reads back what a query depends on: metric names (PromQL) and stream-selector labels (LogQL).

import { parser as logqlParser } from '@grafana/lezer-logql';
import { parser as traceqlParser } from '@grafana/lezer-traceql';
import type { Tree, TreeCursor } from '@lezer/common';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';

export type QueryLanguage = 'promql' | 'logql' | 'traceql';

const PARSERS = { promql: promqlParser, logql: logqlParser, traceql: traceqlParser } as const;

export interface ParsedQuery {
  tree: Tree;
  /** Text around each error node; empty when the query parses cleanly. */
  errors: string[];
}

export function parseQuery(language: QueryLanguage, query: string): ParsedQuery {
  const tree = PARSERS[language].parse(query);
  const errors: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: …${query.slice(Math.max(0, node.from - 20), node.to + 20)}…`);
    },
  });
  return { tree, errors };
}

function collect(tree: Tree, query: string, visit: (cursor: TreeCursor, text: (from: number, to: number) => string) => void): void {
  const cursor = tree.cursor();
  const text = (from: number, to: number): string => query.slice(from, to);
  do visit(cursor, text);
  while (cursor.next());
}

/** Metric names a PromQL query selects (`foo` in `rate(foo{a="b"}[5m])`). */
export function promqlMetricNames(query: string): string[] {
  const { tree } = parseQuery('promql', query);
  const names = new Set<string>();
  collect(tree, query, (c, text) => {
    if (c.name !== 'VectorSelector') return;
    const sel = c.node;
    const id = sel.getChild('Identifier');
    if (id) names.add(text(id.from, id.to));
  });
  return [...names];
}

/** Label names used in LogQL stream selectors (`{service="x"}`), not in pipeline label filters. */
export function logqlSelectorLabels(query: string): string[] {
  const { tree } = parseQuery('logql', query);
  const labels = new Set<string>();
  collect(tree, query, (c, text) => {
    if (c.name !== 'Selector') return;
    const inner = c.node.cursor();
    do {
      if (inner.name === 'Matcher') {
        const id = inner.node.getChild('Identifier');
        if (id) labels.add(text(id.from, id.to));
      }
    } while (inner.next() && inner.from < c.to);
  });
  return [...labels];
}
