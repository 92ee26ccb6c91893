// units -> groups of the same question.
//
// Two titles ask the same question when they have the same intent and their cores are equal,
// or alike (Jaccard >= SAME over core features) without one merely extending the other
// ("分布式缓存" vs "分布式缓存一致性" is a different question, not a rewording).
//
// Scaling: exact keys meet in a hash map; near keys meet through MinHash signatures banded
// into LSH buckets (buckets hold groups, not units, so a question repeated 1,000 times costs one
// bucket entry). Each unit is compared with a few exemplar keys of each candidate group, so the
// work per unit does not grow with the corpus: time is near-linear in the number of units.
import { features, type QuestionKey } from './normalize.ts';

export const SAME = 0.7;
const HASHES = 20;
const ROWS = 2; // 10 bands of 2 rows: a pair at Jaccard 0.7 shares a bucket with p > 0.998
const EXEMPLARS = 8;

export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const set = new Set(a);
  let common = 0;
  for (const x of new Set(b)) if (set.has(x)) common++;
  return common / (set.size + new Set(b).size - common);
}

/** Do two keys ask the same question? Exposed for tests and for the build report. */
export function sameQuestion(a: QuestionKey, b: QuestionKey): boolean {
  if (a.intent !== b.intent) return false;
  if (a.core === b.core) return true;
  if (!a.core || !b.core || a.core.includes(b.core) || b.core.includes(a.core)) return false;
  return jaccard(features(a.core), features(b.core)) >= SAME;
}

// 32-bit FNV-1a, then HASHES cheap universal-hash permutations of it.
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
const SEEDS = Array.from({ length: HASHES }, (_, i) => [fnv(`a${i}`) | 1, fnv(`b${i}`)] as const);

function signature(feats: readonly string[]): number[] {
  const sig = new Array<number>(HASHES).fill(0xffffffff);
  for (const f of feats) {
    const h = fnv(f);
    for (let i = 0; i < HASHES; i++) {
      const [a, b] = SEEDS[i]!;
      const v = (Math.imul(h, a) + b) >>> 0;
      if (v < sig[i]!) sig[i] = v;
    }
  }
  return sig;
}

/**
 * Group keys that ask the same question. Returns groups as lists of indices into `keys`, each
 * list ascending, groups ordered by their first member. Deterministic for a given input order.
 */
export function dedup(keys: readonly QuestionKey[]): number[][] {
  const parent: number[] = []; // union-find over groups
  const find = (g: number): number => {
    while (parent[g] !== g) {
      parent[g] = parent[parent[g]!]!;
      g = parent[g]!;
    }
    return g;
  };
  const exemplars: QuestionKey[][] = [];
  const groupOf: number[] = [];
  const exact = new Map<string, number>();
  const buckets = new Map<string, number[]>();

  const index = (g: number, key: QuestionKey) => {
    const sig = signature(features(key.core));
    for (let band = 0; band < HASHES / ROWS; band++) {
      const b = `${key.intent}\u0000${band}\u0000${sig.slice(band * ROWS, band * ROWS + ROWS).join(',')}`;
      const list = buckets.get(b);
      if (!list) buckets.set(b, [g]);
      else if (!list.includes(g)) list.push(g);
    }
  };

  keys.forEach((key, i) => {
    const k = `${key.intent}\u0000${key.core}`;
    const known = exact.get(k);
    if (known !== undefined) {
      groupOf[i] = find(known);
      return;
    }
    // Candidate groups: those sharing a band bucket with this key.
    const sig = signature(features(key.core));
    const candidates = new Set<number>();
    for (let band = 0; band < HASHES / ROWS; band++) {
      const b = `${key.intent}\u0000${band}\u0000${sig.slice(band * ROWS, band * ROWS + ROWS).join(',')}`;
      for (const g of buckets.get(b) ?? []) candidates.add(find(g));
    }
    const matches = [...candidates].filter((g) => exemplars[g]!.some((e) => sameQuestion(key, e))).sort((a, b) => a - b);
    let g: number;
    if (matches.length === 0) {
      g = parent.length;
      parent.push(g);
      exemplars.push([]);
    } else {
      g = matches[0]!;
      for (const other of matches.slice(1)) {
        // This key bridges groups: they were one question all along.
        parent[other] = g;
        exemplars[g]!.push(...exemplars[other]!.slice(0, Math.max(0, EXEMPLARS - exemplars[g]!.length)));
      }
    }
    if (exemplars[g]!.length < EXEMPLARS) exemplars[g]!.push(key);
    exact.set(k, g);
    index(g, key);
    groupOf[i] = g;
  });

  const groups = new Map<number, number[]>();
  groupOf.forEach((g, i) => {
    const root = find(g);
    const list = groups.get(root);
    if (list) list.push(i);
    else groups.set(root, [i]);
  });
  return [...groups.values()].sort((a, b) => a[0]! - b[0]!);
}
