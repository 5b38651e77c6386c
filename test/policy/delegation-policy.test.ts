import { CedarEngine } from '../../src/policy/cedar-engine.js';
import { loadPolicySet } from '../../src/policy/load-policy-set.js';
import { EXAMPLE_POLICY_DIR } from '../support/test-broker.js';
import { agent, catalogue, intent, noon, task } from './policy-fixtures.js';

// The shipped delegation policy (config/policies/delegation.cedar) with every example policy
// around it: research agents may hand read-only subtasks to summarizer agents; nobody may
// delegate destructive scopes; an exchange without delegation is unchanged.
describe('the example delegation policy', () => {
  const engine = new CedarEngine({ set: loadPolicySet(EXAMPLE_POLICY_DIR, catalogue) });
  const research = 'spiffe://prod.example/agent/research/web';
  const triage = 'spiffe://prod.example/agent/triage';
  const summarizer = agent(['agent', 'summarizer']);
  const delegated = (origin: string, scopes: string[], actor = summarizer, depth = 1) =>
    engine.decide({
      principal: actor,
      intent: intent('tickets', scopes),
      task,
      now: noon,
      delegation: {
        depth,
        chain: [origin, actor.agentId],
        origin,
        delegator: origin,
        parentScopes: scopes,
      },
    });

  it('lets a research agent hand a read to a summarizer', () => {
    expect(delegated(research, ['tickets:read']).scopes).toEqual([
      { scope: 'tickets:read', decision: 'allow', policyIds: ['read-unrestricted'] },
    ]);
  });

  it('refuses a read handed by anyone but a research agent, or to anyone but a summarizer', () => {
    expect(delegated(triage, ['tickets:read']).denied).toEqual([
      { scope: 'tickets:read', policyIds: ['delegation-research-to-summarizers'] },
    ]);
    const reporter = agent(['agent', 'reporting']);
    expect(delegated(research, ['tickets:read'], reporter).denied).toEqual([
      { scope: 'tickets:read', policyIds: ['delegation-research-to-summarizers'] },
    ]);
  });

  it('never lets a write or a destructive scope be delegated, even approved', () => {
    const writer = agent(['agent', 'summarizer', 'triage']);
    expect(delegated(research, ['tickets:write'], writer).scopes[0]?.decision).toBe('deny');
    const destroy = engine.decide({
      principal: agent(['agent', 'summarizer']),
      intent: intent('tickets', ['tickets:delete']),
      task,
      now: noon,
      approved: true,
      delegation: {
        depth: 1,
        chain: [research, summarizer.agentId],
        origin: research,
        delegator: research,
        parentScopes: ['tickets:delete'],
      },
    });
    expect(destroy.denied[0]?.policyIds).toEqual(
      expect.arrayContaining(['delegation-never-destructive']),
    );
  });

  it('leaves exchanges without delegation as they were', () => {
    const direct = engine.decide({
      principal: agent(['agent', 'reporting']),
      intent: intent('tickets', ['tickets:read']),
      task,
      now: noon,
    });
    expect(direct.scopes[0]?.decision).toBe('allow');
  });
});
