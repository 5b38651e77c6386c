import { createHash } from 'node:crypto';

/**
 * Where the Redis store keeps things (see docs/operations.md). Everything of one agent lives
 * under one hash tag so every change is one script on one slot; the tag is a short hash of the
 * agent id, which keeps keys bounded and free of odd characters.
 */
export class KeyLayout {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** `<prefix>:{<agent-hash>}:`, the base of every key of the agent. */
  agentBase(agentId: string): string {
    const tag = createHash('sha256').update(agentId).digest('hex').slice(0, 16);
    return `${this.prefix}:{${tag}}:`;
  }

  /** The revocation stream shared by every broker on this prefix. */
  get revocations(): string {
    return `${this.prefix}:revocations`;
  }

  /** Agents with unexpired tasks, scored by their latest task's end: listings across agents. */
  get agents(): string {
    return `${this.prefix}:agents`;
  }
}
