import { parseInvalidation } from './invalidation';
import { LruCache } from './lru-cache';

describe('LruCache', () => {
  it('forgets the least recently used entry beyond its bound', () => {
    const cache = new LruCache<number>(2, 60000);
    cache.set('a', 1, cache.generation);
    cache.set('b', 2, cache.generation);
    expect(cache.get('a')).toBe(1); // a is now the most recently used
    cache.set('c', 3, cache.generation);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });

  it('never answers with an entry older than its maximum age', () => {
    let now = 1000;
    const cache = new LruCache<string>(10, 500, () => now);
    cache.set('k', 'v', cache.generation);
    now = 1499;
    expect(cache.get('k')).toBe('v');
    now = 1500;
    expect(cache.get('k')).toBeUndefined();
  });

  it('does not store a value loaded before an invalidation', () => {
    const cache = new LruCache<string>(10, 60000);
    const before = cache.generation;
    cache.deleteWhere(() => false);
    cache.set('k', 'stale', before);
    expect(cache.get('k')).toBeUndefined();
    cache.set('k', 'fresh', cache.generation);
    expect(cache.get('k')).toBe('fresh');
  });

  it('stores nothing when its bound is 0 (cache off)', () => {
    const cache = new LruCache<string>(0, 60000);
    cache.set('k', 'v', cache.generation);
    expect(cache.get('k')).toBeUndefined();
  });
});

describe('parseInvalidation', () => {
  it('reads the NOTIFY payload and ignores anything else', () => {
    expect(parseInvalidation('{"kind":"token","id":"abc"}')).toEqual({ kind: 'token', id: 'abc' });
    expect(parseInvalidation('{"kind":"drop","id":"abc"}')).toBeNull();
    expect(parseInvalidation('{"kind":"token","id":1}')).toBeNull();
    expect(parseInvalidation('not json')).toBeNull();
    expect(parseInvalidation(undefined)).toBeNull();
  });
});
