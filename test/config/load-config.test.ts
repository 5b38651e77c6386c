import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';

function writeConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-config-'));
  const file = join(dir, 'mandate.yaml');
  writeFileSync(file, text);
  return file;
}

const MINIMAL = `
issuer: https://mandate.example
resources:
  tickets:
    audience: https://tickets.example
    scopes: { 'tickets:read': read }
policy: { dir: policies }
`;

describe('loadConfig', () => {
  it('fills every default and resolves paths against the file', () => {
    const file = writeConfig(MINIMAL);
    const config = loadConfig(file);
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 8080,
      headers_timeout: 10,
      request_timeout: 30,
      keep_alive_timeout: 5,
      max_connections: 1024,
      shutdown_grace: 10,
    });
    expect(config.signing).toEqual({ algorithm: 'ES256', keys: [] });
    expect(config.store).toEqual({
      prefix: 'mandate',
      command_timeout_ms: 1000,
      connect_timeout_ms: 2000,
      epoch_check_interval: 5,
    });
    expect(config.tiers).toEqual({
      read: { ttl: 300 },
      write: { ttl: 120 },
      destructive: { ttl: 60 },
    });
    expect(config.policy.dir).toBe(join(file, '..', 'policies'));
    expect(config.resources.tickets).toMatchObject({ sensitivity: 'internal', kind: 'api' });
  });

  it('lets PORT, REDIS_URL and MANDATE_ISSUER override the file', () => {
    const config = loadConfig(writeConfig(MINIMAL), {
      PORT: '9090',
      REDIS_URL: 'redis://10.0.0.1:6379',
      MANDATE_ISSUER: 'https://other.example',
    });
    expect(config.server.port).toBe(9090);
    expect(config.store.redis_url).toBe('redis://10.0.0.1:6379');
    expect(config.issuer).toBe('https://other.example');
  });

  it('parses durations in tiers and limits', () => {
    const config = loadConfig(
      writeConfig(
        `${MINIMAL}\ntiers: { read: { ttl: 90s }, write: { ttl: 2m }, destructive: { ttl: 30 } }\nlimits: { max_task_age: 1h }\n`,
      ),
    );
    expect(config.tiers.read.ttl).toBe(90);
    expect(config.tiers.write.ttl).toBe(120);
    expect(config.tiers.destructive.ttl).toBe(30);
    expect(config.limits.max_task_age).toBe(3600);
  });

  it('reports every problem at once, each with its path', () => {
    const file = writeConfig(`
issuer: not-a-url
server: { port: 70000 }
resources:
  tickets:
    audience: https://tickets.example
    scopes: { 'tickets:read': readonly }
tiers: { read: { ttl: soon }, write: { ttl: 1m }, destructive: { ttl: 1m } }
policy: { dir: policies }
surprise: true
`);
    let error: unknown;
    try {
      loadConfig(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^issuer: /m);
    expect(problems).toMatch(/^server\.port: /m);
    expect(problems).toMatch(/^resources\.tickets\.scopes\.tickets:read: /m);
    expect(problems).toMatch(/^tiers\.read\.ttl: not a duration: soon/m);
    expect(problems).toMatch(/surprise/);
    expect((error as ConfigError).message).toContain(file);
  });

  it('names a file that cannot be read or parsed', () => {
    expect(() => loadConfig('/nonexistent/mandate.yaml')).toThrow(/cannot read the file: ENOENT/);
    expect(() => loadConfig(writeConfig('issuer: [unclosed'))).toThrow(/not valid YAML/);
  });

  it('refuses an operator key entry whose sha256 is not hex', () => {
    expect(() =>
      loadConfig(
        writeConfig(
          `${MINIMAL}\noperators: { api_keys: [ { name: a, sha256: plain-key, roles: [admin] } ] }\n`,
        ),
      ),
    ).toThrow(/operators\.api_keys\.0\.sha256: sha256 is the hex sha256/);
  });

  it('takes connection limits as durations and counts, and refuses ones that cannot hold', () => {
    const server = loadConfig(
      writeConfig(
        `${MINIMAL}\nserver: { headers_timeout: 5s, request_timeout: 1m, keep_alive_timeout: 2, max_connections: 64, shutdown_grace: 20s }\n`,
      ),
    ).server;
    expect(server).toMatchObject({
      headers_timeout: 5,
      request_timeout: 60,
      keep_alive_timeout: 2,
      max_connections: 64,
      shutdown_grace: 20,
    });
    expect(() =>
      loadConfig(
        writeConfig(`${MINIMAL}\nserver: { headers_timeout: 1m, request_timeout: 30s }\n`),
      ),
    ).toThrow(/server: headers_timeout cannot be longer than request_timeout/);
    expect(() => loadConfig(writeConfig(`${MINIMAL}\nserver: { max_connections: 0 }\n`))).toThrow(
      /server\.max_connections: /,
    );
  });

  it('gives transaction tokens 5 minutes unless txn_tokens.ttl says otherwise, at most 1h', () => {
    expect(loadConfig(writeConfig(MINIMAL)).txn_tokens).toEqual({ ttl: 300 });
    expect(loadConfig(writeConfig(`${MINIMAL}\ntxn_tokens: { ttl: 90s }\n`)).txn_tokens.ttl).toBe(
      90,
    );
    expect(() => loadConfig(writeConfig(`${MINIMAL}\ntxn_tokens: { ttl: 2h }\n`))).toThrow(
      /txn_tokens\.ttl: txn_tokens\.ttl is between 1s and 3600s/,
    );
    expect(loadConfig('config/mandate.example.yaml').txn_tokens.ttl).toBe(300);
  });

  it('serves /metrics on the operator listener unless admin.metrics is false', () => {
    expect(loadConfig(writeConfig(MINIMAL)).admin).toBeUndefined();
    const off = loadConfig(writeConfig(`${MINIMAL}\nadmin: { metrics: false }\n`));
    expect(off.admin).toEqual({ metrics: false });
    const listener = loadConfig(writeConfig(`${MINIMAL}\nadmin: { listen: { port: 8081 } }\n`));
    expect(listener.admin).toEqual({ listen: { host: '127.0.0.1', port: 8081 }, metrics: true });
  });

  it('limits a resource_server key to audiences of the catalogue, and no other key', () => {
    const key = (extra: string) =>
      `${MINIMAL}\noperators: { api_keys: [ { name: a, sha256: '${'a'.repeat(64)}', ${extra} } ] }\n`;
    const limited = loadConfig(
      writeConfig(key(`roles: [resource_server], audiences: ['https://tickets.example']`)),
    );
    expect(limited.operators.api_keys[0]!.audiences).toEqual(['https://tickets.example']);
    expect(() =>
      loadConfig(writeConfig(key(`roles: [resource_server], audiences: ['https://nope.example']`))),
    ).toThrow(
      /operators\.api_keys\.0\.audiences\.0: no resource has the audience https:\/\/nope\.example/,
    );
    for (const roles of ['[viewer]', '[admin]', '[resource_server, viewer]'])
      expect(() =>
        loadConfig(writeConfig(key(`roles: ${roles}, audiences: ['https://tickets.example']`))),
      ).toThrow(
        /operators\.api_keys\.0\.audiences: audiences limit a key whose only role is resource_server/,
      );
  });

  it('loads the shipped dev and example configs', () => {
    expect(loadConfig('config/mandate.yaml').dev?.trust_domain).toBe('dev.mandate.local');
    const example = loadConfig('config/mandate.example.yaml');
    expect(example.store.redis_url).toBe('redis://127.0.0.1:6379');
    expect(example.trust.spiffe[0]?.trust_domain).toBe('prod.example');
  });
});
