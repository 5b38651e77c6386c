import {
  LOG_BOUNDS,
  boundForLog,
  boundStack,
  boundString,
} from '../../src/platform/bound-for-log.js';

describe('boundString', () => {
  it('keeps a string that fits', () => {
    expect(boundString('x'.repeat(256))).toBe('x'.repeat(256));
  });

  it('cuts a long string to the bound, marker included, naming what was cut', () => {
    const cut = boundString('x'.repeat(16 * 1024));
    expect(cut).toHaveLength(LOG_BOUNDS.chars);
    expect(cut).toBe(`${'x'.repeat(238)}…[cut 16146 chars]`);
  });

  it('gives the same answer when bounding twice', () => {
    const once = boundString('y'.repeat(5000));
    expect(boundString(once)).toBe(once);
  });

  it('never splits a character made of two UTF-16 units', () => {
    const cut = boundString('😀'.repeat(300));
    expect(cut.length).toBeLessThanOrEqual(256);
    expect(cut).toMatch(/^(😀)+…\[cut \d+ chars\]$/u);
  });
});

describe('boundForLog', () => {
  it('bounds strings at any depth and arrays by count, keeping other values', () => {
    const long = 'z'.repeat(1000);
    const out = boundForLog({
      n: 3,
      ok: true,
      none: null,
      nested: { list: Array.from({ length: 40 }, () => long) },
    });
    expect(out.n).toBe(3);
    expect(out.ok).toBe(true);
    expect(out.none).toBeNull();
    expect(out.nested.list).toHaveLength(LOG_BOUNDS.items + 1);
    expect(out.nested.list.at(-1)).toBe('…[cut 8 items]');
    expect(out.nested.list[0]).toBe(boundString(long));
  });

  it('cuts nesting deeper than the bound', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 10; i += 1) deep = { deep };
    expect(JSON.stringify(boundForLog(deep))).toContain('…[cut: nested too deep]');
  });

  it('does not change its input', () => {
    const input = { a: 'q'.repeat(500) };
    boundForLog(input);
    expect(input.a).toHaveLength(500);
  });
});

describe('boundStack', () => {
  it('bounds the messages inside a stack and keeps every frame', () => {
    const err = new Error('m'.repeat(10_000), { cause: new Error('c'.repeat(10_000)) });
    const stack = `${err.stack!}\ncaused by: ${(err.cause as Error).stack!}`;
    const bounded = boundStack(stack, err);
    expect(bounded).not.toMatch(/m{257}|c{257}/);
    const frames = (text: string) => text.split('\n').filter((l) => l.trim().startsWith('at '));
    expect(frames(bounded)).toEqual(frames(stack));
  });
});
