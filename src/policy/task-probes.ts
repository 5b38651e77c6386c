import type { ContextReads } from './context-paths.js';
import type { TaskContext } from './decision-input.js';

/** The task's state a probe decides with: values for the attributes the set compares. */
export type TaskProbe = Partial<Pick<TaskContext, 'exchanges' | 'ageSeconds' | 'liveGrants'>>;

/** Cedar's name of each task attribute a probe may set, and the decision input's. */
const PROBED: Readonly<Record<string, keyof TaskProbe>> = {
  exchanges: 'exchanges',
  age_seconds: 'ageSeconds',
  live_grants: 'liveGrants',
};

/** Past this many probes, reading the task is the cheaper way to know. */
const MAX_PROBES = 16;

/**
 * Task states that between them meet every outcome the set's reads of `context.task` can have,
 * or undefined when the set reads the task in a way probes cannot cover. When the set reads the
 * task only by comparing `exchanges`, `age_seconds` or `live_grants` with integer literals, the
 * outcomes change only at those literals: an integer `n` compared with literals `l1 < ... < lk`
 * is on one side or the other of each, so `l - 1`, `l` and `l + 1` for each literal stand for
 * every value there is. A request decided alike for every probe is decided alike for any state
 * of its task, and the exchange need not read it. No probe (an empty list) when the set does
 * not read the task at all; undefined when it reads the whole context, any other task
 * attribute, the task record whole, or tests what it has.
 *
 * @example
 * taskProbes(contextReads({ p: 'forbid (principal, action, resource) when { context.task.exchanges >= 20 };' }));
 * // [{ exchanges: 19 }, { exchanges: 20 }, { exchanges: 21 }]
 */
export function taskProbes(reads: ContextReads): readonly TaskProbe[] | undefined {
  if (reads.whole) return undefined;
  const onTask = (path: readonly string[]) => path[0] === 'task';
  if (reads.values.some(onTask) || reads.presence.some(onTask)) return undefined;
  let probes: TaskProbe[] = [];
  for (const { path, tests } of reads.compared) {
    if (!onTask(path)) continue;
    const name = path[1]!;
    if (path.length !== 2 || !Object.hasOwn(PROBED, name)) return undefined;
    const field = PROBED[name]!;
    const values = [...new Set(tests.flatMap((t) => [t.literal - 1, t.literal, t.literal + 1]))];
    probes = (probes.length === 0 ? [{}] : probes).flatMap((probe) =>
      values.map((value) => ({ ...probe, [field]: value })),
    );
    if (probes.length > MAX_PROBES) return undefined;
  }
  return probes;
}
