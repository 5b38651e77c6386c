import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Principal } from '../../src/identity/principal.js';
import { Catalogue } from '../../src/intent/catalogue.js';
import type { Intent } from '../../src/intent/intent.js';
import { CedarEngine } from '../../src/policy/cedar-engine.js';
import { loadPolicySet, PolicyLoadError } from '../../src/policy/load-policy-set.js';
import { EXAMPLE_POLICY_DIR, TEST_RESOURCES } from '../support/test-broker.js';
import { readFileSync } from 'node:fs';

const catalogue = Catalogue.fromConfig(
  Object.fromEntries(
    Object.entries(TEST_RESOURCES).map(([k, v]) => [k, { ...v, kind: 'api' }]),
  ) as never,
);
const schema = readFileSync(join(EXAMPLE_POLICY_DIR, 'schema.cedarschema'), 'utf8');

function policyDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mandate-policy-'));
  writeFileSync(join(dir, 'schema.cedarschema'), schema);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const agent = (path: string[], trustDomain = 'prod.example'): Principal => ({
  agentId: `spiffe://${trustDomain}/${path.join('/')}`,
  source: 'spiffe',
  trustDomain,
  path,
  claims: {},
  expiresAt: 0,
  tokenSha256: '',
});

const intent = (resource: 'tickets' | 'payroll', scopes: string[]): Intent => ({
  resource: catalogue.find(resource)!,
  scopes,
  tier: 'read',
  ttlSeconds: 60,
  purpose: 'p',
  targets: [],
  sensitivity: catalogue.find(resource)!.sensitivity,
});

const task = { id: 'T-1', purpose: 'p', ageSeconds: 0, exchanges: 0, liveGrants: 0 };
const now = Date.UTC(2026, 10, 25, 12);

describe('CedarEngine', () => {
  it('denies by default when no policy permits', () => {
    const engine = new CedarEngine(loadPolicySet(policyDir({}), catalogue));
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
    const engine = new CedarEngine(loadPolicySet(EXAMPLE_POLICY_DIR, catalogue));
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
      { scope: 'tickets:delete', policyIds: ['destructive-needs-approval'] },
    ]);
  });

  it('lets policies use operation classes and context', () => {
    const engine = new CedarEngine(
      loadPolicySet(
        policyDir({
          'p.cedar': `@id("short-tasks") permit (principal, action in Action::"read", resource) when { context.task.exchanges < 3 && context.time.hour >= 9 };`,
        }),
        catalogue,
      ),
    );
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
    expect(() => loadPolicySet(dir, catalogue)).toThrow(/bad\.cedar: policy "typo": .*nmae/);
  });

  it('refuses a policy file that does not parse, and duplicate ids', () => {
    expect(() =>
      loadPolicySet(
        policyDir({ 'x.cedar': 'permit (principal, action, resource) when { nope };' }),
        catalogue,
      ),
    ).toThrow(/x\.cedar: /);
    const dup = '@id("same") permit (principal, action, resource);';
    expect(() => loadPolicySet(policyDir({ 'a.cedar': dup, 'b.cedar': dup }), catalogue)).toThrow(
      /"same" is already used in a\.cedar/,
    );
  });
});
