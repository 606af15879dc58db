// Evaluates a TraceQL span filter (`{ ... }` with &&, ||, parentheses and the comparisons
// = != =~ !~ between attributes and strings) against one span, parsed with Grafana's TraceQL
// grammar. Enough to check what a dashboard query shows for a given span, the way Tempo decides:
// a comparison with an attribute the span does not have is false, and regexes match the whole
// value. Anything else in the query makes it throw rather than guess.
import type { SyntaxNode } from '@lezer/common';
import { parseQuery } from './query-languages.js';

export interface SpanAttributes {
  resource: Record<string, string>;
  span: Record<string, string>;
}

type Value = string | undefined;

export class UnsupportedTraceqlError extends Error {
  override name = 'UnsupportedTraceqlError';
}

export function spanMatches(query: string, span: SpanAttributes): boolean {
  const parsed = parseQuery('traceql', query);
  if (parsed.errors.length > 0) throw new UnsupportedTraceqlError(`does not parse: ${parsed.errors.join('; ')}`);
  const filter = findFirst(parsed.tree.topNode, 'SpansetFilter');
  const expression = filter?.getChild('FieldExpression');
  if (!expression) throw new UnsupportedTraceqlError(`no span filter in ${query}`);
  const text = (n: SyntaxNode) => query.slice(n.from, n.to);

  const value = (node: SyntaxNode): Value => {
    const children = childList(node);
    const only = children[0];
    if (children.length === 1 && only?.name === 'Static') return JSON.parse(text(only)) as string;
    if (children.length === 1 && only?.name === 'AttributeField') {
      const scope = only.firstChild?.name === 'Resource' ? span.resource : span.span;
      const id = only.getChild('Identifier');
      return id ? scope[text(id)] : undefined;
    }
    throw new UnsupportedTraceqlError(`not a value: ${text(node)}`);
  };

  const evaluate = (node: SyntaxNode): boolean => {
    const children = childList(node);
    if (children.length === 1 && children[0]?.name === 'FieldExpression') return evaluate(children[0]);
    const [left, op, right] = children;
    if (children.length !== 3 || !left || !op || !right) throw new UnsupportedTraceqlError(`unsupported: ${text(node)}`);
    if (op.name === 'And') return evaluate(left) && evaluate(right);
    if (op.name === 'Or') return evaluate(left) || evaluate(right);
    if (op.name !== 'FieldOp') throw new UnsupportedTraceqlError(`unsupported operator in ${text(node)}`);
    const a = value(left);
    const b = value(right);
    if (a === undefined || b === undefined) return false;
    switch (text(op)) {
      case '=':
        return a === b;
      case '!=':
        return a !== b;
      case '=~':
        return new RegExp(`^(?:${b})$`).test(a);
      case '!~':
        return !new RegExp(`^(?:${b})$`).test(a);
      default:
        throw new UnsupportedTraceqlError(`unsupported comparison ${text(op)}`);
    }
  };
  return evaluate(expression);
}

/** Children without the punctuation nodes the grammar keeps ("(", ")"). */
function childList(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (/^[A-Z]/.test(c.name)) out.push(c);
  return out;
}

function findFirst(node: SyntaxNode, name: string): SyntaxNode | null {
  if (node.name === name) return node;
  for (let c = node.firstChild; c; c = c.nextSibling) {
    const found = findFirst(c, name);
    if (found) return found;
  }
  return null;
}
