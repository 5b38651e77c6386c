/** One AWS session the broker issued (or is about to): what revoking it needs to know. */
export interface AwsSessionRecord {
  readonly grantId: string;
  readonly agentId: string;
  readonly taskId: string;
  readonly roleArn: string;
  readonly sessionName: string;
  /** Epoch seconds. */
  readonly issuedAt: number;
  /** Epoch seconds after which the session's credentials have expired anyway. */
  readonly expiresAt: number;
}

/** Which of an agent's sessions a revocation reaches. */
export interface SessionFilter {
  readonly grantId?: string;
  readonly taskId?: string;
}

/**
 * The AWS sessions issued and not yet expired, by agent: written before STS is called (so a
 * crash never leaves a session the revoker does not know), forgotten when STS refused it, read
 * by the deny-policy revoker. Rejects with `MandateError('temporarily_unavailable')` when its
 * store is down.
 */
export interface AwsSessionLedger {
  record(session: AwsSessionRecord): Promise<void>;
  forget(agentId: string, grantId: string): Promise<void>;
  /** The agent's sessions (those matching `filter`) still unexpired at `nowSeconds`. */
  sessionsOf(
    agentId: string,
    filter: SessionFilter,
    nowSeconds: number,
  ): Promise<AwsSessionRecord[]>;
}

/** The ledger in this process's memory (the broker without Redis, tests). */
export class MemoryAwsSessionLedger implements AwsSessionLedger {
  readonly #byAgent = new Map<string, Map<string, AwsSessionRecord>>();

  record(session: AwsSessionRecord): Promise<void> {
    const sessions = this.#byAgent.get(session.agentId) ?? new Map<string, AwsSessionRecord>();
    sessions.set(session.grantId, session);
    this.#byAgent.set(session.agentId, sessions);
    return Promise.resolve();
  }

  forget(agentId: string, grantId: string): Promise<void> {
    this.#byAgent.get(agentId)?.delete(grantId);
    return Promise.resolve();
  }

  sessionsOf(
    agentId: string,
    filter: SessionFilter,
    nowSeconds: number,
  ): Promise<AwsSessionRecord[]> {
    const sessions = this.#byAgent.get(agentId);
    if (!sessions) return Promise.resolve([]);
    for (const [id, s] of sessions) if (s.expiresAt <= nowSeconds) sessions.delete(id);
    return Promise.resolve([...sessions.values()].filter((s) => matches(s, filter)));
  }
}

/** True when the session is one the filter names. */
export function matches(session: AwsSessionRecord, filter: SessionFilter): boolean {
  return (
    (filter.grantId === undefined || session.grantId === filter.grantId) &&
    (filter.taskId === undefined || session.taskId === filter.taskId)
  );
}
