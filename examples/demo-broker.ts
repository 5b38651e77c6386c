// The broker of the demos (`npm run demo`, `npm run demo:mcp`): the dev config on a port of its
// own, run as its own process (`mandate serve`, dev mode, in-memory store), with an API key for
// the protected API and one for an operator who revokes.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/** The repository's root. */
export const REPO = resolve(import.meta.dirname, '..');

/** Prints one line of a demo, naming who speaks. */
export const say = (who: string, line: string) => process.stdout.write(`[${who}] ${line}\n`);

/** A port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A running demo broker. */
export interface DemoBroker {
  /** Where it listens; also its issuer. */
  readonly url: string;
  /** Its config file (`mandate dev svid --config` reads the dev trust domain from it). */
  readonly file: string;
  /** An API key with the resource_server role, for the protected API's verifier. */
  readonly apiKey: string;
  /** An API key with the revoker role. */
  readonly operatorKey: string;
  /** What the broker wrote to stderr, for a failure's report. */
  errors(): string;
  /** Stops the broker (SIGTERM, then SIGKILL after 5 s) and removes its folder. */
  stop(): Promise<void>;
}

const keyEntry = (name: string, key: string, role: string) => ({
  name,
  sha256: createHash('sha256').update(key).digest('hex'),
  roles: [role],
});

/**
 * Starts the broker with the dev config (config/mandate.yaml), `resources` laid over its
 * catalogue, and waits until `/readyz` answers 200.
 *
 * @example
 * const broker = await startDemoBroker();
 * try { ... } finally { await broker.stop(); }
 */
export async function startDemoBroker(
  options: { resources?: (catalogue: Record<string, unknown>) => Record<string, unknown> } = {},
): Promise<DemoBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-demo-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = parse(readFileSync(join(REPO, 'config/mandate.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  const apiKey = `mdt_${randomBytes(24).toString('base64url')}`;
  const operatorKey = `mdt_${randomBytes(24).toString('base64url')}`;
  const file = join(dir, 'mandate.yaml');
  const catalogue = config.resources as Record<string, unknown>;
  const demo = {
    ...config,
    server: { host: '127.0.0.1', port },
    issuer: url,
    dev: { trust_domain: 'dev.mandate.local', dir: join(REPO, '.mandate-dev') },
    policy: { dir: join(REPO, 'config/policies') },
    resources: options.resources ? options.resources(catalogue) : catalogue,
    operators: {
      api_keys: [
        keyEntry('protected-api', apiKey, 'resource_server'),
        keyEntry('demo-operator', operatorKey, 'revoker'),
      ],
    },
  };
  writeFileSync(file, stringify(demo));

  const broker = spawn(
    process.execPath,
    [join(REPO, 'bin/mandate.js'), 'serve', '--config', file],
    {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  broker.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((r) => broker.once('exit', () => r()));
  // The broker is ours: stopped and waited for, so a demo leaves no process behind.
  const stop = async () => {
    if (broker.exitCode === null && broker.signalCode === null) {
      broker.kill('SIGTERM');
      const forced = setTimeout(() => broker.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(forced);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const running: DemoBroker = { url, file, apiKey, operatorKey, errors: () => stderr, stop };
  try {
    const end = Date.now() + 30_000;
    while (Date.now() < end && broker.exitCode === null) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return running;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the broker did not become ready${stderr ? `: ${stderr}` : ''}`);
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Runs a demo: starts the broker, runs `demo` with it, stops the broker whatever happens, and
 * returns the exit code (0 when `demo` resolved true). A failure is said, with the broker's
 * stderr.
 *
 * @example
 * process.exit(await runDemo({}, async (broker) => checkSomething(broker.url)));
 */
export async function runDemo(
  options: Parameters<typeof startDemoBroker>[0],
  demo: (broker: DemoBroker) => Promise<boolean>,
): Promise<number> {
  let broker: DemoBroker | undefined;
  try {
    broker = await startDemoBroker(options);
    say('demo', `broker on ${broker.url}`);
    return (await demo(broker)) ? 0 : 1;
  } catch (err) {
    say('demo', `failed: ${err instanceof Error ? err.message : String(err)}`);
    if (broker?.errors()) process.stderr.write(broker.errors());
    return 1;
  } finally {
    await broker?.stop();
  }
}
