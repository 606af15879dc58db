// A small Dockerfile reader: stages, their instructions (continuation lines joined) and the
// default values of ARGs. Enough to replay a build stage's RUN steps outside Docker.
import { readFileSync } from 'node:fs';

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  args: Record<string, string>;
  stages: Stage[];
}

export function readDockerfile(path: string): Dockerfile {
  const logical: string[] = [];
  let current = '';
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    if (line.trimStart().startsWith('#')) continue; // comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push((current + line).trim());
    current = '';
  }
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s+([\s\S]*)$/.exec(line);
    if (!m?.[1]) continue;
    const keyword = m[1].toUpperCase();
    const rest = m[2] ?? '';
    if (keyword === 'FROM') {
      const fm = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(rest);
      const image = (fm?.[1] ?? '').replace(/\$\{(\w+)\}/g, (_x, name: string) => args[name] ?? '');
      stages.push({ name: fm?.[2] ?? String(stages.length), from: image, instructions: [] });
      continue;
    }
    if (keyword === 'ARG' && stages.length === 0) {
      const am = /^(\w+)=(.*)$/.exec(rest);
      if (am?.[1]) args[am[1]] = am[2] ?? '';
      continue;
    }
    stages.at(-1)?.instructions.push({ keyword, args: rest });
  }
  return { args, stages };
}

/** ENV instructions of a stage as a map (`ENV A=1 B=2` form). */
export function stageEnv(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) if (m[1]) env[m[1]] = (m[2] ?? '').replace(/^"|"$/g, '');
  }
  return env;
}
