/**
 * Waits until `condition` holds, checking every few milliseconds: for effects that travel over
 * the network (a revocation crossing the feed). The deadline only bounds a failing test; no
 * assertion is made about how fast it held (speed is measured in bench/).
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  deadlineMs = 5_000,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The `code` a promise rejects with, or 'ok' when it resolves. */
export async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}
