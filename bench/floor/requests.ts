/**
 * The requests the floor benchmark sends: an RFC 8693 exchange of an agent's JWT-SVID (to the
 * broker and to the floor, the same body) and a client_credentials grant (to oidc-provider).
 * Shared by the load client, the first-response check and the tests, so what is checked is
 * exactly what is measured.
 */

/** Exchanges of one task: a new task starts every TASK_EXCHANGES exchanges on a connection. */
export const TASK_EXCHANGES = 10;

/** The resource every exchange asks for: `tickets` of config/mandate.example.yaml. */
export const TICKETS = { key: 'tickets', audience: 'https://tickets.example' } as const;

/** The `aud` every SVID carries: the audience the broker's trust domain accepts. */
export const SVID_AUDIENCE = 'mandate';

/** Where an agent's exchange stands: which agent, which task, which step of it. */
export interface ExchangeStep {
  /** The agent's JWT-SVID, reused for all its exchanges (SPIRE hands out the same one). */
  readonly svid: string;
  readonly taskId: string;
  /** 0 for the exchange that starts the task, then 1 ... TASK_EXCHANGES - 1. */
  readonly n: number;
}

/**
 * The form body of one exchange, as the README's quickstart sends it: the task's purpose, one
 * ticket per step (so no two exchanges of a task repeat an intent, which `max_identical` would
 * count), a comment scope on every third step (the write tier), `task_id` throughout.
 */
export function exchangeBody({ svid, taskId, n }: ExchangeStep): string {
  return new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    subject_token: svid,
    audience: TICKETS.key,
    scope: n % 3 === 2 ? 'tickets:read tickets:write' : 'tickets:read',
    task_id: taskId,
    intent: JSON.stringify({ purpose: `triage batch ${taskId}`, targets: [`T-${n}`] }),
  }).toString();
}

/** The content type of {@link exchangeBody} and {@link clientCredentialsBody}. */
export const FORM = 'application/x-www-form-urlencoded';

/**
 * Hands out agents and task ids in turn: task k goes to agent k mod agents, so load spreads
 * evenly over the agents and no one agent's rate limit or live-task bound is what is measured.
 * `run` keeps task ids of two runs on one prefix apart.
 */
export class TaskDealer {
  readonly #svids: readonly string[];
  readonly #run: string;
  #next = 0;

  constructor(svids: readonly string[], run: string) {
    if (svids.length === 0) throw new Error('no agents to deal tasks to');
    this.#svids = svids;
    this.#run = run;
  }

  /** The next task: its agent's SVID and a task id no other task of this run has. */
  next(): { svid: string; taskId: string } {
    const k = this.#next++;
    return { svid: this.#svids[k % this.#svids.length]!, taskId: `${this.#run}-${k}` };
  }
}

/** A client of oidc-provider, registered for client_credentials only. */
export const OIDC_CLIENT = { id: 'bench-agent', secret: 'bench-only-client-secret' } as const;

/** `Authorization` of {@link OIDC_CLIENT} (client_secret_basic, RFC 6749 section 2.3.1). */
export const OIDC_AUTHORIZATION = `Basic ${Buffer.from(
  `${encodeURIComponent(OIDC_CLIENT.id)}:${encodeURIComponent(OIDC_CLIENT.secret)}`,
).toString('base64')}`;

/** A client_credentials grant for a read of tickets (RFC 8707 `resource`). */
export function clientCredentialsBody(): string {
  return new URLSearchParams({
    grant_type: 'client_credentials',
    scope: 'tickets:read',
    resource: TICKETS.audience,
  }).toString();
}
