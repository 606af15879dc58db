// Several engine apps on real loopback sockets that know each other as peers (ENGINE_PEERS, every
// replica listed, itself included, as a compose DNS name would list it), each with its own clock.
import { freePorts } from '@obs/test-support/ports';
import type { FastifyInstance } from 'fastify';
import { ManualClock, testApp } from './app.js';

export interface Replica {
  app: FastifyInstance;
  url: string;
  clock: ManualClock;
}

export interface ReplicaOptions {
  /** Extra environment per replica (index) or for all. */
  env?: Record<string, string> | ((index: number, urls: readonly string[]) => Record<string, string>);
  /** Base URLs added to every replica's ENGINE_PEERS (fake peers of a test). */
  extraPeers?: readonly string[];
  startMs?: number;
}

export async function startReplicas(count: number, options: ReplicaOptions = {}): Promise<Replica[]> {
  const ports = await freePorts(count);
  const urls = ports.map((p) => `http://127.0.0.1:${p}`);
  const peers = [...urls, ...(options.extraPeers ?? [])].join(',');
  const replicas: Replica[] = [];
  try {
    for (let i = 0; i < count; i += 1) {
      const extra = typeof options.env === 'function' ? options.env(i, urls) : (options.env ?? {});
      const clock = new ManualClock(options.startMs);
      const app = await testApp({ clock, env: { ENGINE_PEERS: peers, ENGINE_INSTANCE_ID: `replica-${i}`, ...extra } });
      replicas.push({ app, url: urls[i] as string, clock });
      await app.listen({ port: ports[i] as number, host: '127.0.0.1' });
    }
  } catch (err) {
    await stopReplicas(replicas);
    throw err;
  }
  return replicas;
}

export async function stopReplicas(replicas: readonly Replica[]): Promise<void> {
  await Promise.all(replicas.map((r) => r.app.close()));
}
