/**
 * The load generator of the floor benchmark, run as its own process so its HTTP work never
 * shares a process with a server it measures: autocannon (closed loop, `connections` keep-alive
 * connections, one request in flight on each, latency in an HDR histogram, every status counted).
 *
 * `node --import tsx bench/floor/load-client.ts <job.json>`; prints one JSON {@link LoadResult}.
 *
 * Exchanges: each connection runs tasks of {@link TASK_EXCHANGES} exchanges one after another,
 * the first starting the task; tasks are dealt to the agents in turn. autocannon keeps a context
 * per connection through its list of requests and clears it when the list starts again, which
 * is exactly one task.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import {
  FORM,
  OIDC_AUTHORIZATION,
  TASK_EXCHANGES,
  TaskDealer,
  clientCredentialsBody,
  exchangeBody,
} from './requests.js';

/** What to load and how. */
export interface LoadJob {
  readonly url: string;
  readonly kind: 'exchange' | 'client_credentials';
  readonly connections: number;
  readonly seconds: number;
  /** File of the agents' SVIDs (a JSON array), for `exchange`. */
  readonly svidsFile?: string;
  /** Unique per run: task ids of two runs on one server never meet. */
  readonly run: string;
}

/** What one run measured. */
export interface LoadResult {
  /** Answers received, whatever their status. */
  readonly responses: number;
  readonly ok: number;
  /** Answers that were not 2xx, by status. */
  readonly statuses: Record<string, number>;
  /** Connection errors and timeouts (no answer at all). */
  readonly errors: number;
  readonly seconds: number;
  /** Latency of every answer, ms. */
  readonly p50: number;
  readonly p99: number;
  /** CPU µs this load client spent on the run (is the generator near a core's limit?). */
  readonly clientCpuMicros: number;
}

type Request = autocannon.Request;

function exchangeRequests(job: LoadJob): Request[] {
  const svids = JSON.parse(readFileSync(job.svidsFile!, 'utf8')) as string[];
  const dealer = new TaskDealer(svids, job.run);
  return Array.from({ length: TASK_EXCHANGES }, (_, n) => ({
    method: 'POST' as const,
    path: '/token-exchange',
    headers: { 'content-type': FORM },
    setupRequest: (req: Request, context: object) => {
      const task = context as { svid?: string; taskId?: string };
      if (n === 0 || task.svid === undefined) Object.assign(task, dealer.next());
      return { ...req, body: exchangeBody({ svid: task.svid!, taskId: task.taskId!, n }) };
    },
  }));
}

function clientCredentialsRequests(): Request[] {
  return [
    {
      method: 'POST',
      path: '/token',
      headers: { 'content-type': FORM, authorization: OIDC_AUTHORIZATION },
      body: clientCredentialsBody(),
    },
  ];
}

/** Runs one job and resolves its result. */
export async function runLoad(job: LoadJob): Promise<LoadResult> {
  const cpu = process.cpuUsage();
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    pipelining: 1,
    duration: job.seconds,
    requests: job.kind === 'exchange' ? exchangeRequests(job) : clientCredentialsRequests(),
  });
  const used = process.cpuUsage(cpu);
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats ?? {}))
    if (!status.startsWith('2')) statuses[status] = count ?? 0;
  return {
    responses: result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'],
    ok: result['2xx'],
    statuses,
    errors: result.errors,
    seconds: result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    clientCpuMicros: used.user + used.system,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadJob;
  console.log(JSON.stringify(await runLoad(job)));
  process.exit(0);
}
