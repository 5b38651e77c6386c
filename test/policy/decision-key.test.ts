import { contextReads } from '../../src/policy/context-paths.js';
import { contextKey } from '../../src/policy/decision-key.js';

const when = (condition: string) => `permit (principal, action, resource) when { ${condition} };`;
const keyOf = (condition: string) => contextKey(contextReads({ p: when(condition) }));

const context = {
  task: { id: 'T-1', purpose: 'p', age_seconds: 0, exchanges: 3, live_grants: 0 },
  tier: 'read',
  targets: ['prod'],
  sensitivity: 'internal',
  time: { hour: 12, weekday: 3 },
  approved: false,
};
const delegated = {
  ...context,
  delegation: { depth: 1, chain: ['a'], origin: 'a', delegator: 'a', parent_scopes: [] },
};

describe('contextKey', () => {
  it('is the same for contexts that differ only where the set does not read', () => {
    const key = keyOf('context.task.exchanges < 5 && context.time.hour > 6');
    expect(
      key({
        ...context,
        task: { ...context.task, id: 'T-2', purpose: 'other' },
        time: { hour: 12, weekday: 6 },
        targets: [],
        approved: true,
      }),
    ).toBe(key(context));
  });

  it('differs when a value the set reads differs', () => {
    const key = keyOf('context.task.exchanges * 1 < 5 && context.time.hour == 6 + 6');
    expect(key({ ...context, task: { ...context.task, exchanges: 4 } })).not.toBe(key(context));
    expect(key({ ...context, time: { hour: 13, weekday: 3 } })).not.toBe(key(context));
  });

  it('keys a value only compared with integer literals on the outcomes of the comparisons', () => {
    const key = keyOf('context.task.exchanges < 5 && 6 < context.time.hour');
    const at = (exchanges: unknown, hour: unknown) =>
      key({
        ...context,
        task: { ...context.task, exchanges },
        time: { hour, weekday: 3 },
      } as never);
    expect(at(4, 13)).toBe(key(context)); // 3 and 4 are both below 5; 12 and 13 above 6
    expect(at(-9, 7)).toBe(key(context));
    expect(at(5, 12)).not.toBe(key(context));
    expect(at(3, 6)).not.toBe(key(context));
    expect(new Set([at(3, 12), at(5, 12), at(3, 6), at(5, 6)]).size).toBe(4);
    // a value that is not an integer is keyed as it is, never as an outcome
    expect(at('3', 12)).not.toBe(key(context));
    expect(at(3.5, 12)).not.toBe(at(3.25, 12));
    expect(at(2 ** 60, 12)).not.toBe(at(2 ** 60 + 4096, 12));
    // absent, or below something that is not a record: where the chain stops
    const withoutExchanges: Record<string, unknown> = { ...context.task };
    delete withoutExchanges.exchanges;
    expect(key({ ...context, task: withoutExchanges } as never)).not.toBe(key(context));
    expect(key({ ...context, task: 'T-1' })).not.toBe(key(context));
  });

  it('tells an absent attribute from any value it could have', () => {
    const key = keyOf('context.delegation.depth > 0');
    const absent = key(context);
    expect(key(delegated)).not.toBe(absent);
    // A string that spells the marker of an absent attribute is still a JSON string.
    expect(key({ ...delegated, delegation: { ...delegated.delegation, depth: '!0' } })).not.toBe(
      absent,
    );
  });

  it('keys presence only, for `has`', () => {
    const key = keyOf('context has delegation');
    expect(key(delegated)).not.toBe(key(context));
    expect(key({ ...delegated, delegation: { ...delegated.delegation, depth: 3 } })).toBe(
      key(delegated),
    );
  });

  it('keys a record read whole on every attribute of it', () => {
    const key = keyOf('context.time == {hour: 12, weekday: 3}');
    expect(key({ ...context, time: { hour: 12, weekday: 4 } })).not.toBe(key(context));
  });

  it('keys a chain that runs into something not a record on that value', () => {
    const key = keyOf('context.task.exchanges.oops == 1');
    expect(key({ ...context, task: { ...context.task, exchanges: 4 } })).not.toBe(key(context));
  });

  it('keys everything when the set reads the whole context', () => {
    const key = keyOf('context == context');
    expect(key({ ...context, task: { ...context.task, purpose: 'other' } })).not.toBe(key(context));
  });
});
