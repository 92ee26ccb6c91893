import { describe, expect, it } from 'vitest';
import { BAND, combine, CONSTRAINT_CAP, maxAfterHints, NO_COVERAGE_CAP } from '../../src/grading/combine.ts';

describe('combining', () => {
  it('keeps the deterministic score when there is no judge', () => {
    expect(combine({ kind: 'prose', deterministic: 6.4, coverage: 0.6 })).toMatchObject({ score: 6.4, max: 10, needsReview: false });
  });

  it('lets the judge move a prose score only within the band around the checks', () => {
    expect(combine({ kind: 'prose', deterministic: 5, judge: 6.5, coverage: 0.5 }).score).toBe(6.5);
    expect(combine({ kind: 'prose', deterministic: 5, judge: 10, coverage: 0.5 }).score).toBe(5 + BAND);
    expect(combine({ kind: 'prose', deterministic: 5, judge: 0, coverage: 0.5 }).score).toBe(5 - BAND);
  });

  it('flags a large disagreement for human review', () => {
    expect(combine({ kind: 'prose', deterministic: 5, judge: 9, coverage: 0.5 }).needsReview).toBe(true);
    expect(combine({ kind: 'prose', deterministic: 5, judge: 7.5, coverage: 0.5 }).needsReview).toBe(false);
  });

  it('caps a prose answer that makes no key point', () => {
    expect(combine({ kind: 'prose', deterministic: 4, judge: 9, coverage: 0 }).score).toBe(NO_COVERAGE_CAP);
  });

  it('bounds code by its tests and caps a broken constraint', () => {
    expect(combine({ kind: 'code', deterministic: 5, judge: 10 }).score).toBe(6);
    expect(combine({ kind: 'code', deterministic: 10, judge: 10, violated: true }).score).toBe(CONSTRAINT_CAP);
    expect(combine({ kind: 'code', deterministic: 0, judge: 10 }).score).toBe(1);
  });

  it('lowers the maximum for each hint, never below a floor', () => {
    expect(maxAfterHints(0)).toBe(10);
    expect(maxAfterHints(2)).toBe(7);
    expect(maxAfterHints(10)).toBe(4);
    const c = combine({ kind: 'prose', deterministic: 10, coverage: 1, hintsUsed: 2 });
    expect(c).toMatchObject({ score: 7, max: 7 });
    expect(c.explanation).toContain('2 hint(s)');
  });
});
