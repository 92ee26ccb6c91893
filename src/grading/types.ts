// The shapes grading passes around. Outcomes are values, not exceptions: "the answer failed" and
// "the grader broke" are different values, and both are kept.

/** Every deterministic check returns this (after promptfoo): a pass, a 0..1 score, a reason. */
export interface CheckResult {
  name: string;
  pass: boolean;
  score: number;
  reason: string;
}

export type KeyPointStatus = 'met' | 'partial' | 'missed';

export interface KeyPointResult {
  id: string;
  point: string;
  weight: number;
  status: KeyPointStatus;
  /** 0, 0.5 or 1 of the point's weight. */
  credit: number;
  /** The words of the answer that earned it: a quote that occurs in the answer. */
  evidence?: string;
  /** Who decided: the deterministic checks, or the LLM judge with a verified quote. */
  by: 'checks' | 'judge';
}

export interface MisconceptionResult {
  id: string;
  claim: string;
  correction: string;
  evidence: string;
  by: 'checks' | 'judge';
}

export type Verdict = 'passed' | 'wrong_answer' | 'time_limit' | 'memory_limit' | 'output_limit' | 'runtime_error' | 'syntax_error' | 'not_run';

export interface TestOutcome {
  index: number;
  name?: string;
  hidden: boolean;
  verdict: Verdict;
  /** Shown for visible tests only. */
  args?: unknown;
  expected?: unknown;
  actual?: unknown;
  error?: string;
  timeMs?: number;
}

export interface CodeResult {
  language: string;
  /** Why code did not run at all (no sandbox, a syntax error), in plain words. */
  notRun?: string;
  isolation?: 'sandbox' | 'unsafe-local';
  tests: TestOutcome[];
  passed: number;
  total: number;
  hiddenPassed: number;
  hiddenTotal: number;
  violations: Array<{ rule: string; line: number; message: string }>;
}

export type Flag =
  | 'needs_review' // the judge and the checks disagree strongly
  | 'llm_unavailable' // no API key: graded deterministically by design
  | 'llm_failed' // the judge was asked and failed: fell back to deterministic
  | 'sandbox_unavailable' // code was not run
  | 'unsafe_local' // code ran without the sandbox, by the operator's choice
  | 'constraint_violation'
  | 'empty'
  | 'off_topic'
  | 'buzzwords'
  | 'calibrated' // mapped through human-graded examples
  | 'injection_suspected'; // text addressed to the grader was cut before grading

export interface Feedback {
  summary: string;
  good: string[];
  missing: string[];
  wrong: string[];
}

export interface Grade {
  /** 0..max, one decimal. */
  score: number;
  /** 10, less what hints cost. */
  max: number;
  grader: 'deterministic' | 'llm+deterministic';
  model?: string;
  promptVersion?: string;
  rubricHash: string;
  /** The score the deterministic checks alone gave, and the judge's, before combining. */
  deterministicScore: number;
  judgeScore?: number;
  keyPoints: KeyPointResult[];
  misconceptions: MisconceptionResult[];
  checks: CheckResult[];
  code?: CodeResult;
  feedback: Feedback;
  followUp?: string;
  confidence?: number;
  flags: Flag[];
  /** Why the judge was not used or failed, when it was not. */
  judgeError?: string;
  timings: { checksMs: number; testsMs?: number; judgeMs?: number; totalMs: number };
}
