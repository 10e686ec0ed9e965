/**
 * The one place where the 1376.1 codec builds functions from text. It does so only for the hot decoding
 * paths, and only from its own tables (layout field names, quoted; numbers): never from received bytes.
 *
 * Why: V8 creates an object fastest from an object literal, and a string fastest from one
 * `String.fromCharCode(…)` call with a fixed argument list. A loop shared by every layout that assigns
 * `out[name] = value` sees every layout's shape and costs ~25 ns per property; joining a text from pieces
 * allocates one string per piece. A small generated function per layout (or per text width) avoids both.
 */

/** Builds a function from `body` (which returns it); `params` are bound to `values` (tables, closures). */
export function generated<T>(params: readonly string[], body: string, values: readonly unknown[]): T {
  const factory = new Function(...params, `"use strict";\n${body}`) as (...args: unknown[]) => T;
  return factory(...values);
}

/** A name as an object-literal key. `__proto__` would set the prototype, so no layout may use it. */
export function propertyKey(name: string): string {
  if (name === "__proto__") throw new RangeError('layout error: a field may not be named "__proto__"');
  return JSON.stringify(name);
}
