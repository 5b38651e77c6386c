import { CedarEngine } from '../../src/policy/cedar-engine.js';
import { loadPolicySet } from '../../src/policy/load-policy-set.js';
import { readsTaskContext } from '../../src/policy/reads-task-context.js';
import { EXAMPLE_POLICY_DIR } from '../support/test-broker.js';
import { catalogue, policyDir } from './policy-fixtures.js';

const when = (condition: string) => `permit (principal, action, resource) when { ${condition} };`;

describe('readsTaskContext', () => {
  it.each([
    ['an attribute of the task', when('context.task.exchanges < 20')],
    ['the task tested for', when('context has task')],
    ['an attribute tested for', when('context has task.exchanges')],
    ['the task by index', when('context["task"].age_seconds < 60')],
    [
      'the task in an unless clause',
      `forbid (principal, action, resource) unless { context.task.live_grants < 5 };`,
    ],
    ['the whole context', when('context == context')],
    ['the whole context in a set', when('[context].contains(context)')],
    [
      'the task beside other context',
      when('context.tier == "read" || context.task.purpose like "*x*"'),
    ],
  ])('says yes for %s', (_, policy) => {
    expect(readsTaskContext({ p: policy })).toBe(true);
  });

  it.each([
    ['no condition', 'permit (principal, action, resource);'],
    [
      'other context attributes',
      when('context.tier == "read" && context has targets && context.time.hour > 6'),
    ],
    ['the principal and resource', when('principal.id == "task" && resource.name == "task"')],
    ['the word task in a string', when('context.tier == "context.task"')],
  ])('says no for %s', (_, policy) => {
    expect(readsTaskContext({ p: policy })).toBe(false);
  });

  it('says yes when any one policy of the set reads the task', () => {
    expect(
      readsTaskContext({ a: 'permit (principal, action, resource);', b: when('context has task') }),
    ).toBe(true);
  });

  it('says yes for text it cannot read, since a wrong no would skip a policy input', () => {
    expect(readsTaskContext({ p: 'permit (principal, action, resource) when {' })).toBe(true);
  });
});

describe('CedarEngine.readsTaskContext', () => {
  it('is true for the shipped examples (research-task-budget reads context.task.exchanges)', () => {
    const engine = new CedarEngine({ set: loadPolicySet(EXAMPLE_POLICY_DIR, catalogue) });
    expect(engine.readsTaskContext).toBe(true);
  });

  it('is false for a validated set that never mentions the task', () => {
    const dir = policyDir({
      'p.cedar': `@id("reads") permit (principal, action in Action::"read", resource) when { context.tier == "read" };`,
    });
    expect(new CedarEngine({ set: loadPolicySet(dir, catalogue) }).readsTaskContext).toBe(false);
  });
});
