import { RECORD_GRANT, luaLiteral } from '../../src/grants/redis/store-scripts.js';

describe('the record script with the store constants in its text', () => {
  it('holds each constant as a Lua literal, and leaves out the limits that are off', () => {
    const lua = RECORD_GRANT.lua({
      retention: 3_660_000,
      max_age_ms: 28_800_000,
      rate: { max: 300, windowMs: 60_000 },
    });
    expect(lua).toContain(
      'local K = { retention = 3660000, max_age_ms = 28800000, rate = { max = 300, windowMs = 60000 } }',
    );
    expect(lua).not.toContain('loops =');
    expect(lua).not.toContain('max_live_tasks =');
  });

  it('differs for each set of constants, so Redis holds one script per configuration', () => {
    const a = RECORD_GRANT.lua({ retention: 1000, max_age_ms: 2000 });
    const b = RECORD_GRANT.lua({ retention: 1000, max_age_ms: 2000, max_live_tasks: 5 });
    expect(a).not.toEqual(b);
    expect(RECORD_GRANT.lua({ retention: 1000, max_age_ms: 2000 })).toEqual(a);
  });

  it('refuses a value Lua would read otherwise than it was meant', () => {
    expect(() => luaLiteral({ n: Number.NaN })).toThrow('not a finite number');
    expect(() => luaLiteral({ n: Number.POSITIVE_INFINITY })).toThrow('not a finite number');
    expect(() => luaLiteral({ 'a b': 1 })).toThrow('not a Lua name');
    expect(() => luaLiteral({ s: 'text' })).toThrow('no Lua literal for string');
    expect(() => luaLiteral([1])).toThrow('no Lua literal');
  });
});
