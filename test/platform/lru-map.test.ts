import { LruMap } from '../../src/platform/lru-map.js';

describe('LruMap', () => {
  it('keeps at most its size, dropping the least recently used', () => {
    const cache = new LruMap<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // now b is the oldest
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('refuses a size that bounds nothing', () => {
    expect(() => new LruMap(0)).toThrow(/positive integer, got 0/);
    expect(() => new LruMap(1.5)).toThrow(RangeError);
  });
});
