// Verifier benchmark: verifications per second (feed mode, keys cached) and the revocation
// propagation delay, from "the operator's revoke call returned" to "the API refuses the token",
// over 200+ revocations. The broker side is the test double, in its own process, speaking the
// broker's wire contract over loopback; `BenchTarget` is what a real broker run implements.
//   node --no-turbo-inline-js-wasm-calls --import tsx bench/verifier.ts [revocations]
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startTicketsApi } from '../examples/downstream-api/server.js';
import { createVerifier, type Verifier } from '../src/verifier/index.js';
import {
  FAKE_AUDIENCE,
  startFakeRevocationFeed,
  type FakeRevocationFeed,
} from '../test/support/fake-revocation-feed.js';

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
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--double'], {
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
    revokeTask: async (agentId, taskId) => {
      const res = await fetch(
        `${info.url}/v1/tasks/${encodeURIComponent(taskId)}/revoke?agent=${encodeURIComponent(agentId)}`,
        { method: 'POST', headers: { authorization: `Bearer ${info.apiKey}` } },
      );
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`revoke answered ${res.status}`);
    },
    close: async () => {
      child.kill();
      await new Promise((r) => child.once('exit', r));
    },
  };
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
  const revocations = Number(process.argv[2] ?? 200);
  const target = await doubleInChild();
  const common = { issuer: target.issuer, brokerUrl: target.brokerUrl, audience: FAKE_AUDIENCE };
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

if (process.argv.includes('--double')) await runDouble();
else await main();
