// A stand-in for the docker CLI for script tests: records every call, keeps "volumes" as folders
// and runs `docker run` commands on the host with the -v mounts mapped to those folders (so the
// scripts' tar/find commands really run). `docker ps` prints the contents of a file the test
// controls (container ids using a volume).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

export function createFakeDocker(dir: string): FakeDocker {
  const bin = join(dir, 'bin');
  const volumesDir = join(dir, 'docker-volumes');
  const log = join(dir, 'docker.log');
  const ps = join(dir, 'docker-ps.txt');
  mkdirSync(bin, { recursive: true });
  mkdirSync(volumesDir, { recursive: true });
  writeFileSync(join(bin, 'docker'), SCRIPT);
  chmodSync(join(bin, 'docker'), 0o755);
  writeFileSync(log, '');
  writeFileSync(ps, '');
  return {
    env: { PATH: `${bin}:${process.env.PATH}`, FAKE_DOCKER_LOG: log, FAKE_DOCKER_VOLUMES: volumesDir, FAKE_DOCKER_PS: ps },
    volumesDir,
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
    setRunningContainers: (ids) => writeFileSync(ps, ids.map((id) => `${id}\n`).join('')),
  };
}
