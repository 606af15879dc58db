// Free loopback ports for the processes the test starts. All are reserved at once (held open
// together, then released) so one call never hands out the same port twice.
import { createServer, type Server } from 'node:net';

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

/** Free ports by name: `const p = await namedPorts(['http', 'grpc'])` then `p.http`. */
export async function namedPorts<const K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const ports = await freePorts(names.length);
  const out = {} as Record<K, number>;
  names.forEach((name, i) => {
    out[name] = ports[i] as number;
  });
  return out;
}
