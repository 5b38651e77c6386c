import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES } from '../support/test-broker.js';
import { MANDATE, ROOT } from './run-cli.js';

/** A dev-mode config (a `dev:` section) on an ephemeral port, in a temp folder. */
function devConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-pretty-'));
  const file = join(dir, 'mandate.yaml');
  writeFileSync(
    file,
    stringify({
      server: { host: '127.0.0.1', port: 0 },
      issuer: 'http://127.0.0.1',
      dev: { trust_domain: 'dev.mandate.local', dir: join(dir, 'dev') },
      resources: TEST_RESOURCES,
      policy: { dir: EXAMPLE_POLICY_DIR },
    }),
  );
  return file;
}

/**
 * Runs `mandate serve` until it logs that it listens, then interrupts it (Ctrl-C through the
 * terminal, or SIGINT) and returns all it printed on stdout.
 */
function serveUntilListening(onTerminal: boolean): Promise<string> {
  const serve = [process.execPath, ...MANDATE, 'serve', '--config', devConfig()]
    .map((arg) => JSON.stringify(arg))
    .join(' ');
  // `script` runs the command on a pseudo-terminal, as a person's shell would.
  const child = onTerminal
    ? spawn('script', ['-qec', `exec ${serve}`, '/dev/null'], {
        cwd: ROOT,
        env: { ...process.env, NODE_OPTIONS: '' },
      })
    : spawn(process.execPath, [...MANDATE, 'serve', '--config', devConfig()], {
        cwd: ROOT,
        env: { ...process.env, NODE_OPTIONS: '' },
      });
  return new Promise((resolve, reject) => {
    let out = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!interrupted && out.includes('mandate listening')) {
        interrupted = true;
        if (onTerminal) child.stdin.write('\x03');
        else child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`serve exited ${code}: ${out}`)),
    );
  });
}

// eslint-disable-next-line no-control-regex
const stripColours = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('dev-mode logs', () => {
  it('are pretty-printed when stdout is a terminal', async () => {
    const lines = stripColours(await serveUntilListening(true)).split(/\r?\n/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[[\d:.]+\] INFO \(mandate\): mandate listening$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\[[\d:.]+\] WARN \(mandate\): DEV MODE: /),
    );
    expect(lines).toContainEqual('    store: "memory"');
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
  });

  it('stay JSON lines when stdout is not a terminal', async () => {
    const lines = (await serveUntilListening(false)).trim().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.find((l) => l.msg === 'mandate listening')).toEqual({
      level: 30,
      time: expect.any(Number) as number,
      pid: expect.any(Number) as number,
      hostname: expect.any(String) as string,
      name: 'mandate',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) as string,
      issuer: 'http://127.0.0.1',
      store: 'memory',
      msg: 'mandate listening',
    });
  });
});
