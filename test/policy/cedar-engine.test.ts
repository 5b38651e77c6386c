import { CedarEngine } from '../../src/policy/cedar-engine.js';
import { loadPolicySet, PolicyLoadError } from '../../src/policy/load-policy-set.js';
import { EXAMPLE_POLICY_DIR } from '../support/test-broker.js';
import { agent, catalogue, intent, noon as now, policyDir, task } from './policy-fixtures.js';

describe('CedarEngine', () => {
  it('denies by default when no policy permits', () => {
    const engine = new CedarEngine({ set: loadPolicySet(policyDir({}), catalogue) });
    const decision = engine.decide({
      principal: agent(['a']),
      intent: intent('tickets', ['tickets:read']),
      task,
      now,
    });
    expect(decision.allowed).toEqual([]);
    expect(decision.denied).toEqual([{ scope: 'tickets:read', policyIds: [] }]);
  });

  it('decides each scope on its own and names the deciding policies', () => {
    const engine = new CedarEngine({ set: loadPolicySet(EXAMPLE_POLICY_DIR, catalogue) });
    const decision = engine.decide({
      principal: agent(['agent', 'triage']),
      intent: intent('tickets', ['tickets:read', 'tickets:write', 'tickets:delete']),
      task,
      now,
    });
    expect(decision.allowed).toEqual(['tickets:read', 'tickets:write']);
    expect(decision.policyIds).toEqual(
      expect.arrayContaining(['read-unrestricted', 'triage-writes-tickets']),
    );
    expect(decision.denied).toEqual([
      {
        scope: 'tickets:delete',
        policyIds: expect.arrayContaining([
          'destructive-needs-approval',
          'triage-never-deletes',
        ]) as string[],
      },
    ]);
  });

  it('lets policies use operation classes and context', () => {
    const engine = new CedarEngine({
      set: loadPolicySet(
        policyDir({
          'p.cedar': `@id("short-tasks") permit (principal, action in Action::"read", resource) when { context.task.exchanges < 3 && context.time.hour >= 9 };`,
        }),
        catalogue,
      ),
    });
    const input = { principal: agent(['a']), intent: intent('tickets', ['tickets:read']), now };
    expect(engine.decide({ ...input, task }).allowed).toEqual(['tickets:read']);
    expect(engine.decide({ ...input, task: { ...task, exchanges: 3 } }).allowed).toEqual([]);
    expect(engine.decide({ ...input, task, now: Date.UTC(2026, 10, 25, 3) }).allowed).toEqual([]);
  });

  it('refuses a policy that does not validate against the schema, naming file and policy', () => {
    const dir = policyDir({
      'bad.cedar': `@id("typo") permit (principal, action, resource) when { principal.nmae == "x" };`,
    });
    expect(() => loadPolicySet(dir, catalogue)).toThrow(PolicyLoadError);
    expect(() => loadPolicySet(dir, catalogue)).toThrow(/bad\.cedar:1: policy "typo": .*nmae/);
  });

  it('refuses a policy file that does not parse, and duplicate ids', () => {
    expect(() =>
      loadPolicySet(
        policyDir({ 'x.cedar': 'permit (principal, action, resource) when { nope };' }),
        catalogue,
      ),
    ).toThrow(/x\.cedar:1: invalid variable: nope/);
    const dup = '@id("same") permit (principal, action, resource);';
    expect(() => loadPolicySet(policyDir({ 'a.cedar': dup, 'b.cedar': dup }), catalogue)).toThrow(
      /"same" is already used in a\.cedar/,
    );
  });
});
