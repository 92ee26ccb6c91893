// Comparing a harness's reported value with a test's expected value, outside the sandbox.
//
// The harnesses already turn tuples and sets into lists and dict keys into JSON text, so here
// both sides are JSON-like. Numbers compare with a small tolerance; NaN never equals anything.

/** Absolute-or-relative tolerance: |a - b| <= 1e-6 * max(1, |a|, |b|). */
export const FLOAT_TOLERANCE = 1e-6;

export function sameNumber(actual: number, expected: number): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return false;
  if (actual === expected) return true; // also the infinities
  if (!Number.isFinite(actual) || !Number.isFinite(expected)) return false;
  return Math.abs(actual - expected) <= FLOAT_TOLERANCE * Math.max(1, Math.abs(actual), Math.abs(expected));
}

export function sameValue(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'number' && typeof expected === 'number') return sameNumber(actual, expected);
  if (actual === null || expected === null || typeof actual !== 'object' || typeof expected !== 'object') {
    return actual === expected;
  }
  if (Array.isArray(actual) || Array.isArray(expected)) {
    if (!Array.isArray(actual) || !Array.isArray(expected) || actual.length !== expected.length) return false;
    return actual.every((item, i) => sameValue(item, expected[i]));
  }
  const a = actual as Record<string, unknown>;
  const e = expected as Record<string, unknown>;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(e).length) return false;
  return keys.every((key) => Object.hasOwn(e, key) && sameValue(a[key], e[key]));
}

/** JSON.parse reviver for the harnesses' tags: {"__float__": "nan" | "inf" | "-inf"} becomes the
 * number. ({"__repr__": ...}, a value JSON cannot hold, stays an object: it equals no expected
 * value and still shows what was returned.) */
export function reviveTags(_key: string, value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const tag = (value as Record<string, unknown>)['__float__'];
    if (typeof tag === 'string' && Object.keys(value).length === 1) {
      if (tag === 'nan') return Number.NaN;
      if (tag === 'inf') return Number.POSITIVE_INFINITY;
      if (tag === '-inf') return Number.NEGATIVE_INFINITY;
    }
  }
  return value;
}
