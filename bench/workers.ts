// Exchanges per second through `mandate serve --workers N` (the real CLI, from the sources, on
// the Redis store), for N = 1 and N = the machine's cores, and their ratio.
// Run: npm run bench bench/workers.ts
// Env: BENCH_SECONDS (per run, default 4), BENCH_CONCURRENCY (default 16), BENCH_ROUNDS (best
// of, default 2), BENCH_WORKERS (comma-separated counts, default `1,<cores>`).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { sharedSigningKey } from '../test/e2e/redis-broker.js';
import { clearPrefix } from '../test/grants/redis-support.js';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES } from '../test/support/test-broker.js';
import { createTestTrustDomain } from '../test/support/trust-domain.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const COUNTS = (process.env.BENCH_WORKERS ?? `1,${availableParallelism()}`).split(',').map(Number);
const ROOT = resolve(import.meta.dirname, '..');

/** CONCURRENCY clients, each a new task per exchange, for SECONDS: exchanges per second. */
async function load(url: string, svid: string): Promise<number> {
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, i) => {
      for (let n = 0; Date.now() < deadline; n += 1) {
        const res = await fetch(`${url}/token-exchange`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            subject_token: svid,
            subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
            audience: 'tickets',
            scope: 'tickets:read',
            intent: { purpose: 'bench', targets: [`T-${i}-${n}`] },
          }),
        });
        if (res.status !== 200) throw new Error(`exchange answered ${res.status}`);
        await res.arrayBuffer();
        done += 1;
      }
    }),
  );
  return done / ((Date.now() - started) / 1000);
}

/** Runs `load` in a child process, so the client does not share the broker's event loop. */
function loadInChild(url: string, svid: string): Promise<number> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'client', JSON.stringify({ url, svid })],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((done, fail) =>
    child.on('exit', (code) =>
      code === 0 ? done(Number(out.trim())) : fail(new Error(`client exited ${code}`)),
    ),
  );
}

/** `mandate serve --workers n`; resolves with its URL once every worker is ready. */
function serve(file: string, workers: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--no-turbo-inline-js-wasm-calls',
      '--import',
      'tsx',
      join(ROOT, 'src/cli/main.ts'),
      'serve',
      '--config',
      file,
      '--workers',
      String(workers),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((done, fail) => {
    let out = '';
    child.on('exit', (code) => fail(new Error(`mandate serve exited ${code}`)));
    const look = (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes(workers > 1 ? '"msg":"all workers ready"' : '"msg":"mandate listening"'))
        return;
      // From now on the logs are only drained: a full pipe would stall the broker's writes.
      child.stdout.off('data', look);
      child.stdout.resume();
      done({ child, url: /"url":"([^"]+)"/.exec(out)![1]! });
    };
    child.stdout.on('data', look);
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-workers-'));
  const td = await createTestTrustDomain('bench.example', dir);
  const svid = await td.svid({ path: '/agent/triage', expiresIn: 3600 });
  const prefix = `mbench-${randomBytes(4).toString('hex')}`;
  const file = join(dir, 'mandate.yaml');
  writeFileSync(
    file,
    stringify({
      server: { host: '127.0.0.1', port: 0 },
      issuer: 'http://mandate.bench',
      trust: { spiffe: [{ trust_domain: td.trustDomain, bundle_file: td.bundleFile }] },
      resources: TEST_RESOURCES,
      policy: { dir: EXAMPLE_POLICY_DIR },
      store: { redis_url: 'redis://127.0.0.1:6379', prefix },
      signing: { keys: [{ file: await sharedSigningKey() }] },
      loops: { enabled: false, rate_limit: { max: 0 } },
      limits: { max_live_tasks: 1_000_000 },
      audit: { sinks: [{ type: 'redis' }] },
    }),
  );
  console.log(
    `workers benchmark: ${SECONDS}s per run, best of ${ROUNDS}, ${CONCURRENCY} concurrent clients in a child process, ${availableParallelism()} cores`,
  );
  const rates = new Map<number, number>();
  for (const workers of COUNTS) {
    const { child, url } = await serve(file, workers);
    await loadInChild(url, svid); // warm
    let best = 0;
    for (let r = 0; r < ROUNDS; r++) best = Math.max(best, await loadInChild(url, svid));
    rates.set(workers, best);
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    console.log(`--workers ${workers}: ${Math.round(best)} exchanges/s`);
  }
  await clearPrefix(prefix);
  const base = rates.get(COUNTS[0]!)!;
  for (const [workers, rate] of rates)
    console.log(`--workers ${workers} / --workers ${COUNTS[0]}: ${(rate / base).toFixed(2)}x`);
}

if (process.argv[2] === 'client') {
  const { url, svid } = JSON.parse(process.argv[3]!) as { url: string; svid: string };
  console.log(JSON.stringify(await load(url, svid)));
  process.exit(0);
} else {
  await main();
}
