/**
 * The benchmark's child processes: servers it starts and waits for, and stops again, whatever
 * way the bench ends (normal end, a thrown error, Ctrl-C, SIGTERM).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { descendants } from './process-cpu.js';

/** A server running in a process of its own (and maybe processes below it). */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
  /** Why it stopped, if it did (an exit code or signal, and its last stderr lines). */
  readonly exited: () => string | undefined;
}

const running = new Set<ChildProcess>();

/** Stops `child` with the servers, whatever way the bench ends (the load client). */
export function track(child: ChildProcess): void {
  hookExit();
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * Sends SIGTERM to every child and every process below it, SIGKILL to what is left after
 * `graceMs`, and resolves once every child has exited (so nothing writes to Redis after it).
 * A cluster's workers exit with their primary. Safe to call more than once.
 */
export async function stopAll(graceMs = 3000): Promise<void> {
  const children = [...running];
  running.clear();
  const live = () => children.filter((c) => c.exitCode === null && c.signalCode === null);
  // A tree is read while its root lives, so no pid signalled can be another's by reuse.
  const tree = (c: ChildProcess) => (c.pid ? [c.pid, ...descendants(c.pid)] : []);
  const exited = Promise.all(
    live().map((c) => new Promise<void>((resolve) => c.once('exit', () => resolve()))),
  );
  for (const pid of live().flatMap(tree)) signal(pid, 'SIGTERM');
  const late = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs));
  if ((await Promise.race([exited, late])) === 'late')
    for (const pid of live().flatMap(tree)) signal(pid, 'SIGKILL');
  await exited;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

let hooked = false;
let cleanup: () => Promise<void> = stopAll;

/**
 * What to do when the bench is interrupted: `fn` (which should {@link stopAll} and then remove
 * what the bench made) instead of only stopping the children.
 */
export function onInterrupt(fn: () => Promise<void>): void {
  cleanup = fn;
  hookExit();
}

/** Stops the children on Ctrl-C and SIGTERM, and (by SIGKILL) when the bench exits anyway. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  for (const name of ['SIGINT', 'SIGTERM'] as const)
    process.once(name, () => {
      console.error(`\n${name}: stopping the servers and cleaning up`);
      cleanup().then(
        () => process.exit(130),
        (err: unknown) => {
          console.error('cleaning up failed:', err);
          process.exit(130);
        },
      );
    });
  process.once('exit', () => {
    for (const child of running)
      if (child.pid)
        for (const pid of [child.pid, ...descendants(child.pid)]) signal(pid, 'SIGKILL');
  });
}

/** How a server tells it is ready: a `{"ready": url}` line on stdout, or answering a URL. */
export type Readiness = { readonly line: true } | { readonly poll: string; readonly url: string };

/**
 * Spawns `node <args>` in `cwd` and resolves once the server is ready (or rejects with its
 * stderr when it exits first or takes longer than `timeoutMs`).
 */
export async function startServer(options: {
  readonly name: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly ready: Readiness;
  readonly timeoutMs?: number;
}): Promise<ServerProcess> {
  hookExit();
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env,
    // A server's stdout is only read for its ready line; the broker's (its logs and the audit
    // trail, as in production) goes to /dev/null, so no reader paces it.
    stdio: ['ignore', 'line' in options.ready ? 'pipe' : 'ignore', 'pipe'],
  });
  running.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let exited: string | undefined;
  const ended = new Promise<never>((_, reject) =>
    child.once('exit', (code, sig) => {
      running.delete(child);
      exited = `${options.name} exited (${sig ?? code}): ${stderr.trim().split('\n').slice(-8).join('\n')}`;
      reject(new Error(exited));
    }),
  );
  ended.catch(() => undefined); // read through exited() once ready
  const ready =
    'line' in options.ready
      ? readyLine(child)
      : poll(options.ready.poll, () => exited !== undefined);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`${options.name} not ready after ${options.timeoutMs ?? 60_000} ms`)),
      options.timeoutMs ?? 60_000,
    ).unref(),
  );
  const url = await Promise.race([
    ready.then((line) => ('url' in options.ready ? options.ready.url : line)),
    ended,
    timeout,
  ]);
  return { name: options.name, pid: child.pid!, url, exited: () => exited };
}

async function readyLine(child: ChildProcess): Promise<string> {
  let out = '';
  return new Promise((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
      if (line) resolve((JSON.parse(line) as { ready: string }).ready);
    });
  });
}

async function poll(url: string, gone: () => boolean): Promise<string> {
  while (!gone()) {
    try {
      const res = await fetch(url);
      if (res.ok) return url;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return url; // the exit is reported instead
}
