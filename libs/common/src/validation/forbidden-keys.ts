/** Keys no request may carry (prototype pollution): refused outright, never silently dropped. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const MAX_DEPTH = 32;

/**
 * The path of the first forbidden key in a parsed JSON value (`body.__proto__`), or undefined.
 * For values that did not come through the HTTP body parser's reviver (socket events).
 */
export function findForbiddenKey(value: unknown, path: string, depth = 0): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) return path;
  for (const key of Object.keys(value)) {
    const here = `${path}.${key}`;
    if (!Array.isArray(value) && FORBIDDEN_KEYS.has(key)) return here;
    const found = findForbiddenKey((value as Record<string, unknown>)[key], here, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/**
 * The path of the first string (value or key) holding a NUL character, or undefined. PostgreSQL
 * text cannot store one, so such input is refused as `invalid` here rather than failing in SQL.
 */
export function findNulCharacter(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) return path;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key.includes('\u0000')) return here;
    const found = findNulCharacter((value as Record<string, unknown>)[key], here, depth + 1);
    if (found) return found;
  }
  return undefined;
}
