import { randomBytes } from 'node:crypto';
import type { IssuedToken, FakeRevocationFeed } from '../support/fake-revocation-feed.js';

// Delegated and transaction tokens in the wire shapes of docs/verifying-tokens.md (issue 14),
// signed by the broker double with its published key.

/** The orchestrator that starts the chain. */
export const A = 'spiffe://test.example/agent/research';
/** The agent A hands a subtask to. */
export const B = 'spiffe://test.example/agent/summarizer';
/** The agent B hands it on to. */
export const C = 'spiffe://test.example/agent/reviewers/eu/ana';
/** A person an agent acts for. */
export const PERSON = 'person:ana@example.com';

/** One ancestor grant as the `lineage` claim carries it. */
export interface WireGrant {
  client_id: string;
  task: string;
  jti: string;
  iat: number;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A grant of `agent` for `task`, issued a minute ago unless told. */
export const grantOf = (agent: string, task: string, iat = nowSeconds() - 60): WireGrant => ({
  client_id: agent,
  task,
  jti: `g_${randomBytes(6).toString('base64url')}`,
  iat,
});

/** Nests `act` as RFC 8693 section 4.1 does: `actors` current first. */
export function actClaim(actors: readonly string[]): Record<string, unknown> | undefined {
  return actors.reduceRight<Record<string, unknown> | undefined>(
    (inner, sub) => (inner ? { sub, act: inner } : { sub }),
    undefined,
  );
}

export interface DelegatedOptions {
  /** The original subject. */
  readonly subject: string;
  /** Acting agents, current first; the first holds the grant (`client_id`). */
  readonly actors: readonly string[];
  readonly lineage?: readonly WireGrant[];
  readonly mayAct?: readonly string[];
  readonly task?: string;
  readonly iat?: number;
  readonly claims?: Record<string, unknown>;
}

/** An access token delegated along `actors` for `subject`. */
export function issueDelegated(
  broker: FakeRevocationFeed,
  o: DelegatedOptions,
): Promise<IssuedToken> {
  return broker.issue({
    sub: o.subject,
    ...(o.task === undefined ? {} : { task: o.task }),
    ...(o.iat === undefined ? {} : { iat: o.iat }),
    claims: {
      client_id: o.actors[0],
      act: actClaim(o.actors),
      ...(o.lineage ? { lineage: o.lineage } : {}),
      ...(o.mayAct ? { may_act: { sub: o.mayAct } } : {}),
      ...o.claims,
    },
  });
}

export interface TxnOptions {
  /** The grant the transaction token is bound to (its holder is the current actor). */
  readonly grant: WireGrant;
  /** Original subject first, current actor last. */
  readonly chain: readonly string[];
  readonly lineage?: readonly WireGrant[];
  readonly aud?: string;
  readonly iss?: string;
  readonly expiresIn?: number;
  readonly typ?: string;
  /** Claims to set or, given as undefined, to leave out. */
  readonly claims?: Record<string, unknown>;
}

export interface IssuedTxn {
  readonly token: string;
  readonly txn: string;
  readonly tctx: Record<string, unknown>;
}

/**
 * A transaction token as the broker mints it at `/token-exchange`: `typ: txntoken+jwt`, no
 * scope, task or tier of its own (those are in `tctx`).
 */
export async function issueTxn(broker: FakeRevocationFeed, o: TxnOptions): Promise<IssuedTxn> {
  const txn = `txn_${randomBytes(8).toString('base64url')}`;
  const tctx = {
    task: o.grant.task,
    client_id: o.grant.client_id,
    scope: 'tickets:read',
    tier: 'read',
    targets: ['T-1'],
    chain: o.chain,
    grant: o.grant,
  };
  const { token } = await broker.issue({
    sub: o.chain[0]!,
    header: { typ: o.typ ?? 'txntoken+jwt' },
    expiresIn: o.expiresIn ?? 300,
    ...(o.aud === undefined ? {} : { aud: o.aud }),
    ...(o.iss === undefined ? {} : { iss: o.iss }),
    claims: {
      client_id: undefined,
      scope: undefined,
      task: undefined,
      tier: undefined,
      txn,
      purp: 'summarize ticket T-1',
      tctx,
      rctx: { req_ip: '10.0.0.7' },
      ...(o.lineage ? { lineage: o.lineage } : {}),
      ...o.claims,
    },
  });
  return { token, txn, tctx };
}
