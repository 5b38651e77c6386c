import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/** A throwaway redis-server of a test's own, which it may pause or stop under a broker. */
export interface OwnRedis {
  readonly url: string;
  /** A client of it, for the test's own commands (CLIENT PAUSE ...). */
  readonly client: Redis;
  stop(): Promise<void>;
}

/** Starts redis-server on a free port, without persistence; resolves once it answers. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const client = new Redis(port, '127.0.0.1', { retryStrategy: () => 50 });
  client.on('error', () => undefined);
  while (client.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 20));
  return {
    url: `redis://127.0.0.1:${port}`,
    client,
    stop: async () => {
      client.disconnect();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
