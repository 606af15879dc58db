// Free loopback ports for servers that are told their port instead of reporting the one they bound.
// The kernel picks them; the caller's child binds right after (the gap is tiny).
import { createServer, type Server } from 'node:net';

/**
 * `count` distinct free ports. All are held open together and then released, so one call never
 * hands out the same port twice.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port assigned');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
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
