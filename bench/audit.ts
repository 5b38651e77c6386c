// Exchanges per second with the audit trail writing to a file (hash chain, signed checkpoints,
// size-based rotation) against the same broker without an audit trail, in interleaved rounds of
// one run, so machine noise falls on both alike; prints each round and the ratio on/off.
// Run: npm run bench -- bench/audit.ts
// Env: BENCH_SECONDS (per round, default 4), BENCH_CONCURRENCY (default 16),
// BENCH_ROUNDS (rounds of each, default 3).
import '../src/platform/v8-flags.js';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { AuditLog } from '../src/audit/audit-log.js';
import { buildBroker } from '../src/app/build-broker.js';
import { startServer, type RunningServer } from '../src/app/start-server.js';
import { parseConfig } from '../src/config/load-config.js';
import { exchangeOrThrow } from '../test/support/post-exchange.js';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES } from '../test/support/test-broker.js';
import { createTestTrustDomain, type TestTrustDomain } from '../test/support/trust-domain.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

/** No audit trail at all: what "off" costs. */
const NO_AUDIT: AuditLog = { record: () => undefined, write: () => Promise.resolve() };

async function start(td: TestTrustDomain, file: string | undefined): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-bench-audit-'));
  const raw = {
    issuer: 'http://mandate.bench',
    trust: { spiffe: [{ trust_domain: td.trustDomain, bundle_file: td.bundleFile }] },
    resources: TEST_RESOURCES,
    policy: { dir: EXAMPLE_POLICY_DIR },
    // Every exchange starts a task: keep the live-task bound out of the measurement.
    limits: { max_live_tasks: 1_000_000 },
    loops: { rate_limit: { max: 1_000_000, window: 60 } },
    ...(file ? { audit: { sinks: [{ type: 'file', path: file }] } } : {}),
  };
  writeFileSync(join(dir, 'mandate.yaml'), JSON.stringify(raw));
  const broker = await buildBroker(parseConfig(raw, join(dir, 'mandate.yaml')), {
    logger: pino({ level: 'silent' }),
    ...(file ? {} : { audit: NO_AUDIT }),
  });
  return startServer(broker, { host: '127.0.0.1', port: 0 });
}

/** Runs CONCURRENCY clients against `url` for SECONDS; returns [exchanges, seconds]. */
async function load(url: string, svid: string): Promise<[number, number]> {
  const deadline = Date.now() + SECONDS * 1000;
  let done = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < deadline) {
        await exchangeOrThrow(url, svid, { intent: { purpose: 'bench', targets: ['T-1'] } });
        done += 1;
      }
    }),
  );
  return [done, (Date.now() - started) / 1000];
}

async function main(): Promise<void> {
  const td = await createTestTrustDomain('bench.example');
  const svid = await td.svid({ path: '/agent/triage', expiresIn: 3600 });
  const file = join(mkdtempSync(join(tmpdir(), 'mandate-bench-trail-')), 'audit.jsonl');
  const off = await start(td, undefined);
  const on = await start(td, file);
  await load(off.url, svid); // warm up both
  await load(on.url, svid);
  const total: Record<'off' | 'on', { n: number; s: number }> = {
    off: { n: 0, s: 0 },
    on: { n: 0, s: 0 },
  };
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const [name, server] of [
      ['off', off],
      ['on', on],
    ] as const) {
      const [n, s] = await load(server.url, svid);
      total[name].n += n;
      total[name].s += s;
      console.log(
        `round ${round} audit ${name.padEnd(3)} ${(n / s).toFixed(0).padStart(6)} exchanges/s`,
      );
    }
  }
  const rate = (t: { n: number; s: number }) => t.n / t.s;
  console.log(
    `file sink off ${rate(total.off).toFixed(0)}/s, on ${rate(total.on).toFixed(0)}/s: ratio on/off ${(rate(total.on) / rate(total.off)).toFixed(3)} (${(statSync(file).size / 1e6).toFixed(1)} MB written)`,
  );
  await off.close();
  await on.close();
}

await main();
