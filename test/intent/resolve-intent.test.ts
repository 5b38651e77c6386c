import type { MandateError } from '../../src/errors.js';
import { Catalogue } from '../../src/intent/catalogue.js';
import { resolveIntent } from '../../src/intent/resolve-intent.js';

const catalogue = Catalogue.fromConfig({
  tickets: {
    audience: 'https://tickets.example',
    kind: 'api',
    sensitivity: 'internal',
    scopes: { 'tickets:read': 'read', 'tickets:write': 'write', 'tickets:delete': 'destructive' },
  },
});
const rules = {
  tierTtlSeconds: { read: 300, write: 120, destructive: 60 },
  maxTokenTtlSeconds: 3600,
  sensitivityFloor: {},
};
const now = 1_800_000_000;
const resolve = (
  audience: string,
  scopes: string[],
  subjectExpiresAt = now + 3600,
  sensitivity?: 'restricted',
) =>
  resolveIntent(
    {
      audience,
      scopes,
      intent: { purpose: 'p', targets: ['T-1'], ...(sensitivity ? { sensitivity } : {}) },
    },
    { catalogue, rules, subjectExpiresAt, nowSeconds: now },
  );

describe('resolveIntent', () => {
  it('finds the resource by name or by audience URI', () => {
    expect(resolve('tickets', ['tickets:read']).resource.name).toBe('tickets');
    expect(resolve('https://tickets.example', ['tickets:read']).resource.name).toBe('tickets');
  });

  it('takes the highest class of the scopes as the tier, and its TTL', () => {
    expect(resolve('tickets', ['tickets:read'])).toMatchObject({ tier: 'read', ttlSeconds: 300 });
    expect(resolve('tickets', ['tickets:read', 'tickets:write'])).toMatchObject({
      tier: 'write',
      ttlSeconds: 120,
    });
    expect(resolve('tickets', ['tickets:delete', 'tickets:read'])).toMatchObject({
      tier: 'destructive',
      ttlSeconds: 60,
    });
  });

  it('never outlives the subject token', () => {
    expect(resolve('tickets', ['tickets:read'], now + 45).ttlSeconds).toBe(45);
    expect(() => resolve('tickets', ['tickets:read'], now)).toThrow(/expired/);
  });

  it('deduplicates scopes and keeps their order', () => {
    expect(resolve('tickets', ['tickets:write', 'tickets:read', 'tickets:write']).scopes).toEqual([
      'tickets:write',
      'tickets:read',
    ]);
  });

  it('raises the sensitivity when the intent declares more, never lowers it', () => {
    expect(resolve('tickets', ['tickets:read'], now + 600, 'restricted').sensitivity).toBe(
      'restricted',
    );
    expect(resolve('tickets', ['tickets:read']).sensitivity).toBe('internal');
  });

  it('refuses an unknown audience with invalid_target and unknown scopes with invalid_scope', () => {
    expect(() => resolve('billing', ['x'])).toThrow(
      expect.objectContaining({ code: 'invalid_target' }) as MandateError,
    );
    expect(() => resolve('tickets', ['tickets:read', 'tickets:admin', 'x'])).toThrow(
      expect.objectContaining({
        code: 'invalid_scope',
        message: 'unknown scope for tickets: tickets:admin x',
      }) as MandateError,
    );
  });

  it('raises the tier to the floor of the data sensitivity, with its TTL', () => {
    const withFloor = (sensitivity?: 'restricted') =>
      resolveIntent(
        {
          audience: 'tickets',
          scopes: ['tickets:read'],
          intent: { purpose: 'p', targets: [], ...(sensitivity ? { sensitivity } : {}) },
        },
        {
          catalogue,
          rules: { ...rules, sensitivityFloor: { restricted: 'write' } },
          subjectExpiresAt: now + 3600,
          nowSeconds: now,
        },
      );
    expect(withFloor()).toMatchObject({ tier: 'read', ttlSeconds: 300 });
    expect(withFloor('restricted')).toMatchObject({ tier: 'write', ttlSeconds: 120 });
  });

  it('clamps request -> tier -> global max', () => {
    const ask = (requestedTtlSeconds: number, max = 3600) =>
      resolveIntent(
        {
          audience: 'tickets',
          scopes: ['tickets:read'],
          intent: { purpose: 'p', targets: [] },
          requestedTtlSeconds,
        },
        {
          catalogue,
          rules: { ...rules, maxTokenTtlSeconds: max },
          subjectExpiresAt: now + 3600,
          nowSeconds: now,
        },
      ).ttlSeconds;
    expect(ask(30)).toBe(30);
    expect(ask(10_000)).toBe(300);
    expect(ask(10_000, 200)).toBe(200);
  });
});
