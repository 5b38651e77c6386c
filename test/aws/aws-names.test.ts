import {
  agentHash,
  awsName,
  roleSessionName,
  sourceIdentity,
  tagValue,
} from '../../src/aws/aws-names.js';

const NAME = /^[\w+=,.@-]{2,64}$/;

describe('AWS names', () => {
  it('keeps an agent id that already is a valid SourceIdentity', () => {
    expect(sourceIdentity('report-bot@prod')).toBe('report-bot@prod');
  });

  it('turns a SPIFFE id into a SourceIdentity AWS accepts, told apart by a hash', () => {
    const a = sourceIdentity('spiffe://prod.example/agents/report-bot');
    const b = sourceIdentity('spiffe://prod.example/agents/report:bot');
    expect(a).toMatch(/^spiffe-prod\.example-agents-report-bot-[0-9a-f]{12}$/);
    expect(a).toMatch(NAME);
    expect(b).toMatch(NAME);
    expect(a).not.toBe(b);
  });

  it('cuts a long id to 64 characters and never starts with aws', () => {
    const long = sourceIdentity(`https://issuer.example/${'x'.repeat(200)}`);
    expect(long).toHaveLength(64);
    expect(long).toMatch(NAME);
    expect(sourceIdentity('aws:admin')).toMatch(/^id-aws-admin-[0-9a-f]{12}$/);
    expect(awsName('a')).toMatch(NAME);
    expect(awsName('€')).toMatch(NAME);
  });

  it('names the session after the grant', () => {
    expect(roleSessionName('g_2Xc9-abc')).toBe('mandate-g_2Xc9-abc');
  });

  it('writes a tag value one-to-one: ~ and = escaped, the rest kept', () => {
    expect(tagValue('T-42.a_b:c/d')).toBe('T-42.a_b:c/d');
    expect(tagValue('a~b')).toBe('a=7Eb');
    expect(tagValue('a=7Eb')).toBe('a=3D7Eb');
    expect(tagValue('x'.repeat(300))).toHaveLength(256);
  });

  it('hashes an agent as the grant store keys it (16 hex digits)', () => {
    expect(agentHash('spiffe://prod.example/a')).toMatch(/^[0-9a-f]{16}$/);
  });
});
