// An agent doing one task the Mandate way: prove what it is (a JWT-SVID), say what it is about
// to do (audience, scopes, targets, purpose), get a token good for that task only, use it, and
// end the task so the token dies at once. Run it against a broker and the tickets API:
//   MANDATE_URL=http://127.0.0.1:8080 API_URL=http://127.0.0.1:3000 npx tsx examples/agent/agent.ts
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** Where the agent finds the broker, the API and the dev trust domain. */
export interface AgentOptions {
  readonly brokerUrl: string;
  readonly apiUrl: string;
  /** The broker's config file, whose dev trust domain signs the agent's SVID. */
  readonly config?: string;
  readonly spiffeId?: string;
  /** Prints one step of the story. */
  readonly say?: (line: string) => void;
}

const REPO = resolve(import.meta.dirname, '../..');
const DEFAULT_SPIFFE_ID = 'spiffe://dev.mandate.local/agent/triage';

/**
 * A JWT-SVID from the broker's dev trust domain. In production a SPIRE agent hands this to the
 * workload over the Workload API; in dev, `mandate dev svid` plays that part.
 */
export async function devSvid(spiffeId: string, config: string | undefined): Promise<string> {
  const args = [resolve(REPO, 'bin/mandate.js'), 'dev', 'svid', spiffeId, '--ttl', '10m'];
  if (config) args.push('--config', config);
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: REPO });
  return stdout.trim();
}

/** One HTTP call, with the token as a bearer credential; the answer's status and JSON body. */
export async function call(
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Runs the task; resolves with what happened, for a caller that checks it. */
export async function runAgent(options: AgentOptions): Promise<{ refusedAfterComplete: boolean }> {
  const say = options.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const spiffeId = options.spiffeId ?? DEFAULT_SPIFFE_ID;

  say(`1. identity: fetching a JWT-SVID for ${spiffeId}`);
  const svid = await devSvid(spiffeId, options.config);

  say('2. exchange: asking for tickets:read tickets:write on ticket T-1, to triage it');
  const exchanged = await call(`${options.brokerUrl}/token-exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: svid,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      audience: 'tickets',
      scope: 'tickets:read tickets:write',
      intent: { purpose: 'triage ticket T-1', targets: ['T-1'] },
    }),
  });
  if (exchanged.status !== 200)
    throw new Error(`the exchange was refused: ${JSON.stringify(exchanged.body)}`);
  const token = exchanged.body.access_token as string;
  const taskId = exchanged.body.task_id as string;
  say(
    `   granted: task ${taskId}, scope "${String(exchanged.body.scope)}", expires in ${String(exchanged.body.expires_in)} s`,
  );

  const read = await call(`${options.apiUrl}/tickets/T-1`, { token });
  say(`3. GET /tickets/T-1 -> ${read.status} ${JSON.stringify(read.body)}`);
  const comment = await call(`${options.apiUrl}/tickets/T-1/comments`, {
    method: 'POST',
    token,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'Extinguisher dispatched.' }),
  });
  say(`   POST /tickets/T-1/comments -> ${comment.status}`);
  const elsewhere = await call(`${options.apiUrl}/tickets/T-2`, { token });
  say(`   GET /tickets/T-2 (not a target of this task) -> ${elsewhere.status}`);

  const done = await call(`${options.brokerUrl}/v1/tasks/${encodeURIComponent(taskId)}/complete`, {
    method: 'POST',
    token,
  });
  say(
    `4. task complete: POST /v1/tasks/${taskId}/complete -> ${done.status} ${JSON.stringify(done.body)}`,
  );
  if (done.status !== 200) throw new Error('the broker did not complete the task');

  // The revocation travels broker -> feed -> API; the first call after it may still race it.
  const started = Date.now();
  let after = await call(`${options.apiUrl}/tickets/T-1`, { token });
  while (after.status === 200 && Date.now() - started < 2_000) {
    await new Promise((r) => setTimeout(r, 10));
    after = await call(`${options.apiUrl}/tickets/T-1`, { token });
  }
  say(`5. GET /tickets/T-1 with the same token -> ${after.status} ${JSON.stringify(after.body)}`);
  return { refusedAfterComplete: after.status === 401 };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { MANDATE_URL, API_URL, MANDATE_CONFIG } = process.env;
  const result = await runAgent({
    brokerUrl: MANDATE_URL ?? 'http://127.0.0.1:8080',
    apiUrl: API_URL ?? 'http://127.0.0.1:3000',
    ...(MANDATE_CONFIG ? { config: MANDATE_CONFIG } : {}),
  });
  process.exit(result.refusedAfterComplete ? 0 : 1);
}
