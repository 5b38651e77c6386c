import { pruned, withDeny } from '../../src/aws/deny-policy.js';
import type { PolicyDocument } from '../../src/aws/session-policy.js';

const NOW = 1_800_000_000;
const LIMIT = 10_240;
const grantDeny = (grant: string, until: number) => ({ tags: { 'mandate:grant': grant }, until });

describe('the deny policy on a role', () => {
  it('writes one Deny-all statement per revoked session tag, until its sessions expire', () => {
    const {
      document,
      statement,
      pruned: dropped,
    } = withDeny(undefined, grantDeny('g1', NOW + 900), NOW, LIMIT);
    expect(statement).toBe('tag');
    expect(dropped).toBe(0);
    expect(document).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: expect.stringMatching(new RegExp(`^Mandate${NOW + 900}T[0-9a-f]{12}$`)) as unknown,
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:PrincipalTag/mandate:grant': 'g1' } },
        },
      ],
    });
  });

  it('names an agent’s task by both tags, and an agent’s sessions issued before the revocation', () => {
    const { document } = withDeny(
      undefined,
      {
        tags: { 'mandate:task': 'T-1', 'mandate:agent': 'abc' },
        issuedBefore: NOW,
        until: NOW + 60,
      },
      NOW,
      LIMIT,
    );
    expect(document.Statement[0]!.Condition).toEqual({
      StringEquals: {
        'aws:PrincipalTag/mandate:agent': 'abc',
        'aws:PrincipalTag/mandate:task': 'T-1',
      },
      DateLessThan: { 'aws:TokenIssueTime': '2027-01-15T08:00:00Z' },
    });
  });

  it('writes the same revocation once, kept until the later expiry', () => {
    const first = withDeny(undefined, grantDeny('g1', NOW + 900), NOW, LIMIT).document;
    const again = withDeny(first, grantDeny('g1', NOW + 1200), NOW, LIMIT).document;
    expect(again.Statement).toHaveLength(1);
    expect(again.Statement[0]!.Sid).toMatch(new RegExp(`^Mandate${NOW + 1200}T`));
    const older = withDeny(again, grantDeny('g1', NOW + 100), NOW, LIMIT).document;
    expect(older).toEqual(again);
  });

  it('prunes statements whose sessions have expired, and leaves statements not its own', () => {
    const foreign = {
      Sid: 'OpsBreakGlass',
      Effect: 'Deny' as const,
      Action: 's3:*',
      Resource: '*',
    };
    const start: PolicyDocument = { Version: '2012-10-17', Statement: [foreign] };
    const one = withDeny(start, grantDeny('g1', NOW + 10), NOW, LIMIT).document;
    const two = withDeny(one, grantDeny('g2', NOW + 900), NOW + 20, LIMIT);
    expect(two.pruned).toBe(1);
    expect(two.document.Statement.map((s) => s.Sid)).toEqual([
      'OpsBreakGlass',
      expect.stringMatching(new RegExp(`^Mandate${NOW + 900}T`)) as unknown,
    ]);
    expect(pruned(two.document, NOW + 900)).toEqual({
      document: { Version: '2012-10-17', Statement: [foreign] },
      pruned: 1,
    });
    expect(
      pruned(withDeny(undefined, grantDeny('g1', NOW + 10), NOW, LIMIT).document, NOW + 10),
    ).toEqual({
      document: undefined,
      pruned: 1,
    });
  });

  it('folds into "deny sessions issued before now" when the statements would not fit', () => {
    let document: PolicyDocument | undefined;
    for (let i = 0; i < 3; i++)
      document = withDeny(document, grantDeny(`g${i}`, NOW + 900 + i), NOW, 600).document;
    expect(document!.Statement).toHaveLength(3);
    const change = withDeny(document, grantDeny('g3', NOW + 600), NOW + 5, 600);
    expect(change.statement).toBe('issued_before');
    expect(change.document).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: `Mandate${NOW + 902}B`,
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: {
            DateLessThan: {
              'aws:TokenIssueTime': new Date((NOW + 6) * 1000).toISOString().replace('.000Z', 'Z'),
            },
          },
        },
      ],
    });
    // Later revocations are tag statements again beside it; a second fold keeps the later time.
    const after = withDeny(change.document, grantDeny('g4', NOW + 1000), NOW + 10, 600).document;
    expect(after.Statement).toHaveLength(2);
  });
});
