// How well the grader agrees with humans: Pearson, Spearman, quadratic weighted kappa, MAE.
import { pearson, spearman } from './similarity.ts';

export { pearson, spearman };

export function mae(pred: readonly number[], gold: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += Math.abs(pred[i]! - gold[i]!);
  return pred.length ? s / pred.length : NaN;
}

/**
 * Quadratic weighted kappa over integer ratings 0..levels-1 (scores are rounded into them):
 * 1 is perfect agreement, 0 what chance gives, and far-apart disagreements cost the most.
 */
export function qwk(a: readonly number[], b: readonly number[], levels: number): number {
  const n = a.length;
  if (n === 0 || levels < 2) return NaN;
  const bin = (x: number) => Math.max(0, Math.min(levels - 1, Math.round(x)));
  const observed = Array.from({ length: levels }, () => new Array<number>(levels).fill(0));
  const ha = new Array<number>(levels).fill(0);
  const hb = new Array<number>(levels).fill(0);
  for (let i = 0; i < n; i++) {
    const x = bin(a[i]!);
    const y = bin(b[i]!);
    observed[x]![y]!++;
    ha[x]!++;
    hb[y]!++;
  }
  let num = 0;
  let den = 0;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j < levels; j++) {
      const w = (i - j) ** 2 / (levels - 1) ** 2;
      num += w * observed[i]![j]!;
      den += (w * ha[i]! * hb[j]!) / n;
    }
  }
  return den === 0 ? (num === 0 ? 1 : 0) : 1 - num / den;
}

export interface Agreement {
  n: number;
  pearson: number;
  spearman: number;
  qwk: number;
  mae: number;
}

/** Agreement of predicted and human scores, both on 0..10 (QWK over whole points). */
export function agreement(pred: readonly number[], gold: readonly number[]): Agreement {
  return { n: pred.length, pearson: pearson(pred, gold), spearman: spearman(pred, gold), qwk: qwk(pred, gold, 11), mae: mae(pred, gold) };
}
