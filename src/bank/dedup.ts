// units -> groups of the same question.
//
// Two titles ask the same question when they have the same intent and their cores are equal,
// or alike (Jaccard >= SAME over core features: Chinese character bigrams and whole latin words)
// without one merely extending the other ("分布式缓存" vs "分布式缓存一致性" is a different
// question, not a rewording).
//
// Scaling, without comparing all pairs: equal keys meet in a hash map. Alike keys meet through
// prefix filtering over an inverted index: feature frequencies are counted over the whole corpus,
// each key's features are ordered rarest first, and two keys with Jaccard >= t must share one
// of the first |x| - ceil(t·|x|) + 1 features of each — so only those are indexed and looked up.
// That is exact (no alike pair is missed) and the lists it reads hold rare features, so they stay
// short. A list that grows past STOP groups belongs to a feature that has become a stop word for
// this corpus; it is no longer used, which bounds the work per key. On the 100k synthetic corpus
// of bench/bank.ts (dense families of related questions) that leaves 4% more groups than the
// uncapped join and keeps the time linear; lists in the real documents hold at most a few groups. MinHash/LSH was tried first and went quadratic there: shared phrases
// filled its buckets.
// Each key is compared with a few exemplars per candidate group; a key that matches two
// groups joins them.
import { features, type QuestionKey } from './normalize.ts';

export const SAME = 0.7;
const EXEMPLARS = 8;
const STOP = 64;

interface Prepared {
  key: QuestionKey;
  feats: string[];
  set: Set<string>;
}

function prepare(key: QuestionKey): Prepared {
  const feats = features(key.core);
  return { key, feats, set: new Set(feats) };
}

function similar(a: Prepared, b: Prepared): boolean {
  if (a.key.intent !== b.key.intent) return false;
  if (a.key.core === b.key.core) return true;
  if (!a.key.core || !b.key.core) return false;
  // One core extending the other is a narrower question (分布式缓存 -> 分布式缓存一致性,
  // 去中心化交易 -> 去中心化交易所), unless the extension is a doubled character: a typo.
  const [short, long] = a.key.core.length <= b.key.core.length ? [a.key.core, b.key.core] : [b.key.core, a.key.core];
  if (long.includes(short) && !isDoubledChar(short, long)) return false;
  let common = 0;
  for (const f of b.set) if (a.set.has(f)) common++;
  return common / (a.set.size + b.set.size - common) >= SAME;
}

/** `long` is `short` with one character typed twice ("执行监控控"). */
function isDoubledChar(short: string, long: string): boolean {
  if (long.length !== short.length + 1) return false;
  let i = 0;
  while (i < short.length && short[i] === long[i]) i++;
  return i > 0 && long[i] === long[i - 1] && long.slice(i + 1) === short.slice(i);
}

/** Do two keys ask the same question? */
export function sameQuestion(a: QuestionKey, b: QuestionKey): boolean {
  return similar(prepare(a), prepare(b));
}

/** Two alike keys share one of the first prefixLength(n) rarest features of each. */
function prefixLength(n: number): number {
  return n === 0 ? 0 : n - Math.ceil(SAME * n - 1e-9) + 1;
}

/**
 * Group keys that ask the same question. Returns groups as lists of indices into `keys`, each
 * list ascending, groups ordered by their first member. Deterministic for a given input.
 */
export function dedup(keys: readonly QuestionKey[]): number[][] {
  // Feature frequencies over distinct keys give the global rarest-first order.
  const distinct = new Map<string, Prepared>();
  for (const key of keys) {
    const k = `${key.intent}\u0000${key.core}`;
    if (!distinct.has(k)) distinct.set(k, prepare(key));
  }
  const df = new Map<string, number>();
  for (const p of distinct.values()) for (const f of p.set) df.set(f, (df.get(f) ?? 0) + 1);
  const prefix = (p: Prepared): string[] => {
    const sorted = [...p.set].sort((a, b) => df.get(a)! - df.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
    return sorted.slice(0, prefixLength(sorted.length)).map((f) => `${p.key.intent}\u0000${f}`);
  };

  const parent: number[] = []; // union-find over groups
  const find = (g: number): number => {
    while (parent[g] !== g) {
      parent[g] = parent[parent[g]!]!;
      g = parent[g]!;
    }
    return g;
  };
  const exemplars: Prepared[][] = [];
  const groupOf: number[] = [];
  const exact = new Map<string, number>();
  const index = new Map<string, number[]>();

  keys.forEach((key, i) => {
    const k = `${key.intent}\u0000${key.core}`;
    const known = exact.get(k);
    if (known !== undefined) {
      groupOf[i] = find(known);
      return;
    }
    const p = distinct.get(k)!;
    const entries = prefix(p);
    const candidates = new Set<number>();
    for (const e of entries) {
      const list = index.get(e);
      if (list && list.length < STOP) for (const g of list) candidates.add(find(g));
    }
    const matches = [...candidates].filter((g) => exemplars[g]!.some((e) => similar(p, e))).sort((a, b) => a - b);
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
    exact.set(k, g);
    groupOf[i] = g;
    // Index the key as an exemplar of its group (a few per group keep lookups bounded).
    if (exemplars[g]!.length < EXEMPLARS) {
      exemplars[g]!.push(p);
      for (const e of entries) {
        const list = index.get(e);
        if (!list) index.set(e, [g]);
        else if (list.length < STOP && list.at(-1) !== g) list.push(g);
      }
    }
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
