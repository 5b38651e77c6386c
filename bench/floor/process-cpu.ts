/**
 * CPU time of a process tree from /proc (Linux): utime + stime of a process and of every
 * process below it (a cluster primary and its workers), in µs. Each process's own time only,
 * never `cutime`/`cstime`: a worker is counted while it lives, not again when it is reaped.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 almost everywhere). */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

interface Stat {
  readonly ppid: number;
  /** utime + stime, in ticks. */
  readonly ticks: number;
}

function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone between listing and reading
  }
  // The command name (field 2) may hold spaces and parentheses: fields count from its end.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** `pid` and every live process below it, with their stats. */
function processTree(pid: number): Map<number, Stat> {
  const all = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) all.set(Number(name), stat);
  }
  const tree = new Map<number, Stat>();
  const own = all.get(pid);
  if (own) tree.set(pid, own);
  // Parents may have a larger pid than their children after wrap-around: repeat until stable.
  for (let grew = own !== undefined; grew;) {
    grew = false;
    for (const [p, stat] of all)
      if (!tree.has(p) && tree.has(stat.ppid)) {
        tree.set(p, stat);
        grew = true;
      }
  }
  return tree;
}

/** CPU µs used so far by `pid` and every live process below it. */
export function treeCpuMicros(pid: number): number {
  let ticks = 0;
  for (const stat of processTree(pid).values()) ticks += stat.ticks;
  return (ticks * 1e6) / TICKS_PER_SECOND;
}

/** Every live pid below `pid` (not `pid` itself), for cleaning up a tree. */
export function descendants(pid: number): number[] {
  return [...processTree(pid).keys()].filter((p) => p !== pid);
}
