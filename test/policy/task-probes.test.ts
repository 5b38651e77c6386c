import { contextReads } from '../../src/policy/context-paths.js';
import { loadPolicySet } from '../../src/policy/load-policy-set.js';
import { taskProbes } from '../../src/policy/task-probes.js';
import { EXAMPLE_POLICY_DIR } from '../support/test-broker.js';
import { catalogue } from './policy-fixtures.js';

const when = (condition: string) => `forbid (principal, action, resource) when { ${condition} };`;
const probes = (...conditions: string[]) =>
  taskProbes(contextReads(Object.fromEntries(conditions.map((c, i) => [`p${i}`, when(c)]))));

describe('taskProbes', () => {
  it('probes each side of every literal a task count is compared with', () => {
    expect(probes('context.task.exchanges >= 20')).toEqual([
      { exchanges: 19 },
      { exchanges: 20 },
      { exchanges: 21 },
    ]);
    expect(probes('context.task.exchanges >= 20', '3 > context.task.exchanges')).toEqual(
      [19, 20, 21, 2, 3, 4].map((exchanges) => ({ exchanges })),
    );
  });

  it('probes every combination when several task attributes are compared', () => {
    const found = probes('context.task.live_grants == 0 && context.task.age_seconds < 60');
    expect(found).toHaveLength(9);
    expect(found).toContainEqual({ liveGrants: -1, ageSeconds: 61 });
    expect(found).toContainEqual({ liveGrants: 1, ageSeconds: 59 });
  });

  it('needs no probe for a set that does not read the task', () => {
    expect(probes('context.time.hour < 6', 'context.approved')).toEqual([]);
  });

  it.each([
    ['the task id', 'context.task.id == "T-1"'],
    ['the purpose', 'context.task.purpose like "*x*"'],
    ['the task whole', 'context.task == context.task'],
    ['a count used in arithmetic', 'context.task.exchanges * 2 > 9'],
    ['a presence test', 'context has task.purpose'],
    ['the whole context', 'context == context'],
  ])('gives none (the task must be read) when the set reads %s', (_, condition) => {
    expect(probes('context.task.exchanges >= 20', condition)).toBeUndefined();
  });

  it('gives none past 16 probes, where reading costs less', () => {
    expect(
      probes(
        'context.task.exchanges >= 20 || context.task.exchanges < 5',
        'context.task.live_grants > 3 || context.task.live_grants < 1',
      ),
    ).toBeUndefined();
  });

  it('probes the shipped examples on the research budget alone', () => {
    expect(taskProbes(contextReads(loadPolicySet(EXAMPLE_POLICY_DIR, catalogue).policies))).toEqual(
      [{ exchanges: 19 }, { exchanges: 20 }, { exchanges: 21 }],
    );
  });
});
