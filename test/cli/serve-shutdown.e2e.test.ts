import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { OPERATOR_KEYS, redisBrokerConfig } from '../e2e/redis-broker.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../grants/redis-support.js';
import { exchangeBody } from '../support/post-exchange.js';
import { heldTokenRequest } from '../support/raw-http.js';
import { createTestTrustDomain } from '../support/trust-domain.js';
import { MANDATE, ROOT } from './run-cli.js';

// `mandate serve` as an orchestrator stops it: SIGTERM while a request is in flight and a
// revocation stream is open. The request is answered, the stream ends, the process exits 0.
describe('mandate serve on SIGTERM', () => {
  const prefix = uniquePrefix();
  afterAll(async () => {
    const redis = await connectRedis();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('answers the request in flight, ends the stream, and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mandate-sigterm-'));
    const td = await createTestTrustDomain('test.example', dir);
    const file = join(dir, 'mandate.yaml');
    writeFileSync(
      file,
      stringify({
        server: { host: '127.0.0.1', port: 0 },
        issuer: 'http://mandate.test',
        ...redisBrokerConfig(td, prefix),
      }),
    );
    const child = spawn(process.execPath, [...MANDATE, 'serve', '--config', file], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let out = '';
    const logged = (msg: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        const look = () => {
          const line = out
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
            .find((l) => typeof l.msg === 'string' && l.msg.startsWith(msg));
          if (line) {
            child.stdout.off('data', look);
            resolve(line);
          }
        };
        child.stdout.on('data', look);
        look();
      });
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = (await logged('mandate listening')).url as string;

    const stream = await fetch(`${url}/v1/revocations/stream`, {
      headers: { authorization: `Bearer ${OPERATOR_KEYS.viewer.key}` },
    });
    expect(stream.status).toBe(200);
    const streamText = stream.text();

    const body = JSON.stringify(exchangeBody(await td.svid({ path: '/agent/triage' })));
    // Expect: 100-continue makes the server say it has the request before the body is sent.
    const inFlight = await heldTokenRequest(url, body);

    child.kill('SIGTERM');
    expect(await logged('shutting down')).toMatchObject({ signal: 'SIGTERM', grace_seconds: 10 });
    inFlight.write(body);
    await inFlight.closed;
    const answer = inFlight.received().replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toMatch(/\r\nConnection: close\r\n/);
    expect(answer).toContain('"access_token"');

    await expect(streamText).resolves.toEqual(expect.any(String));
    expect(await exited).toBe(0);
    expect(out).toContain('"msg":"stopped"');
  }, 60_000);
});
