import type { RevocationEntry } from './revocation-entry.js';

/**
 * Which feed entries a reader limited to `audiences` is sent: grant entries of those audiences,
 * and every entry that names no audience (a task, an agent, a store epoch, or a grant entry
 * written before entries carried one), since those may revoke its tokens too. Without
 * `audiences`, every entry.
 *
 * @example
 * page.revocations.filter(visibleTo(operator.audiences));
 */
export function visibleTo(
  audiences: ReadonlySet<string> | undefined,
): (entry: RevocationEntry) => boolean {
  if (!audiences) return () => true;
  return (entry) => entry.aud === undefined || audiences.has(entry.aud);
}
