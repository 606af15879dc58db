// Loads compose files with compose-go (Docker Compose v2's loader, built by
// scripts/lib/ensure-compose-loader.sh) and returns the resolved project.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE_BIN } from './paths.js';
import { type RunResult, run, describe as show } from './run.js';

export const COMPOSE_LOADER = join(CACHE_BIN, 'compose-config');

export interface HealthCheck {
  test?: string[];
  disable?: boolean;
  interval?: string;
}
export interface PortMapping {
  target: number;
  published?: string;
  protocol?: string;
  host_ip?: string;
}
export interface VolumeMount {
  type: string;
  source?: string;
  target: string;
  read_only?: boolean;
}
export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | null;
  healthcheck?: HealthCheck;
  depends_on?: Record<string, { condition: string; required?: boolean }>;
  ports?: PortMapping[];
  volumes?: VolumeMount[];
  restart?: string;
  mem_limit?: string | number;
  deploy?: { resources?: { limits?: { memory?: string | number } } };
  init?: boolean;
  environment?: Record<string, string | null>;
}
export interface ComposeProject {
  name: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function loadCompose(file: string, env: NodeJS.ProcessEnv = {}): { result: RunResult; project?: ComposeProject } {
  if (!existsSync(COMPOSE_LOADER))
    throw new Error(`${COMPOSE_LOADER} is missing: run scripts/lib/ensure-compose-loader.sh (bootstrap does)`);
  // A clean environment: only what the test passes (plus PATH/HOME), so the host's variables
  // cannot change what the files resolve to.
  const result = run(COMPOSE_LOADER, [file], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  if (result.code !== 0) return { result };
  return { result, project: JSON.parse(result.stdout) as ComposeProject };
}

export function mustLoad(file: string, env: NodeJS.ProcessEnv = {}): ComposeProject {
  const { result, project } = loadCompose(file, env);
  if (!project) throw new Error(`compose-go rejected ${file}: ${show(result)}`);
  return project;
}

/** KEY=value lines of a .env file (comments and blanks skipped). */
export function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1]) env[m[1]] = m[2] ?? '';
  }
  return env;
}

/** Memory limit in bytes, from mem_limit or deploy.resources.limits.memory. */
export function memoryLimit(service: ComposeService): number | undefined {
  const raw = service.mem_limit ?? service.deploy?.resources?.limits?.memory;
  if (raw === undefined) return undefined;
  if (typeof raw === 'number') return raw;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(raw);
  if (!m?.[1]) return undefined;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

/** The resolved model in a form Docker Compose v1's `config -q` reads (v2-only keys dropped). */
export function toComposeV1(project: ComposeProject): Record<string, unknown> {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v === null) continue;
        out[k] = strip(v);
      }
      return out;
    }
    return value;
  };
  const copy = strip(project) as Record<string, unknown>;
  delete copy.name; // top-level `name` is newer than v1
  for (const service of Object.values(copy.services as Record<string, Record<string, unknown>>)) {
    for (const dep of Object.values((service.depends_on ?? {}) as Record<string, Record<string, unknown>>)) delete dep.required;
  }
  return copy;
}
