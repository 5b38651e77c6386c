// Verifier benchmark: verifications per second (feed mode, keys cached) and the revocation
// propagation delay, from "the operator's revoke call returned" to "the API refuses the token",
// over 200+ revocations. The broker runs in its own process and answers over loopback:
//   broker (default): the real broker, `mandate serve` with the in-memory store; the agent's
//                     SVIDs come from a trust domain made here, tokens from POST /token-exchange,
//                     revocations from POST /v1/tasks/{id}/revoke.
//   broker-redis:     the same on Redis (127.0.0.1:6379, a prefix of its own, deleted after):
//                     revocations travel through the Redis stream to the broker's SSE.
//   double:           the test double speaking the same wire contract (test/support).
//   node --no-turbo-inline-js-wasm-calls --import tsx bench/verifier.ts [broker|broker-redis|double] [revocations]
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startTicketsApi } from '../examples/downstream-api/server.js';
import { createVerifier, type Verifier } from '@mandate/verifier';
import {
  startFakeRevocationFeed,
  type FakeRevocationFeed,
} from '../test/support/fake-revocation-feed.js';
import { exchangeOrThrow } from '../test/support/post-exchange.js';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES } from '../test/support/test-broker.js';
import { createTestTrustDomain } from '../test/support/trust-domain.js';
import { REDIS_URL, connectRedis, deleteKeys } from '../test/grants/redis-support.js';

const REPO = resolve(import.meta.dirname, '..');

/** A broker to measure against. */
interface BenchTarget {
  readonly issuer: string;
  readonly brokerUrl: string;
  readonly apiKey: string;
  /** A token for a new task, tickets:read on https://tickets.example. */
  getToken(): Promise<{ token: string; agentId: string; taskId: string }>;
  /** The operator's revoke call; resolves when the broker has answered 200. */
  revokeTask(agentId: string, taskId: string): Promise<void>;
  close(): Promise<void>;
}

type Reply = { id: number; token: string; sub: string; task: string };

/** The double in a child process; tokens come over IPC, revocations over its HTTP operator API. */
async function doubleInChild(): Promise<BenchTarget> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve-double'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const info = await new Promise<{ url: string; issuer: string; apiKey: string }>((resolve) =>
    child.once('message', (m) => resolve(m as { url: string; issuer: string; apiKey: string })),
  );
  const waiting = new Map<number, (r: Reply) => void>();
  child.on('message', (m) => waiting.get((m as Reply).id)?.(m as Reply));
  let next = 0;
  return {
    ...info,
    brokerUrl: info.url,
    getToken: () =>
      new Promise((resolve) => {
        const id = next++;
        waiting.set(id, (r) => {
          waiting.delete(id);
          resolve({ token: r.token, agentId: r.sub, taskId: r.task });
        });
        child.send({ id });
      }),
    revokeTask: (agent, task) => revokeTask(info.url, info.apiKey, agent, task),
    close: async () => {
      child.kill();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/**
 * `mandate serve` in a child process with one operator key (resource_server, revoker), on the
 * in-memory store, or on Redis under a prefix of its own, deleted afterwards.
 */
async function realBroker(store: 'memory' | 'redis'): Promise<BenchTarget> {
  const prefix = `bench-${randomBytes(6).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-'));
  const td = await createTestTrustDomain('bench.example', dir);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const apiKey = `mdt_${randomBytes(24).toString('base64url')}`;
  const config = join(dir, 'mandate.yaml');
  writeFileSync(
    config,
    stringify({
      server: { host: '127.0.0.1', port },
      issuer: url,
      trust: {
        spiffe: [
          { trust_domain: td.trustDomain, bundle_file: td.bundleFile, audiences: ['mandate'] },
        ],
      },
      resources: TEST_RESOURCES,
      policy: { dir: EXAMPLE_POLICY_DIR },
      ...(store === 'redis' ? { store: { redis_url: REDIS_URL, prefix } } : {}),
      operators: {
        api_keys: [
          {
            name: 'bench',
            sha256: createHash('sha256').update(apiKey).digest('hex'),
            roles: ['resource_server', 'revoker'],
          },
        ],
      },
    }),
  );
  const child = spawn(
    process.execPath,
    ['--no-turbo-inline-js-wasm-calls', join(REPO, 'bin/mandate.js'), 'serve', '-c', config],
    {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const end = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > end || child.exitCode !== null) throw new Error('the broker did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const agentId = `spiffe://${td.trustDomain}/agent/triage`;
  const svid = await td.svid({ path: '/agent/triage', expiresIn: 3_000 });
  return {
    issuer: url,
    brokerUrl: url,
    apiKey,
    getToken: async () => ({ ...(await exchangeOrThrow(url, svid)), agentId }),
    revokeTask: (agent, task) => revokeTask(url, apiKey, agent, task),
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      if (store === 'redis') {
        const redis = await connectRedis();
        await deleteKeys(redis, prefix);
        redis.disconnect();
      }
    },
  };
}

/** The operator's revoke, as an operator sends it; resolves once the broker answered 200. */
async function revokeTask(url: string, key: string, agent: string, task: string): Promise<void> {
  const res = await fetch(
    `${url}/v1/tasks/${encodeURIComponent(task)}/revoke?agent=${encodeURIComponent(agent)}`,
    { method: 'POST', headers: { authorization: `Bearer ${key}` } },
  );
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`revoke answered ${res.status}`);
}

async function runDouble(): Promise<void> {
  const double: FakeRevocationFeed = await startFakeRevocationFeed();
  process.on('message', (m) => {
    void double.issue().then((t) => process.send!({ id: (m as { id: number }).id, ...t }));
  });
  process.send!({ url: double.url, issuer: double.issuer, apiKey: double.apiKey });
}

async function verificationsPerSecond(verifier: Verifier, tokens: string[], ms: number) {
  for (const t of tokens) await verifier.verify(t); // warm keys and JIT
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await verifier.verify(tokens[n % tokens.length]!, { scopes: ['tickets:read'] });
    n++;
  }
  return (n / (performance.now() - start)) * 1000;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  const which = process.argv[2] ?? 'broker';
  const revocations = Number(process.argv[3] ?? 200);
  const targets = {
    broker: ['the real broker (mandate serve, in-memory store)', () => realBroker('memory')],
    'broker-redis': ['the real broker (mandate serve, Redis store)', () => realBroker('redis')],
    double: ['the broker test double', doubleInChild],
  } as const;
  if (!(which in targets)) throw new Error(`target: ${Object.keys(targets).join(', ')}`);
  const [label, start] = targets[which as keyof typeof targets];
  const target = await start();
  process.stdout.write(`target: ${label}, in its own process, over loopback\n`);
  const common = {
    issuer: target.issuer,
    brokerUrl: target.brokerUrl,
    audience: TEST_RESOURCES.tickets.audience,
  };
  const feed = createVerifier({ ...common, revocation: { mode: 'feed', apiKey: target.apiKey } });
  const none = createVerifier({ ...common, revocation: { mode: 'none' } });
  await feed.ready();

  const tokens = await Promise.all(Array.from({ length: 100 }, () => target.getToken()));
  const raw = tokens.map((t) => t.token);
  // Alternated and the best of two kept, so machine noise does not favour whichever ran first.
  let feedRate = 0;
  let noneRate = 0;
  for (let round = 0; round < 2; round++) {
    noneRate = Math.max(noneRate, await verificationsPerSecond(none, raw, 1_500));
    feedRate = Math.max(feedRate, await verificationsPerSecond(feed, raw, 1_500));
  }
  process.stdout.write(
    `verifications/s, one core, ES256, 100 distinct tokens: feed ${feedRate.toFixed(0)}, ` +
      `none ${noneRate.toFixed(0)} (feed/none ${(feedRate / noneRate).toFixed(2)})\n`,
  );
  await Promise.all([feed.close(), none.close()]);

  // When the API's verifier applied each revocation, by task: the feed's own share of the delay.
  const applied = new Map<string, number>();
  const api = await startTicketsApi({
    ...common,
    apiKey: target.apiKey,
    onRevocation: (e) => applied.set(e.task ?? '', performance.now()),
  });
  const get = async (token: string) => {
    const res = await fetch(`${api.url}/tickets/T-1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    return res.status;
  };
  const delays: number[] = [];
  const feedDelays: number[] = [];
  let polls = 0;
  for (let i = 0; i < revocations; i++) {
    const agent = await target.getToken();
    if ((await get(agent.token)) !== 200) throw new Error('a fresh token was refused');
    const sent = performance.now();
    await target.revokeTask(agent.agentId, agent.taskId);
    const returned = performance.now();
    let status = 200;
    while (status === 200) {
      status = await get(agent.token);
      polls++;
      if (performance.now() - returned > 5_000) throw new Error('not refused within 5 s');
    }
    if (status !== 401) throw new Error(`refused with ${status}`);
    delays.push(performance.now() - returned);
    feedDelays.push(applied.get(agent.taskId)! - sent);
  }
  await api.close();
  await target.close();
  delays.sort((a, b) => a - b);
  feedDelays.sort((a, b) => a - b);
  process.stdout.write(
    `revocation propagation, operator revoke returned -> API refuses, ${revocations} revocations: ` +
      `p50 ${percentile(delays, 50).toFixed(2)} ms, p99 ${percentile(delays, 99).toFixed(2)} ms, ` +
      `max ${delays.at(-1)!.toFixed(2)} ms (${(polls / revocations).toFixed(2)} API calls per revocation)\n` +
      `  of which revoke sent -> entry applied in the API's verifier: ` +
      `p50 ${percentile(feedDelays, 50).toFixed(2)} ms, p99 ${percentile(feedDelays, 99).toFixed(2)} ms\n`,
  );
}

if (process.argv.includes('--serve-double')) await runDouble();
else await main();
