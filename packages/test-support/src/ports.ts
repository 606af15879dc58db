// Free loopback ports for servers that are told their port instead of reporting the one they bound.
//
// Picked below the kernel's ephemeral range, not by listening on port 0: a port the kernel hands
// out for port 0 comes from the range it also takes outgoing connections' local ports from, so in
// the gap between picking a port and the child binding it, any connection the test or the bench
// opens (health polls, a gateway dialling its backends) can take it and the child fails to start.
// Below the range only another explicit picker can, and picks are spread over ~20k ports.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** The first port of the ephemeral range (Linux), or undefined where it cannot be read. */
function ephemeralLow(): number | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : undefined;
  } catch {
    return undefined;
  }
}

const PICK_FROM = 10_000;
const LOW = ephemeralLow();
/** Ports to pick from: [PICK_FROM, start of the ephemeral range), when that leaves a wide enough span. */
const PICK_TO = LOW !== undefined && LOW - PICK_FROM >= 5_000 ? LOW : undefined;

function listen(server: Server, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' || err.code === 'EACCES' ? resolve(false) : reject(err),
    );
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
}

/**
 * `count` distinct free ports. All are held open together and then released, so one call never
 * hands out the same port twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count * 100) throw new Error(`no ${count} free ports found in ${PICK_FROM}-${PICK_TO}`);
      const server = createServer();
      servers.push(server);
      if (PICK_TO === undefined) {
        await listen(server, 0);
      } else {
        const candidate = PICK_FROM + Math.floor(Math.random() * (PICK_TO - PICK_FROM));
        if (ports.includes(candidate) || !(await listen(server, candidate))) {
          servers.pop();
          continue;
        }
      }
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port assigned');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => (s.listening ? s.close(resolve) : resolve(undefined)))));
  }
}

/** One free port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/** Free ports by name: `const p = await namedPorts(['http', 'grpc'])` then `p.http`. */
export async function namedPorts<const K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const ports = await freePorts(names.length);
  const out = {} as Record<K, number>;
  names.forEach((name, i) => {
    out[name] = ports[i] as number;
  });
  return out;
}
