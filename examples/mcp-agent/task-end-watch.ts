import type { RevocationEntry } from '@mandate/verifier';

/**
 * Hears the revocation feed the MCP server's verifier follows, and tells when a task's end has
 * reached it: pass `onRevocation` to the verifier and `taskEnded` to the agent.
 *
 * @example
 * const watch = taskEndWatch();
 * await startTicketsMcpServer({ ..., verifier: { revocation: { mode: 'feed', apiKey, onRevocation: watch.onRevocation } } });
 * await runMcpAgent({ ..., taskEnded: watch.taskEnded });
 */
export function taskEndWatch(): {
  onRevocation: (entry: RevocationEntry) => void;
  taskEnded: (taskId: string) => Promise<void>;
} {
  const ended = new Set<string>();
  const waiting = new Map<string, () => void>();
  return {
    onRevocation: (entry) => {
      if (entry.task === undefined) return;
      ended.add(entry.task);
      waiting.get(entry.task)?.();
    },
    taskEnded: (taskId) =>
      ended.has(taskId)
        ? Promise.resolve()
        : new Promise<void>((resolve) => waiting.set(taskId, resolve)),
  };
}
