import { MandateError } from '../../src/errors.js';
import { parseAuthorizationDetails } from '../../src/http/authorization-details-schema.js';

const task = (extra: Record<string, unknown> = {}) => ({
  type: 'agent_task',
  locations: ['https://tickets.example'],
  actions: ['tickets:read'],
  purpose: 'triage ticket T-1',
  targets: ['T-1'],
  ...extra,
});

const refusal = (raw: unknown): string => {
  try {
    parseAuthorizationDetails(raw);
  } catch (err) {
    if (err instanceof MandateError && err.code === 'invalid_authorization_details')
      return err.message;
    throw err;
  }
  throw new Error('accepted');
};

describe('authorization_details (RFC 9396) of type agent_task', () => {
  it('reads an array, or its JSON text as a form body sends it, into intent, actions and locations', () => {
    const expected = {
      intent: { purpose: 'triage ticket T-1', targets: ['T-1'] },
      actions: ['tickets:read'],
      locations: ['https://tickets.example'],
    };
    expect(parseAuthorizationDetails([task()])).toEqual(expected);
    expect(parseAuthorizationDetails(JSON.stringify([task()]))).toEqual(expected);
  });

  it('merges entries of one task: actions, targets and delegates joined, the highest sensitivity', () => {
    const parsed = parseAuthorizationDetails([
      task({ sensitivity: 'internal', delegates: ['spiffe://a/x'] }),
      task({
        actions: ['tickets:write', 'tickets:read'],
        targets: ['T-2'],
        sensitivity: 'confidential',
        delegates: ['spiffe://a/y'],
        locations: undefined,
      }),
    ]);
    expect(parsed).toEqual({
      intent: {
        purpose: 'triage ticket T-1',
        targets: ['T-1', 'T-2'],
        sensitivity: 'confidential',
        delegates: ['spiffe://a/x', 'spiffe://a/y'],
      },
      actions: ['tickets:read', 'tickets:write'],
      locations: ['https://tickets.example'],
    });
  });

  it('refuses what is not a non-empty JSON array', () => {
    expect(refusal('[{"type": "agent_task"')).toBe('authorization_details is not valid JSON');
    expect(refusal({ type: 'agent_task' })).toMatch(/^authorization_details: /);
    expect(refusal([])).toBe('authorization_details is empty');
    expect(refusal(Array.from({ length: 9 }, () => task()))).toBe(
      'authorization_details has more than 8 entries',
    );
  });

  it('refuses an unknown or missing type, naming the entry', () => {
    expect(refusal([task(), { ...task(), type: 'payment_initiation' }])).toBe(
      'authorization_details[1].type "payment_initiation" is not supported; use "agent_task"',
    );
    expect(refusal([{ actions: ['tickets:read'], purpose: 'p' }])).toBe(
      'authorization_details[0].type is missing',
    );
    expect(refusal(['agent_task'])).toBe('authorization_details[0].type is missing');
  });

  it('refuses unknown members and malformed values, naming them', () => {
    expect(refusal([task({ datatypes: ['x'] })])).toMatch(
      /^authorization_details\[0\]: .*datatypes/,
    );
    expect(refusal([task({ actions: [] })])).toBe('authorization_details[0].actions is empty');
    expect(refusal([task({ actions: undefined })])).toMatch(
      /^authorization_details\[0\]\.actions: /,
    );
    expect(refusal([task({ purpose: '  ' })])).toBe('authorization_details[0].purpose is empty');
    expect(refusal([task({ purpose: 'x'.repeat(513) })])).toBe(
      'authorization_details[0].purpose is too long',
    );
    expect(refusal([task({ targets: ['T-1', ''] })])).toBe(
      'authorization_details[0].targets[1] is empty',
    );
    expect(refusal([task({ locations: ['tickets'] })])).toBe(
      'authorization_details[0].locations[0] must be an absolute URI without fragment',
    );
    expect(refusal([task({ locations: ['https://tickets.example/#x'] })])).toBe(
      'authorization_details[0].locations[0] must be an absolute URI without fragment',
    );
    expect(refusal([task({ sensitivity: 'secret' })])).toMatch(
      /^authorization_details\[0\]\.sensitivity: /,
    );
  });

  it('holds purpose and targets to the same text rules as the legacy intent', () => {
    expect(refusal([task({ purpose: 'triage\u202Etxt' })])).toBe(
      'authorization_details[0].purpose contains a bidirectional or invisible formatting character (U+202E)',
    );
    expect(refusal([task({ targets: ['T-1', 'T-2\u001b[2J'] })])).toBe(
      'authorization_details[0].targets[1] contains a control character (U+001B)',
    );
  });

  it('refuses entries that declare different purposes: one token serves one task', () => {
    expect(refusal([task(), task({ purpose: 'something else' })])).toBe(
      "authorization_details[1].purpose differs from authorization_details[0]'s: one token serves one task",
    );
  });

  it('refuses more targets in all than one intent may name', () => {
    const many = (from: number) => Array.from({ length: 20 }, (_, i) => `T-${from + i}`);
    expect(refusal([task({ targets: many(0) }), task({ targets: many(100) })])).toBe(
      'authorization_details name more than 32 targets',
    );
  });
});
