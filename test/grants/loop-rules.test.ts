import fc from 'fast-check';
import { intentFingerprint } from '../../src/grants/loop-rules.js';

describe('intentFingerprint', () => {
  const base = {
    audience: 'https://tickets.example',
    scopes: ['tickets:read', 'tickets:write'],
    targets: ['T-1', 'T-2'],
    purpose: 'triage',
  };

  it('ignores the order of scopes and targets', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(base.scopes, { minLength: 2 }),
        fc.shuffledSubarray(base.targets, { minLength: 2 }),
        (scopes, targets) => {
          expect(intentFingerprint({ ...base, scopes, targets })).toBe(intentFingerprint(base));
        },
      ),
    );
  });

  it('tells apart a different audience, scope, target or purpose', () => {
    const fp = intentFingerprint(base);
    for (const change of [
      { audience: 'https://payroll.example' },
      { scopes: ['tickets:read'] },
      { targets: ['T-1'] },
      { targets: ['T-1', 'T-2', 'T-3'] },
      { purpose: 'triage again' },
    ]) {
      expect(intentFingerprint({ ...base, ...change })).not.toBe(fp);
    }
  });

  it('cannot be confused by separators inside values', () => {
    const a = intentFingerprint({ ...base, targets: ['a,b'], purpose: 'x' });
    const b = intentFingerprint({ ...base, targets: ['a', 'b'], purpose: 'x' });
    expect(a).not.toBe(b);
  });
});
