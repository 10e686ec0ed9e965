/**
 * The keys of `value` whose value is not undefined. Settings are merged as `{ ...DEFAULTS, ...given }`, where
 * a key present with undefined would overwrite its default; optional fields from a parsed file or a partial
 * reading go through this first.
 */
export function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
