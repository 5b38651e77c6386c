// `npm run check:metrics`: what Prometheus will make of the broker, checked by its own tool.
// Starts the real broker on an ephemeral port (on the Redis at 127.0.0.1:6379, under a key prefix
// of its own), drives real traffic through it, scrapes /metrics and hands the text to
// `promtool check metrics`; then checks and unit-tests the alert rules. Any finding fails.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startRedisBroker } from '../test/e2e/redis-broker.js';
import { connectRedis, deleteKeys, uniquePrefix } from '../test/grants/redis-support.js';
import { TRAFFIC_CONFIG, driveTraffic } from '../test/metrics/drive-traffic.js';
import { quietLogger } from '../test/support/test-broker.js';

const ROOT = resolve(import.meta.dirname, '..');
const RULES = 'deploy/prometheus/mandate-rules.yaml';
const RULE_TESTS = 'deploy/prometheus/mandate-rules.test.yaml';

/** Runs promtool; fails on a non-zero exit, and on any output when `silent` is expected. */
function promtool(args: string[], options: { input?: string; silent?: boolean } = {}): void {
  const run = spawnSync('promtool', args, { cwd: ROOT, input: options.input, encoding: 'utf8' });
  if (run.error) throw new Error(`promtool could not run (${run.error.message}); see .ci/run`);
  const output = `${run.stdout}${run.stderr}`.trim();
  if (run.status !== 0 || (options.silent && output !== ''))
    throw new Error(`promtool ${args.join(' ')} failed (exit ${run.status}):\n${output}`);
  console.log(`promtool ${args.join(' ')}: ok${options.silent ? '' : `\n${output}`}`);
}

async function scrapeAfterTraffic(): Promise<string> {
  const redis = await connectRedis();
  const prefix = uniquePrefix();
  const t = await startRedisBroker(prefix, {
    config: TRAFFIC_CONFIG,
    deps: { logger: quietLogger },
  });
  try {
    await driveTraffic(t, () => Math.floor(Date.now() / 1000));
    const res = await fetch(`${t.url}/metrics`);
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
    return await res.text();
  } finally {
    await t.close();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  }
}

const text = await scrapeAfterTraffic();
// promtool passes empty input, so make sure the scrape is the broker's, with traffic in it.
if (!/^mandate_exchanges_total\{outcome="granted"\} [1-9]/m.test(text))
  throw new Error('the scrape holds no granted exchange: the traffic did not reach the broker');
console.log(`scraped ${text.split('\n').length} lines of /metrics after traffic`);
promtool(['check', 'metrics'], { input: text, silent: true });
promtool(['check', 'rules', RULES]);
promtool(['test', 'rules', RULE_TESTS]);
