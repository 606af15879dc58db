// Compiles a Go RE2 pattern (as used by Alloy, Loki and OTTL) into a JavaScript RegExp for tests.
// RE2 and JS agree on the subset used in configs except for named groups (`(?P<n>` vs `(?<n>`) and
// a leading flag group; constructs RE2 does not support are rejected so a config cannot rely on
// something Alloy would refuse at start-up.

export class UnsupportedRegexError extends Error {
  override name = 'UnsupportedRegexError';
}

const RE2_UNSUPPORTED: [RegExp, string][] = [
  [/\(\?[=!]/, 'lookahead'],
  [/\(\?<[=!]/, 'lookbehind'],
  [/\(\?>/, 'atomic group'],
  [/\\[1-9]/, 'backreference'],
  [/[*+?}]\+/, 'possessive quantifier'],
  [/\(\?<[A-Za-z]/, 'named group without P (only newer Go versions accept it)'],
];

export function re2ToJs(pattern: string): RegExp {
  for (const [detector, what] of RE2_UNSUPPORTED) {
    if (detector.test(pattern)) throw new UnsupportedRegexError(`RE2 does not support ${what}: ${pattern}`);
  }
  let flags = 'u';
  let body = pattern;
  const leading = /^\(\?([imsU]+)\)/.exec(body);
  if (leading) {
    if (leading[1].includes('U')) throw new UnsupportedRegexError(`flag U has no JS equivalent: ${pattern}`);
    flags += leading[1];
    body = body.slice(leading[0].length);
  }
  body = body.replaceAll('(?P<', '(?<').replaceAll('\\A', '^').replaceAll('\\z', '$');
  return new RegExp(body, flags);
}
