// A stand-in for the docker CLI for script tests: records every call, keeps "volumes" as folders
// and runs `docker run` commands on the host with the -v mounts mapped to those folders (so the
// scripts' tar/find commands really run). `docker ps` prints the contents of a file the test
// controls (container ids using a volume). Which Compose the host has is chosen per fake: the
// `docker compose` plugin, a standalone `docker-compose` v2, or a standalone v1 (Python) one;
// standalone calls are logged as "[docker-compose] <args>".
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type ComposeHost = 'plugin' | 'standalone-v2' | 'standalone-v1';

const COMPOSE_VERSIONS: Record<ComposeHost, string> = { plugin: '2.29.7', 'standalone-v2': '2.29.7', 'standalone-v1': '1.29.2' };

const STANDALONE_SCRIPT = `#!/usr/bin/env bash
echo "[docker-compose] $*" >> "$FAKE_DOCKER_LOG"
if [ "$1" = version ]; then echo "$FAKE_STANDALONE_COMPOSE_VERSION"; fi
exit 0
`;

export interface FakeDocker {
  env: Record<string, string>;
  volumesDir: string;
  calls: () => string[];
  setRunningContainers: (ids: string[]) => void;
}

const SCRIPT = `#!/usr/bin/env bash
echo "$*" >> "$FAKE_DOCKER_LOG"
case "$1" in
  volume)
    case "$2" in
      inspect) [ -d "$FAKE_DOCKER_VOLUMES/$3" ]; exit $? ;;
      create) mkdir -p "$FAKE_DOCKER_VOLUMES/$3"; echo "$3"; exit 0 ;;
    esac ;;
  ps) cat "$FAKE_DOCKER_PS" 2>/dev/null; exit 0 ;;
  compose)
    if [ -z "$FAKE_COMPOSE_PLUGIN_VERSION" ]; then echo "docker: 'compose' is not a docker command." >&2; exit 1; fi
    if [ "$2" = version ]; then echo "v$FAKE_COMPOSE_PLUGIN_VERSION"; fi
    exit 0 ;;
  version) echo 27.3.1; exit 0 ;;
  run)
    shift
    declare -A mounts=()
    while [ $# -gt 0 ]; do
      case "$1" in
        --rm) shift ;;
        -v) spec="$2"; src="\${spec%%:*}"; rest="\${spec#*:}"; dst="\${rest%%:*}"
            case "$src" in /*) ;; *) src="$FAKE_DOCKER_VOLUMES/$src"; mkdir -p "$src" ;; esac
            mounts[$dst]="$src"; shift 2 ;;
        *) break ;;
      esac
    done
    shift # the image
    args=()
    for arg in "$@"; do
      for dst in "\${!mounts[@]}"; do arg="\${arg//$dst/\${mounts[$dst]}}"; done
      args+=("$arg")
    done
    "\${args[@]}"; exit $? ;;
esac
exit 0
`;

export function createFakeDocker(dir: string, compose: ComposeHost = 'plugin'): FakeDocker {
  const bin = join(dir, 'bin');
  const volumesDir = join(dir, 'docker-volumes');
  const log = join(dir, 'docker.log');
  const ps = join(dir, 'docker-ps.txt');
  mkdirSync(bin, { recursive: true });
  mkdirSync(volumesDir, { recursive: true });
  writeFileSync(join(bin, 'docker'), SCRIPT);
  chmodSync(join(bin, 'docker'), 0o755);
  const standalone = compose === 'plugin' ? '' : COMPOSE_VERSIONS[compose];
  if (standalone) {
    writeFileSync(join(bin, 'docker-compose'), STANDALONE_SCRIPT);
    chmodSync(join(bin, 'docker-compose'), 0o755);
  }
  writeFileSync(log, '');
  writeFileSync(ps, '');
  return {
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_DOCKER_LOG: log,
      FAKE_DOCKER_VOLUMES: volumesDir,
      FAKE_DOCKER_PS: ps,
      FAKE_COMPOSE_PLUGIN_VERSION: compose === 'plugin' ? COMPOSE_VERSIONS.plugin : '',
      FAKE_STANDALONE_COMPOSE_VERSION: standalone,
      // The Makefile and scripts must find Compose themselves, not take the caller's choice.
      COMPOSE: '',
    },
    volumesDir,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    setRunningContainers: (ids) => writeFileSync(ps, ids.map((id) => `${id}\n`).join('')),
  };
}
