import { contextReads, WHOLE_CONTEXT } from '../../src/policy/context-paths.js';
import { loadPolicySet } from '../../src/policy/load-policy-set.js';
import { EXAMPLE_POLICY_DIR } from '../support/test-broker.js';
import { catalogue } from './policy-fixtures.js';

const when = (condition: string) => `permit (principal, action, resource) when { ${condition} };`;
/** Paths in a fixed order, since the order found is the policies'. */
const sorted = (paths: readonly (readonly string[])[]) => paths.map((p) => p.join('.')).sort();
const reads = (...conditions: string[]) =>
  contextReads(Object.fromEntries(conditions.map((c, i) => [`p${i}`, when(c)])));

describe('contextReads', () => {
  it('reads nothing of context for a set that never mentions it', () => {
    expect(reads('principal.source == "spiffe" && resource.name == "context"')).toEqual({
      whole: false,
      values: [],
      compared: [],
      presence: [],
    });
  });

  it('keys the value of each plain attribute chain, by dot or by index', () => {
    expect(
      reads(
        'context.task.exchanges + 1 < 3',
        'context["time"].hour == 6 + 0',
        'context.delegation.depth > context.task.live_grants && context.approved',
      ),
    ).toEqual({
      whole: false,
      values: [
        ['approved'],
        ['task', 'exchanges'],
        ['time', 'hour'],
        ['delegation', 'depth'],
        ['task', 'live_grants'],
      ],
      compared: [],
      presence: [],
    });
  });

  it('keys a chain only compared with integer literals on those comparisons, either side', () => {
    expect(
      reads(
        'context.task.exchanges >= 20',
        '19 < context.task.exchanges && context.task.exchanges != -3',
        'context["time"].hour >= 6 && context.time.hour < 18 && context.task.exchanges >= 20',
      ),
    ).toEqual({
      whole: false,
      values: [],
      compared: [
        {
          path: ['task', 'exchanges'],
          tests: [
            { op: '>=', literal: 20 },
            { op: '>', literal: 19 },
            { op: '!=', literal: -3 },
          ],
        },
        {
          path: ['time', 'hour'],
          tests: [
            { op: '>=', literal: 6 },
            { op: '<', literal: 18 },
          ],
        },
      ],
      presence: [],
    });
  });

  it('keys a compared chain on its value when it is also read otherwise, or read below', () => {
    expect(reads('context.task.exchanges >= 20', 'context.task.exchanges * 2 > 9').values).toEqual([
      ['task', 'exchanges'],
    ]);
    expect(reads('context.task.exchanges >= 20', 'context.task.exchanges == "x"')).toEqual({
      whole: false,
      values: [['task', 'exchanges']],
      compared: [],
      presence: [],
    });
    // compared with a record (an error) while an attribute below is read: the record counts
    expect(reads('context.time < 3', 'context has time.hour').values).toEqual([['time']]);
    expect(reads('context.time < 3', 'context.time.hour > 1').values).toEqual([['time']]);
    // a record read whole covers what is compared below it
    expect(reads('context.task.exchanges >= 20', 'context.task == context.task')).toEqual({
      whole: false,
      values: [['task']],
      compared: [],
      presence: [],
    });
  });

  it('keys only the presence of what `has` tests, one level or several', () => {
    expect(reads('context has delegation', 'context has delegation.person')).toEqual({
      whole: false,
      values: [],
      compared: [],
      presence: [['delegation'], ['delegation', 'person']],
    });
  });

  it('keys `has` below a chain as the presence of the whole path', () => {
    expect(reads('context.task has exchanges')).toEqual({
      whole: false,
      values: [],
      compared: [],
      presence: [['task', 'exchanges']],
    });
  });

  it('keys a record used whole, and drops the paths below it', () => {
    expect(
      reads(
        'context.task == {id: "T", purpose: "p", age_seconds: 0, exchanges: 0, live_grants: 0}',
        'context.task.exchanges < 3',
        'context has task.exchanges',
      ),
    ).toEqual({ whole: false, values: [['task']], compared: [], presence: [] });
  });

  it('keys a chain read through a method, `is`, `in` or `like` as the chain whole', () => {
    expect(
      sorted(
        reads(
          'context.targets.contains("prod")',
          'context.task is Agent',
          'context.delegation.chain.containsAny(["x"])',
          'context.tier in ["read"]',
          'context.task.purpose like "*x*"',
        ).values,
      ),
    ).toEqual(['delegation.chain', 'targets', 'task', 'tier']);
  });

  it('finds chains inside records, sets and extension calls built by the policy', () => {
    expect(
      reads(
        '{a: context.tier}.a == "read"',
        '[context.sensitivity].contains("x")',
        'ip(context.tier).isIpv4()',
      ).values,
    ).toEqual([['tier'], ['sensitivity']]);
  });

  it('drops a presence test a value read or a compared chain already decides', () => {
    expect(reads('context has delegation && context.delegation.origin == "x"')).toEqual({
      whole: false,
      values: [['delegation', 'origin']],
      compared: [],
      presence: [],
    });
    expect(reads('context has delegation && context.delegation.depth > 1')).toEqual({
      whole: false,
      values: [],
      compared: [{ path: ['delegation', 'depth'], tests: [{ op: '>', literal: 1 }] }],
      presence: [],
    });
  });

  it.each([
    ['context compared whole', 'context == context'],
    ['context in a set', '[context].contains(context)'],
    ['context in a record', '{c: context}.c.tier == "read"'],
    ['context tested with `is`', 'context is Agent'],
    ['context tested with `in`', 'context in Resource::"tickets"'],
    ['context passed to an extension call', 'decimal(context).lessThan(decimal("1.0"))'],
    ['context read as an entity tag', 'context.getTag("tier") == "read"'],
    ['context in an if', '(if true then context else context).approved'],
  ])('keys the whole context for %s', (_, condition) => {
    expect(reads('context.tier == "read"', condition)).toBe(WHOLE_CONTEXT);
  });

  it('keys the whole context for a template (its slots are request values)', () => {
    expect(contextReads({ t: 'permit (principal == ?principal, action, resource);' })).toBe(
      WHOLE_CONTEXT,
    );
  });

  it('keys the whole context for text Cedar cannot convert', () => {
    expect(contextReads({ p: 'permit (principal, action, resource) when {' })).toBe(WHOLE_CONTEXT);
  });

  it('keys what went into a record the policy builds, when it reads an attribute of it', () => {
    expect(reads('{task: context.task}.task.exchanges > 1').values).toEqual([['task']]);
  });

  it('reads the shipped examples exactly where they look', () => {
    const found = contextReads(loadPolicySet(EXAMPLE_POLICY_DIR, catalogue).policies);
    expect(found.whole).toBe(false);
    expect(sorted(found.values)).toEqual(['approved', 'delegation.origin', 'targets']);
    // research.cedar's task budget and the business-hours rules only compare with numbers
    expect(sorted(found.compared.map((c) => c.path))).toEqual([
      'task.exchanges',
      'time.hour',
      'time.weekday',
    ]);
    // `context has delegation` is decided by the read of context.delegation.origin.
    expect(sorted(found.presence)).toEqual(['delegation.person']);
  });
});
