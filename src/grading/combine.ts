// The one place that turns results into a 0-10 score.
//
// The deterministic score bounds everything: the judge moves a prose score at most BAND points
// either way, never outside; a prose answer that makes no key point stays at or below
// NO_COVERAGE_CAP; code is bounded by its tests (the judge may move it one point for quality) and
// a broken constraint caps it. When the judge and the checks disagree by more than DISAGREE
// points, the grade is flagged for a human.

export const BAND = 2;
export const CODE_BAND = 1;
export const NO_COVERAGE_CAP = 3;
export const CONSTRAINT_CAP = 4;
export const DISAGREE = 3;
/** What one hint costs, out of 10. */
export const HINT_COST = 1.5;
export const MIN_MAX = 4;

export interface CombineInput {
  kind: 'prose' | 'code';
  /** 0..10 from the checks (prose) or the tests (code). */
  deterministic: number;
  /** 0..10 from the judge, when it was asked and answered. */
  judge?: number;
  /** Prose: the share of key-point weight the answer makes (0..1). */
  coverage?: number;
  /** Code: a constraint was broken. */
  violated?: boolean;
  /** Code: the tests did not run at all (no sandbox); the score then rests on the explanation. */
  testsNotRun?: boolean;
  hintsUsed?: number;
}

export interface Combined {
  /** 0..max, one decimal. */
  score: number;
  max: number;
  needsReview: boolean;
  /** How the score came to be, in one line, for the transcript. */
  explanation: string;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const round1 = (x: number) => Math.round(x * 10) / 10;

/** The most an answer can score after `hints` hints. */
export function maxAfterHints(hints: number): number {
  return Math.max(MIN_MAX, 10 - HINT_COST * Math.max(0, hints));
}

export function combine(input: CombineInput): Combined {
  const d = clamp(input.deterministic, 0, 10);
  const band = input.kind === 'code' ? CODE_BAND : BAND;
  const parts: string[] = [`checks ${round1(d)}`];
  let s = d;
  if (input.judge !== undefined) {
    const j = clamp(input.judge, 0, 10);
    s = clamp(j, d - band, d + band);
    parts.push(`judge ${round1(j)} kept within ±${band}`);
  }
  if (input.kind === 'prose' && input.coverage === 0 && s > NO_COVERAGE_CAP) {
    s = NO_COVERAGE_CAP;
    parts.push(`no key point made: capped at ${NO_COVERAGE_CAP}`);
  }
  if (input.kind === 'code' && input.violated && s > CONSTRAINT_CAP) {
    s = CONSTRAINT_CAP;
    parts.push(`constraint broken: capped at ${CONSTRAINT_CAP}`);
  }
  const needsReview = input.judge !== undefined && Math.abs(clamp(input.judge, 0, 10) - d) > DISAGREE;
  const max = maxAfterHints(input.hintsUsed ?? 0);
  if (max < 10) parts.push(`${input.hintsUsed} hint(s): out of ${max}`);
  return { score: round1(clamp(s, 0, 10) * (max / 10)), max, needsReview, explanation: parts.join('; ') };
}
