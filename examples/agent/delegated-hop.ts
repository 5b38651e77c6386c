// One delegated hop (docs/delegation.md): a research agent gets a read-only token for a task and
// hands it to a summarizer, which exchanges it with its own SVID as actor_token. The summarizer's
// token keeps the research agent as `sub`, names the summarizer in `act`, and carries the
// research task's grant in `lineage`: when an operator revokes the research task, the tickets API
// refuses the summarizer's token too, though the summarizer's own task was never touched.
import { decodeJwt } from 'jose';
import { call, devSvid } from './agent.js';

/** Where the hop finds the broker, the API, the dev trust domain and an operator key. */
export interface DelegatedHopOptions {
  readonly brokerUrl: string;
  readonly apiUrl: string;
  /** The broker's config file, whose dev trust domain signs both agents' SVIDs. */
  readonly config?: string;
  /** An operator API key with the revoker role. */
  readonly operatorKey: string;
  /** The agents' trust domain (default: the dev one, `spiffe://dev.mandate.local`). */
  readonly trustDomain?: string;
  /** An agent's own token for its SPIFFE ID (default: a dev SVID from `mandate dev svid`). */
  readonly svid?: (spiffeId: string) => Promise<string>;
  /** Prints one step of the story, by who takes it. */
  readonly say?: (who: 'research' | 'summarizer' | 'operator', line: string) => void;
}

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/** Runs the hop; resolves with what happened, for a caller that checks it. */
export async function runDelegatedHop(
  options: DelegatedHopOptions,
): Promise<{ acceptedDelegated: boolean; refusedAfterRevoke: boolean }> {
  const say = options.say ?? ((who, line) => process.stdout.write(`[${who}] ${line}\n`));
  const svid = options.svid ?? ((spiffeId: string) => devSvid(spiffeId, options.config));
  const trustDomain = options.trustDomain ?? 'spiffe://dev.mandate.local';
  const research = `${trustDomain}/agent/research/web`;
  const summarizer = `${trustDomain}/agent/summarizer`;
  const exchange = (body: Record<string, unknown>) =>
    call(`${options.brokerUrl}/token-exchange`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: EXCHANGE, ...body }),
    });

  say('research', `1. identity and exchange: ${research} asks for tickets:read on T-1`);
  const root = await exchange({
    subject_token: await svid(research),
    subject_token_type: JWT,
    audience: 'tickets',
    scope: 'tickets:read',
    intent: {
      purpose: 'summarize ticket T-1',
      targets: ['T-1'],
      delegates: [summarizer],
    },
  });
  if (root.status !== 200)
    throw new Error(`the research agent's exchange was refused: ${JSON.stringify(root.body)}`);
  const researchTask = root.body.task_id as string;
  say(
    'research',
    `   granted: task ${researchTask}, may_act ${JSON.stringify(decodeJwt(root.body.access_token as string).may_act)}; handing the token to the summarizer`,
  );

  say(
    'summarizer',
    `2. delegated exchange: the research agent's token as subject_token, its own SVID as actor_token`,
  );
  const delegated = await exchange({
    subject_token: root.body.access_token,
    subject_token_type: ACCESS_TOKEN,
    actor_token: await svid(summarizer),
    actor_token_type: JWT,
    audience: 'tickets',
    scope: 'tickets:read',
    intent: { purpose: 'summarize ticket T-1 for the research agent', targets: ['T-1'] },
  });
  if (delegated.status !== 200)
    throw new Error(`the delegated exchange was refused: ${JSON.stringify(delegated.body)}`);
  const token = delegated.body.access_token as string;
  const claims = decodeJwt(token);
  say(
    'summarizer',
    `   granted: task ${String(delegated.body.task_id)}, sub ${String(claims.sub)}, client_id ${String(claims.client_id)}, act ${JSON.stringify(claims.act)}, lineage of ${(claims.lineage as unknown[]).length} grant`,
  );

  const read = await call(`${options.apiUrl}/tickets/T-1`, { token });
  say('summarizer', `3. GET /tickets/T-1 -> ${read.status} ${JSON.stringify(read.body)}`);

  const revoked = await call(
    `${options.brokerUrl}/v1/tasks/${encodeURIComponent(researchTask)}/revoke?agent=${encodeURIComponent(research)}`,
    { method: 'POST', token: options.operatorKey },
  );
  say(
    'operator',
    `4. revoke the research agent's task: POST /v1/tasks/${researchTask}/revoke -> ${revoked.status}`,
  );
  if (revoked.status !== 200) throw new Error('the broker did not revoke the research task');

  // The revocation travels broker -> feed -> API; the first call after it may still race it.
  const started = Date.now();
  let after = await call(`${options.apiUrl}/tickets/T-1`, { token });
  while (after.status === 200 && Date.now() - started < 2_000) {
    await new Promise((r) => setTimeout(r, 10));
    after = await call(`${options.apiUrl}/tickets/T-1`, { token });
  }
  say(
    'summarizer',
    `5. GET /tickets/T-1 with the summarizer's token -> ${after.status} ${JSON.stringify(after.body)}`,
  );
  return { acceptedDelegated: read.status === 200, refusedAfterRevoke: after.status === 401 };
}
