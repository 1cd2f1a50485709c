/**
 * JSON with object keys sorted at every level: equal for equal objects
 * whatever order their keys were written in (an object read back from the
 * apiserver against one built here).
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(
          Object.keys(value)
            .sort()
            .map((k) => [k, (value as Record<string, unknown>)[k]]),
        )
      : value,
  );
}
