import { CedarEngine } from '../../src/policy/cedar-engine.js';
import { loadPolicySet } from '../../src/policy/load-policy-set.js';
import { agent, catalogue, intent, noon, policyDir, task } from './policy-fixtures.js';

const engineFor = (
  text: string,
  claims: { name: string; type: 'string' | 'long' | 'bool' | 'set' }[] = [],
) =>
  new CedarEngine({
    set: loadPolicySet(policyDir({ 'p.cedar': text }), catalogue, { claims }),
    claims,
  });

describe('what policies can say', () => {
  it('denies by default: no permit, no scope', () => {
    const engine = engineFor('// nothing permitted\n');
    const d = engine.decide({
      principal: agent(['agent', 'x']),
      intent: intent('tickets', ['tickets:read']),
      task,
      now: noon,
    });
    expect(d.scopes).toEqual([{ scope: 'tickets:read', decision: 'deny', policyIds: [] }]);
  });

  it('permits by trust domain', () => {
    const engine = engineFor(`
      @id("prod-reads")
      permit (principal, action in Action::"read", resource)
      when { principal has trust_domain && principal.trust_domain == "prod.example" };`);
    const ask = (td: string) =>
      engine.decide({
        principal: agent(['agent', 'x'], td),
        intent: intent('tickets', ['tickets:read']),
        task,
        now: noon,
      }).scopes[0];
    expect(ask('prod.example')).toEqual({
      scope: 'tickets:read',
      decision: 'allow',
      policyIds: ['prod-reads'],
    });
    expect(ask('staging.example')?.decision).toBe('deny');
  });

  it('lets a forbid beat any permit, and names it', () => {
    const engine = engineFor(`
      @id("all") permit (principal, action, resource);
      @id("no-payroll-for-bots") forbid (principal, action, resource == Resource::"payroll")
      when { principal.path.contains("bot") };`);
    const d = engine.decide({
      principal: agent(['bot']),
      intent: intent('payroll', ['payroll:read']),
      task,
      now: noon,
    });
    expect(d.denied).toEqual([{ scope: 'payroll:read', policyIds: ['no-payroll-for-bots'] }]);
  });

  it('denies writes on restricted data while allowing the read (example guardrail)', () => {
    const engine = engineFor(`
      @id("all") permit (principal, action, resource);
      @id("no-writes-to-restricted") forbid (principal, action in Action::"write", resource)
      when { context.sensitivity == "restricted" };`);
    const d = engine.decide({
      principal: agent(['agent', 'hr']),
      intent: intent('payroll', ['payroll:read', 'payroll:write']),
      task,
      now: noon,
    });
    expect(d.allowed).toEqual(['payroll:read']);
    expect(d.denied).toEqual([{ scope: 'payroll:write', policyIds: ['no-writes-to-restricted'] }]);
  });

  it('decides on the time of day (UTC) and the weekday', () => {
    const engine = engineFor(`
      @id("office-hours") permit (principal, action, resource)
      when { context.time.hour >= 8 && context.time.hour < 18 && context.time.weekday != 0 };`);
    const at = (now: number) =>
      engine.decide({
        principal: agent(['a']),
        intent: intent('tickets', ['tickets:write']),
        task,
        now,
      }).allowed;
    expect(at(noon)).toEqual(['tickets:write']);
    expect(at(Date.UTC(2026, 10, 25, 7, 59))).toEqual([]);
    expect(at(Date.UTC(2026, 10, 25, 18))).toEqual([]);
    expect(at(Date.UTC(2026, 10, 29, 12))).toEqual([]); // a Sunday
  });

  it('decides on the live task state: exchanges so far, age and live grants', () => {
    const engine = engineFor(`
      @id("reads") permit (principal, action, resource);
      @id("budget") forbid (principal, action, resource) when { context.task.exchanges >= 5 };
      @id("stale") forbid (principal, action, resource) when { context.task.age_seconds > 3600 };
      @id("fanout") forbid (principal, action, resource) when { context.task.live_grants >= 3 };`);
    const run = (t: Partial<typeof task>) =>
      engine.decide({
        principal: agent(['a']),
        intent: intent('tickets', ['tickets:read']),
        task: { ...task, ...t },
        now: noon,
      }).denied[0]?.policyIds ?? [];
    expect(run({ exchanges: 4 })).toEqual([]);
    expect(run({ exchanges: 5 })).toEqual(['budget']);
    expect(run({ ageSeconds: 3601 })).toEqual(['stale']);
    expect(run({ liveGrants: 3 })).toEqual(['fanout']);
  });

  it('sees declared claims of the subject token, typed, and no others', () => {
    const claims = [
      { name: 'team', type: 'string' as const },
      { name: 'groups', type: 'set' as const },
    ];
    const engine = engineFor(
      `@id("sre") permit (principal, action, resource)
       when { principal.claims has groups && principal.claims.groups.contains("sre") };
       @id("team") permit (principal, action, resource)
       when { principal.claims has team && principal.claims.team == "billing" };`,
      claims,
    );
    const ask = (c: Record<string, unknown>) =>
      engine.decide({
        principal: agent(['a'], 'prod.example', c),
        intent: intent('tickets', ['tickets:read']),
        task,
        now: noon,
      });
    expect(ask({ groups: ['dev', 'sre'] }).policyIds).toEqual(['sre']);
    expect(ask({ team: 'billing' }).policyIds).toEqual(['team']);
    // A claim of the wrong type is left out rather than coerced.
    expect(ask({ team: 42, groups: 'sre' }).policyIds).toEqual(['sre']);
    expect(ask({ team: ['billing'] }).allowed).toEqual([]);
    expect(ask({ other: 'billing' }).allowed).toEqual([]);
  });

  it('sees whether an operator approved the exchange', () => {
    const engine = engineFor(`
      @id("all") permit (principal, action, resource);
      @id("approval") forbid (principal, action in Action::"destructive", resource)
      unless { context.approved };`);
    const input = {
      principal: agent(['a']),
      intent: intent('tickets', ['tickets:delete']),
      task,
      now: noon,
    };
    expect(engine.decide(input).allowed).toEqual([]);
    expect(engine.decide({ ...input, approved: true }).allowed).toEqual(['tickets:delete']);
  });
});
