// `npm run demo`: the whole loop on this machine. Starts the broker in dev mode (its own
// process, as `mandate serve`), the tickets API with the verifier following the revocation feed,
// then the agent: SVID -> token -> API calls -> task complete -> the next call is refused; then
// one delegated hop: a research agent's token handed to a summarizer, accepted by the API until
// an operator revokes the research agent's task.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { runAgent } from './agent/agent.js';
import { runDelegatedHop } from './agent/delegated-hop.js';
import { startTicketsApi } from './downstream-api/server.js';

const REPO = resolve(import.meta.dirname, '..');
const say = (who: string, line: string) => process.stdout.write(`[${who}] ${line}\n`);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** The dev config with a port of its own, an API key for the tickets API and one to revoke. */
function writeConfig(
  dir: string,
  port: number,
): { file: string; apiKey: string; operatorKey: string } {
  const config = parse(readFileSync(join(REPO, 'config/mandate.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const apiKey = `mdt_${randomBytes(24).toString('base64url')}`;
  const operatorKey = `mdt_${randomBytes(24).toString('base64url')}`;
  const file = join(dir, 'mandate.yaml');
  const demo = {
    ...config,
    server: { host: '127.0.0.1', port },
    issuer: `http://127.0.0.1:${port}`,
    dev: { trust_domain: 'dev.mandate.local', dir: join(REPO, '.mandate-dev') },
    policy: { dir: join(REPO, 'config/policies') },
    operators: {
      api_keys: [
        {
          name: 'tickets-api',
          sha256: createHash('sha256').update(apiKey).digest('hex'),
          roles: ['resource_server'],
        },
        {
          name: 'demo-operator',
          sha256: createHash('sha256').update(operatorKey).digest('hex'),
          roles: ['revoker'],
        },
      ],
    },
  };
  writeFileSync(file, stringify(demo));
  return { file, apiKey, operatorKey };
}

async function waitReady(url: string, broker: ChildProcess): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end && broker.exitCode === null) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the broker did not become ready');
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-demo-'));
  const port = await freePort();
  const { file, apiKey, operatorKey } = writeConfig(dir, port);
  const brokerUrl = `http://127.0.0.1:${port}`;

  say('demo', `starting the broker on ${brokerUrl} (dev mode, in-memory store)`);
  const broker = spawn(
    process.execPath,
    [join(REPO, 'bin/mandate.js'), 'serve', '--config', file],
    {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let brokerErr = '';
  broker.stderr?.on('data', (chunk: Buffer) => (brokerErr += chunk.toString()));
  const exited = new Promise<void>((r) => broker.once('exit', () => r()));
  // The broker is ours: stopped and waited for, so the demo leaves no process behind.
  const cleanup = async () => {
    if (broker.exitCode === null && broker.signalCode === null) {
      broker.kill('SIGTERM');
      const forced = setTimeout(() => broker.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(forced);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(brokerUrl, broker);
    const api = await startTicketsApi({
      issuer: brokerUrl,
      apiKey,
      onRevocation: (e) =>
        say('api', `feed: ${e.kind} revoked (${e.reason}) ${e.task ?? e.jti ?? e.agent}`),
    });
    say('api', `tickets API on ${api.url}, verifier following ${brokerUrl}/v1/revocations/stream`);
    try {
      const { refusedAfterComplete } = await runAgent({
        brokerUrl,
        apiUrl: api.url,
        config: file,
        say: (line) => say('agent', line),
      });
      say(
        'demo',
        refusedAfterComplete
          ? 'done: the task ended and its token stopped working at the API at once.'
          : 'FAILED: the API still accepted the token after the task ended.',
      );
      say('demo', 'one delegated hop: a research agent hands its token to a summarizer');
      const { acceptedDelegated, refusedAfterRevoke } = await runDelegatedHop({
        brokerUrl,
        apiUrl: api.url,
        config: file,
        operatorKey,
        say,
      });
      const delegatedOk = acceptedDelegated && refusedAfterRevoke;
      say(
        'demo',
        delegatedOk
          ? "done: the summarizer's token worked until the research task was revoked, then stopped at once."
          : acceptedDelegated
            ? "FAILED: the API still accepted the summarizer's token after the research task was revoked."
            : "FAILED: the API refused the summarizer's delegated token.",
      );
      return refusedAfterComplete && delegatedOk ? 0 : 1;
    } finally {
      await api.close();
    }
  } catch (err) {
    say('demo', `failed: ${err instanceof Error ? err.message : String(err)}`);
    if (brokerErr) process.stderr.write(brokerErr);
    return 1;
  } finally {
    await cleanup();
  }
}

process.exit(await main());
