import { loadPolicySet, PolicyLoadError } from '../../src/policy/load-policy-set.js';
import { catalogue, exampleSchema, policyDir } from './policy-fixtures.js';

/** The problems a load reports, or a failure if it loads. */
function problemsOf(dir: string, claims: { name: string; type: 'string' }[] = []): string[] {
  try {
    loadPolicySet(dir, catalogue, { claims });
  } catch (err) {
    if (err instanceof PolicyLoadError) return err.problems;
    throw err;
  }
  throw new Error('the policy set loaded');
}

describe('loadPolicySet errors name file, line and policy', () => {
  it('points a type error at the line of the offending expression', () => {
    const text = [
      '// line 1',
      '@id("fine") permit (principal, action in Action::"read", resource);',
      '',
      '// a café comment, so byte and character offsets differ',
      '@id("typo")',
      'permit (principal, action, resource)',
      'when {',
      '  principal.nmae == "x"',
      '};',
    ].join('\n');
    expect(problemsOf(policyDir({ 'agents.cedar': text }))).toEqual([
      expect.stringMatching(/^agents\.cedar:8: policy "typo": .*nmae/),
    ]);
  });

  it('points a syntax error at its line', () => {
    const text =
      '@id("a") permit (principal, action, resource);\n\npermit (principal, action, resource)\n  when { 1 + };\n';
    expect(problemsOf(policyDir({ 'x.cedar': text }))).toEqual([
      expect.stringMatching(/^x\.cedar:4: /),
    ]);
  });

  it('reports every broken file, and where a duplicate id was first used', () => {
    const problems = problemsOf(
      policyDir({
        'a.cedar': '\n@id("same") permit (principal, action, resource);',
        'b.cedar': '\n\n@id("same") permit (principal, action, resource);',
      }),
    );
    expect(problems).toEqual(['b.cedar:3: policy id "same" is already used in a.cedar:2']);
  });

  it('names the schema line of a schema error', () => {
    const broken = exampleSchema.replace('kind: String,', 'kind: Strin,');
    const line = broken.split('\n').findIndex((l) => l.includes('Strin,')) + 1;
    const problems = problemsOf(policyDir({}, broken));
    expect(problems.join('\n')).toMatch(new RegExp(`schema\\.cedarschema:${line}: .*Strin`));
  });

  it('refuses a policy naming a scope the catalogue does not have', () => {
    const problems = problemsOf(
      policyDir({
        'p.cedar': '@id("p") permit (principal, action == Action::"tickets:wrte", resource);',
      }),
    );
    expect(problems.join('\n')).toMatch(/^p\.cedar:1: policy "p": .*tickets:wrte/);
  });

  it('names the file and line each policy came from', () => {
    const set = loadPolicySet(
      policyDir({ 'p.cedar': '// x\n\n@id("p")\npermit (principal, action, resource);' }),
      catalogue,
    );
    expect(set.origins).toEqual({ p: 'p.cedar:3' });
  });
});
