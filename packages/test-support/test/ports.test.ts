import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePorts, namedPorts } from '#ports';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

describe('freePorts', () => {
  it('hands out distinct ports below the ephemeral range, each free to listen on', async () => {
    const ports = await freePorts(40);
    expect(new Set(ports).size).toBe(40);
    // Outgoing connections take their local ports from the ephemeral range: these are out of their way.
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow);
    for (const port of ports.slice(0, 5)) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('names them', async () => {
    const p = await namedPorts(['http', 'grpc']);
    expect(p.http).not.toBe(p.grpc);
    expect(p.http).toBeGreaterThan(0);
  });
});
