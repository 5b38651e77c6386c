// The revocation feed's wire shape is defined here, in the package every consumer of the feed
// installs; the broker that writes the feed imports these types from `@mandate/verifier`.

/**
 * What a revocation entry revokes: one grant, a whole task, everything of an agent, or (kind
 * `epoch`, agent `*`) every token issued before the broker's store lost its state.
 */
export type RevocationKind = 'grant' | 'task' | 'agent' | 'epoch';

/**
 * One entry of the revocation feed, exactly as `GET /v1/revocations` and the SSE stream send
 * it. A verifier drops a token when: kind `grant` and its `jti` matches; kind `task` and its
 * (`sub`, `task.id`) match; kind `agent` and its `sub` matches with
 * `iat <= floor(at / 1000)`; kind `epoch` with `iat <= floor(at / 1000)`, whatever its `sub`.
 * Both compare whole seconds, as the broker does: a token issued in the same second as the
 * mark is revoked, and the broker mints none in that second.
 */
export interface RevocationEntry {
  /** Stream id, `<ms>-<seq>`, increasing. */
  readonly id: string;
  readonly kind: RevocationKind;
  readonly agent: string;
  /** Kind `task` only. */
  readonly task?: string;
  /** Kind `grant` only. */
  readonly jti?: string;
  /**
   * Kind `grant`: the audience of the revoked token, so a resource server limited to some
   * audiences is sent only theirs. Absent on entries written before brokers added it.
   */
  readonly aud?: string;
  /** When it was revoked, epoch ms. */
  readonly at: number;
  /** Epoch seconds after which every token it revokes has expired anyway. */
  readonly until: number;
  readonly reason: string;
}

/** A page of the feed: entries after a cursor, and the cursor to ask from next. */
export interface RevocationPage {
  readonly revocations: RevocationEntry[];
  /** Id of the last entry, or the `since` given, or `0-0` for an empty feed. */
  readonly cursor: string;
}
