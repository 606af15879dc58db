// A parser for the Alloy configuration syntax (blocks, attributes, expressions), written for the
// tests because the real `alloy` binary and its Go syntax module cannot be installed here (no
// package in the reachable registries). It follows the documented grammar: `name.parts "label" {
// ... }` blocks, `key = expr` attributes, Go-style string escapes, raw backtick strings, `//` and
// `/* */` comments, lists, objects, calls, field access, indexing and the usual operators.

export class AlloySyntaxError extends Error {
  override name = 'AlloySyntaxError';
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
  }
}

export type Expr =
  | { kind: 'string'; value: string; line: number }
  | { kind: 'number'; value: number; line: number }
  | { kind: 'bool'; value: boolean; line: number }
  | { kind: 'null'; line: number }
  | { kind: 'ident'; name: string; line: number }
  | { kind: 'access'; object: Expr; field: string; line: number }
  | { kind: 'index'; object: Expr; index: Expr; line: number }
  | { kind: 'call'; callee: Expr; args: Expr[]; line: number }
  | { kind: 'list'; items: Expr[]; line: number }
  | { kind: 'object'; fields: { key: string; value: Expr }[]; line: number }
  | { kind: 'unary'; op: string; operand: Expr; line: number }
  | { kind: 'binary'; op: string; left: Expr; right: Expr; line: number };

export interface Attribute {
  type: 'attribute';
  name: string;
  value: Expr;
  line: number;
}

export interface Block {
  type: 'block';
  name: string;
  label: string | undefined;
  body: Statement[];
  line: number;
}

export type Statement = Attribute | Block;

type TokenKind = 'ident' | 'string' | 'number' | 'punct' | 'eof';
interface Token {
  kind: TokenKind;
  text: string;
  value?: string;
  line: number;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

const PUNCTUATION = [
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  ',',
  '.',
  '=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '<',
  '>',
  '!',
];

function unescapeString(body: string, line: number): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) throw new AlloySyntaxError('string ends with a lone backslash', line);
    if (next in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[next];
      i += 1;
      continue;
    }
    const hexLength = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (hexLength > 0) {
      const hex = body.slice(i + 2, i + 2 + hexLength);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLength}}$`).test(hex)) throw new AlloySyntaxError(`bad \\${next} escape`, line);
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += 1 + hexLength;
      continue;
    }
    if (/[0-7]/.test(next)) {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) throw new AlloySyntaxError('bad octal escape', line);
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 3;
      continue;
    }
    // Go (and so Alloy) rejects unknown escapes such as "\d": the classic mistake of a regex
    // written with single backslashes.
    throw new AlloySyntaxError(`unknown escape sequence \\${next}`, line);
  }
  return out;
}

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\n') {
      line += 1;
      i += 1;
      continue;
    }
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    if (source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i += 1;
      continue;
    }
    if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) throw new AlloySyntaxError('unterminated block comment', line);
      line += source.slice(i, end).split('\n').length - 1;
      i = end + 2;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== '"') {
        if (source[j] === '\n') throw new AlloySyntaxError('newline in string', line);
        j += source[j] === '\\' ? 2 : 1;
      }
      if (j >= source.length) throw new AlloySyntaxError('unterminated string', line);
      tokens.push({ kind: 'string', text: source.slice(i, j + 1), value: unescapeString(source.slice(i + 1, j), line), line });
      i = j + 1;
      continue;
    }
    if (ch === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) throw new AlloySyntaxError('unterminated raw string', line);
      const raw = source.slice(i + 1, end);
      tokens.push({ kind: 'string', text: source.slice(i, end + 1), value: raw, line });
      line += raw.split('\n').length - 1;
      i = end + 1;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i, i + 256));
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], line });
      i += ident[0].length;
      continue;
    }
    const num = /^[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(source.slice(i, i + 64));
    if (num) {
      tokens.push({ kind: 'number', text: num[0], line });
      i += num[0].length;
      continue;
    }
    const punct = PUNCTUATION.find((p) => source.startsWith(p, i));
    if (!punct) throw new AlloySyntaxError(`unexpected character ${JSON.stringify(ch)}`, line);
    tokens.push({ kind: 'punct', text: punct, line });
    i += punct.length;
  }
  tokens.push({ kind: 'eof', text: '<eof>', line });
  return tokens;
}

const BINARY_LEVELS: string[][] = [['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%'], ['^']];

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.pos + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.pos += 1;
    return token;
  }

  private isPunct(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'punct' && token.text === text;
  }

  private expectPunct(text: string): Token {
    const token = this.next();
    if (token.kind !== 'punct' || token.text !== text) {
      throw new AlloySyntaxError(`expected "${text}", found ${token.text}`, token.line);
    }
    return token;
  }

  parseBody(closing: string | undefined): Statement[] {
    const body: Statement[] = [];
    for (;;) {
      const token = this.peek();
      if (closing === undefined && token.kind === 'eof') return body;
      if (closing !== undefined && this.isPunct(closing)) return body;
      if (token.kind === 'eof') throw new AlloySyntaxError(`missing "${closing}"`, token.line);
      if (token.kind !== 'ident') throw new AlloySyntaxError(`expected an attribute or block, found ${token.text}`, token.line);
      body.push(this.parseStatement());
    }
  }

  private parseStatement(): Statement {
    const first = this.next();
    if (this.isPunct('=')) {
      this.next();
      return { type: 'attribute', name: first.text, value: this.parseExpr(), line: first.line };
    }
    let name = first.text;
    while (this.isPunct('.')) {
      this.next();
      const part = this.next();
      if (part.kind !== 'ident') throw new AlloySyntaxError(`bad block name after ${name}.`, part.line);
      name += `.${part.text}`;
    }
    let label: string | undefined;
    if (this.peek().kind === 'string') label = this.next().value;
    this.expectPunct('{');
    const body = this.parseBody('}');
    this.expectPunct('}');
    return { type: 'block', name, label, body, line: first.line };
  }

  parseExpr(level = 0): Expr {
    if (level >= BINARY_LEVELS.length) return this.parseUnary();
    let left = this.parseExpr(level + 1);
    while (this.peek().kind === 'punct' && BINARY_LEVELS[level].includes(this.peek().text)) {
      const op = this.next();
      const right = this.parseExpr(level + 1);
      left = { kind: 'binary', op: op.text, left, right, line: op.line };
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isPunct('!') || this.isPunct('-')) {
      const op = this.next();
      return { kind: 'unary', op: op.text, operand: this.parseUnary(), line: op.line };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(start: Expr): Expr {
    let expr = start;
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        const field = this.next();
        if (field.kind !== 'ident') throw new AlloySyntaxError('expected a field name after "."', field.line);
        expr = { kind: 'access', object: expr, field: field.text, line: field.line };
      } else if (this.isPunct('[')) {
        const open = this.next();
        const index = this.parseExpr();
        this.expectPunct(']');
        expr = { kind: 'index', object: expr, index, line: open.line };
      } else if (this.isPunct('(')) {
        const open = this.next();
        const args = this.parseSequence(')');
        expr = { kind: 'call', callee: expr, args, line: open.line };
      } else {
        return expr;
      }
    }
  }

  private parseSequence(closing: string): Expr[] {
    const items: Expr[] = [];
    while (!this.isPunct(closing)) {
      items.push(this.parseExpr());
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.expectPunct(closing);
    return items;
  }

  private parsePrimary(): Expr {
    const token = this.next();
    if (token.kind === 'string') return { kind: 'string', value: token.value ?? '', line: token.line };
    if (token.kind === 'number') return { kind: 'number', value: Number(token.text), line: token.line };
    if (token.kind === 'ident') {
      if (token.text === 'true' || token.text === 'false') return { kind: 'bool', value: token.text === 'true', line: token.line };
      if (token.text === 'null') return { kind: 'null', line: token.line };
      return { kind: 'ident', name: token.text, line: token.line };
    }
    if (token.kind === 'punct' && token.text === '[') return { kind: 'list', items: this.parseSequence(']'), line: token.line };
    if (token.kind === 'punct' && token.text === '(') {
      const inner = this.parseExpr();
      this.expectPunct(')');
      return inner;
    }
    if (token.kind === 'punct' && token.text === '{') return this.parseObject(token.line);
    throw new AlloySyntaxError(`unexpected ${token.text} in expression`, token.line);
  }

  private parseObject(line: number): Expr {
    const fields: { key: string; value: Expr }[] = [];
    while (!this.isPunct('}')) {
      const key = this.next();
      if (key.kind !== 'ident' && key.kind !== 'string') throw new AlloySyntaxError(`bad object key ${key.text}`, key.line);
      this.expectPunct('=');
      fields.push({ key: key.kind === 'string' ? (key.value ?? '') : key.text, value: this.parseExpr() });
      if (!this.isPunct(',')) break;
      this.next();
    }
    this.expectPunct('}');
    return { kind: 'object', fields, line };
  }
}

/** Parses a whole Alloy file; throws AlloySyntaxError with a line number on the first problem. */
export function parseAlloy(source: string): Statement[] {
  return new Parser(tokenize(source)).parseBody(undefined);
}

/** `a.b.c` for an identifier/field-access chain, undefined for anything else. */
export function dottedName(expr: Expr): string | undefined {
  if (expr.kind === 'ident') return expr.name;
  if (expr.kind === 'access') {
    const base = dottedName(expr.object);
    return base === undefined ? undefined : `${base}.${expr.field}`;
  }
  return undefined;
}

/** Every identifier chain used as a value (function names excluded), e.g. `loki.process.x.receiver`. */
export function collectReferences(expr: Expr, out: { name: string; line: number }[] = []): { name: string; line: number }[] {
  const name = dottedName(expr);
  if (name !== undefined) {
    out.push({ name, line: expr.line });
    return out;
  }
  switch (expr.kind) {
    case 'call':
      for (const arg of expr.args) collectReferences(arg, out);
      break;
    case 'list':
      for (const item of expr.items) collectReferences(item, out);
      break;
    case 'object':
      for (const field of expr.fields) collectReferences(field.value, out);
      break;
    case 'index':
      collectReferences(expr.object, out);
      collectReferences(expr.index, out);
      break;
    case 'unary':
      collectReferences(expr.operand, out);
      break;
    case 'binary':
      collectReferences(expr.left, out);
      collectReferences(expr.right, out);
      break;
    default:
      break;
  }
  return out;
}

/** Calls in an expression, as `{ callee, args }`. */
export function collectCalls(expr: Expr, out: { callee: string; args: Expr[] }[] = []): { callee: string; args: Expr[] }[] {
  if (expr.kind === 'call') {
    out.push({ callee: dottedName(expr.callee) ?? '<computed>', args: expr.args });
    for (const arg of expr.args) collectCalls(arg, out);
  } else if (expr.kind === 'list') {
    for (const item of expr.items) collectCalls(item, out);
  } else if (expr.kind === 'object') {
    for (const field of expr.fields) collectCalls(field.value, out);
  } else if (expr.kind === 'binary') {
    collectCalls(expr.left, out);
    collectCalls(expr.right, out);
  } else if (expr.kind === 'unary') {
    collectCalls(expr.operand, out);
  } else if (expr.kind === 'index') {
    collectCalls(expr.object, out);
    collectCalls(expr.index, out);
  }
  return out;
}

/** The value of a constant string expression (literals joined with `+`), or undefined. */
export function constantString(expr: Expr): string | undefined {
  if (expr.kind === 'string') return expr.value;
  if (expr.kind === 'binary' && expr.op === '+') {
    const left = constantString(expr.left);
    const right = constantString(expr.right);
    return left === undefined || right === undefined ? undefined : left + right;
  }
  return undefined;
}

/** Depth-first walk over every block, with its path of enclosing block names. */
export function* walkBlocks(body: Statement[], parents: string[] = []): Generator<{ block: Block; parents: string[] }> {
  for (const statement of body) {
    if (statement.type !== 'block') continue;
    yield { block: statement, parents };
    yield* walkBlocks(statement.body, [...parents, statement.name]);
  }
}

export function attribute(block: Block, name: string): Expr | undefined {
  for (const statement of block.body) {
    if (statement.type === 'attribute' && statement.name === name) return statement.value;
  }
  return undefined;
}
