// ENGINE_PEERS / ENGINE_PEERS_DNS / ENGINE_PEER_TIMEOUT_MS: read once at start-up, a bad value
// named in the error; without either variable the engine answers for itself alone.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

function problem(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('cluster configuration', () => {
  it('is off by default', () => {
    expect(loadConfig({}).cluster).toBeUndefined();
    expect(loadConfig({ ENGINE_PEERS: ' ', ENGINE_PEERS_DNS: '' }).cluster).toBeUndefined();
  });

  it('reads a static list (trailing slashes dropped, duplicates once) and a DNS name', () => {
    const c = loadConfig({ ENGINE_PEERS: 'http://a:8080/, http://b:8080,http://a:8080', ENGINE_PEER_TIMEOUT_MS: '250' }).cluster;
    expect(c).toMatchObject({ staticPeers: ['http://a:8080', 'http://b:8080'], dns: undefined, peerTimeoutMs: 250, dnsRefreshMs: 5000 });
    const d = loadConfig({ ENGINE_PEERS_DNS: 'correlation-engine:8080', ENGINE_PEERS_DNS_REFRESH_MS: '2000' }).cluster;
    expect(d).toMatchObject({ staticPeers: [], dns: { host: 'correlation-engine', port: 8080 }, dnsRefreshMs: 2000, peerTimeoutMs: 1000 });
  });

  it('refuses bad values by name', () => {
    expect(problem({ ENGINE_PEERS: 'http://a:8080,ftp://b' })).toContain('ENGINE_PEERS: not an http(s) base URL');
    expect(problem({ ENGINE_PEERS: 'http://user:pw@a:8080' })).toContain('ENGINE_PEERS:');
    expect(problem({ ENGINE_PEERS: 'http://a:8080/?x=1' })).toContain('ENGINE_PEERS:');
    const many = Array.from({ length: 65 }, (_, i) => `http://e${i}:8080`).join(',');
    expect(problem({ ENGINE_PEERS: many })).toContain('ENGINE_PEERS: at most 64 peers');
    expect(problem({ ENGINE_PEERS_DNS: 'correlation-engine' })).toContain('ENGINE_PEERS_DNS: must be <dns name>:<port>');
    expect(problem({ ENGINE_PEERS_DNS: 'engine:70000' })).toContain('ENGINE_PEERS_DNS: port must be <= 65535');
    expect(problem({ ENGINE_PEERS: 'http://a:8080', ENGINE_PEERS_DNS: 'engine:8080' })).toContain('not both');
    expect(problem({ ENGINE_PEER_TIMEOUT_MS: '0' })).toContain('ENGINE_PEER_TIMEOUT_MS');
  });
});
