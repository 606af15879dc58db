// Just enough Markdown for the docs checks: the sections, tables, links and code of a file as
// GitHub renders them. Fenced code is code: links in it are not links, commands in it are commands.

/** Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces to dashes, -1/-2 for repeats. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of headings(markdown)) {
    const base = text
      .toLowerCase()
      .replace(/`/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .trim()
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

function headings(markdown: string): { level: number; text: string }[] {
  return prose(markdown)
    .split('\n')
    .flatMap((line) => {
      const m = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
      return m?.[1] && m[2] !== undefined ? [{ level: m[1].length, text: m[2] }] : [];
    });
}

/** The text with fenced code blocks blanked (line count kept). */
export function prose(markdown: string): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** Fenced blocks and inline code spans: where the docs name commands. */
export function codeTexts(markdown: string): string[] {
  const out: string[] = [];
  let inFence = false;
  let block: string[] = [];
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      if (inFence) out.push(block.join('\n'));
      block = [];
      inFence = !inFence;
    } else if (inFence) block.push(line);
  }
  for (const m of prose(markdown).matchAll(/`([^`\n]+)`/g)) if (m[1]) out.push(m[1]);
  return out;
}

/** Link targets of inline links `[text](target)` outside code. */
export function linkTargets(markdown: string): string[] {
  const text = prose(markdown).replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] as string);
}

/** The body of the section under the heading `title` (any level), up to the next heading of that level or higher. */
export function section(markdown: string, title: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^#{1,6}\\s+${escapeRegExp(title)}\\s*$`).test(l));
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start] as string)?.[0].length ?? 1;
  const end = lines.findIndex((l, i) => i > start && /^#+\s/.test(l) && (/^#+/.exec(l)?.[0].length ?? 7) <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
}

/** Variable names in the first cell of each table row: `NAME` in backticks, several per row allowed. */
export function tableVariables(sectionText: string): string[] {
  const names: string[] = [];
  for (const line of sectionText.split('\n')) {
    const cells = line.split('|');
    if (!line.trimStart().startsWith('|') || cells.length < 3) continue;
    for (const m of (cells[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.push(m[1] as string);
  }
  return names;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
