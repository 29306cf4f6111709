import { findForbiddenKey } from './forbidden-keys.js';

describe('findForbiddenKey', () => {
  it('names the first prototype key at any depth, inside arrays too', () => {
    expect(findForbiddenKey({ a: 1, b: [{ c: 2 }] }, 'body')).toBeUndefined();
    expect(findForbiddenKey(JSON.parse('{"a":{"__proto__":{}}}'), 'body')).toBe('body.a.__proto__');
    expect(findForbiddenKey(JSON.parse('{"a":[{"ok":1},{"prototype":1}]}'), 'body')).toBe('body.a.1.prototype');
    expect(findForbiddenKey({ constructor: 1 }, 'data')).toBe('data.constructor');
  });

  it('refuses nesting deeper than any real request needs', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) deep = { next: deep };
    expect(findForbiddenKey(deep, 'body')).toMatch(/^body(\.next)+$/);
  });
});
