/**
 * One measured run: the load client in a child process against one server, with the CPU the
 * server's process tree and Redis spent meanwhile.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { LoadJob, LoadResult } from './load-client.js';
import { track } from './children.js';
import { treeCpuMicros } from './process-cpu.js';
import { redisCpuMicros } from './redis-stats.js';

/** More than this share of answers not 2xx (or no answer at all) and a run has failed. */
export const MAX_ERROR_SHARE = 0.001;

/** What one run of one server measured. */
export interface Run {
  readonly load: LoadResult;
  /** Successful exchanges per second. */
  readonly rate: number;
  /** Why the run does not count (errors above {@link MAX_ERROR_SHARE}), else undefined. */
  readonly failed: string | undefined;
  /** CPU µs of the server's process tree per answer. */
  readonly serverMicros: number;
  /** CPU µs of Redis per answer (every client of that Redis counts: noisy on a shared one). */
  readonly redisMicros: number;
  /** CPU µs of the load client per answer. */
  readonly clientMicros: number;
}

const LOAD_CLIENT = join(import.meta.dirname, 'load-client.ts');

async function runLoadChild(dir: string, job: LoadJob): Promise<LoadResult> {
  const jobFile = join(dir, `job-${job.run}.json`);
  writeFileSync(jobFile, JSON.stringify(job));
  const child = spawn(process.execPath, ['--import', 'tsx', LOAD_CLIENT, jobFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load client exited with ${code}: ${err.trim()}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult;
}

/** Runs `job` against the server whose process is `pid`; `redis` reads Redis's CPU time. */
export async function measure(dir: string, pid: number, redis: Redis, job: LoadJob): Promise<Run> {
  const server0 = treeCpuMicros(pid);
  const redis0 = await redisCpuMicros(redis);
  const load = await runLoadChild(dir, job);
  const serverMicros = treeCpuMicros(pid) - server0;
  const redisMicros = (await redisCpuMicros(redis)) - redis0;
  const answers = Math.max(load.responses, 1);
  const bad = load.responses - load.ok + load.errors;
  const share = bad / Math.max(load.responses + load.errors, 1);
  const failed =
    load.ok === 0
      ? 'no exchange succeeded'
      : share > MAX_ERROR_SHARE
        ? `${(share * 100).toFixed(2)} % errors`
        : undefined;
  return {
    load,
    rate: load.ok / load.seconds,
    failed,
    serverMicros: serverMicros / answers,
    redisMicros: redisMicros / answers,
    clientMicros: load.clientCpuMicros / answers,
  };
}
