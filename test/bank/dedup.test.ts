import { describe, expect, it } from 'vitest';
import gold from '../fixtures/dedup-gold.json' with { type: 'json' };
import pairs from '../fixtures/dedup-pairs.json' with { type: 'json' };
import { buildBank } from '../../src/bank/bank.ts';
import { dedup, sameQuestion } from '../../src/bank/dedup.ts';
import { questionKey } from '../../src/bank/normalize.ts';
import { realDocuments } from '../helpers/sources.ts';

/** Pairwise precision and recall of predicted groups against gold groups over the same items. */
function pairwise(items: string[], predicted: Map<string, number>, truth: Map<string, string>) {
  let tp = 0;
  let predictedPairs = 0;
  let truePairs = 0;
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) {
      const p = predicted.get(items[i]!) === predicted.get(items[j]!);
      const t = truth.get(items[i]!) === truth.get(items[j]!);
      if (p) predictedPairs++;
      if (t) truePairs++;
      if (p && t) tp++;
    }
  }
  return { precision: tp / predictedPairs, recall: tp / truePairs, truePairs };
}

describe('dedup against hand-labelled groups of the five documents', () => {
  const result = buildBank(realDocuments());
  const items = result.units.map((u) => `${u.doc.slice(0, 3)}:${u.line}`);
  const predicted = new Map<string, number>();
  result.groups.forEach((g, gi) => g.forEach((i) => predicted.set(items[i]!, gi)));
  const truth = new Map<string, string>(items.map((it) => [it, it]));
  for (const g of gold.groups) for (const u of g.units) truth.set(u, g.label);

  it('labels only units that exist', () => {
    for (const g of gold.groups) for (const u of g.units) expect(items).toContain(u);
  });

  it('reaches pairwise precision and recall >= 0.95', () => {
    const { precision, recall, truePairs } = pairwise(items, predicted, truth);
    console.log(`dedup on the documents: ${items.length} units, ${truePairs} true duplicate pairs, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it('finds 235 units and 137 distinct questions', () => {
    expect(items).toHaveLength(235);
    expect(result.bank.questions).toHaveLength(137);
  });
});

describe('dedup on hand-labelled title pairs (rewordings and related-but-different)', () => {
  const list = pairs.pairs as Array<[string, string, boolean]>;

  it.each(list)('%s | %s -> same: %s', (a, b, same) => {
    expect(sameQuestion(questionKey(a), questionKey(b))).toBe(same);
    // The grouping agrees with the pairwise decision.
    expect(dedup([questionKey(a), questionKey(b)]).length).toBe(same ? 1 : 2);
  });

  it('reaches precision and recall >= 0.95 over the pairs', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const [a, b, same] of list) {
      const got = sameQuestion(questionKey(a), questionKey(b));
      if (got && same) tp++;
      else if (got) fp++;
      else if (same) fn++;
    }
    expect(tp / (tp + fp)).toBeGreaterThanOrEqual(0.95);
    expect(tp / (tp + fn)).toBeGreaterThanOrEqual(0.95);
  });
});

describe('dedup grouping', () => {
  it('merges a key that bridges two groups', () => {
    // Cores as sliding windows over distinct characters: A~B and B~C are alike (Jaccard 0.74),
    // A and C are not (0.54). A and C arrive first as two groups; B shows they are one question.
    const chars = Array.from({ length: 30 }, (_, i) => String.fromCharCode(0x4e00 + 37 * i)).join('');
    const [a, b, c] = [0, 3, 6].map((from) => ({ intent: 'define', core: chars.slice(from, from + 21) }));
    expect(sameQuestion(a!, b!)).toBe(true);
    expect(sameQuestion(b!, c!)).toBe(true);
    expect(sameQuestion(a!, c!)).toBe(false);
    expect(dedup([a!, c!])).toEqual([[0], [1]]);
    expect(dedup([a!, c!, b!])).toEqual([[0, 1, 2]]);
  });

  it('keeps the input order inside groups and orders groups by first member', () => {
    const keys = ['什么是分布式锁？', '如何实现分布式锁？', '分布式锁是什么？', '怎么实现分布式锁'].map(questionKey);
    expect(dedup(keys)).toEqual([[0, 2], [1, 3]]);
  });

  it('groups perturbed copies of every real title with the original', () => {
    const titles = buildBank(realDocuments()).units.map((u) => u.title);
    const perturb = (t: string, i: number) =>
      [
        (s: string) => `${(i % 40) + 1}. ${s}`,
        (s: string) => `**${s}**`,
        (s: string) => s.replace(/[A-Za-z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)), // full width
        (s: string) => s.replace(/？/g, '?').replace(/，/g, ', '),
        (s: string) => `请问${s}`,
        (s: string) => s.toUpperCase(),
      ][i % 6]!(t);
    const keys = [...titles, ...titles.map(perturb)].map(questionKey);
    const groups = dedup(keys);
    expect(groups).toHaveLength(dedup(titles.map(questionKey)).length);
    for (const g of groups) {
      for (const i of g) if (i >= titles.length) expect(g).toContain(i - titles.length);
    }
  });
});
