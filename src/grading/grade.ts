// The one entry point for grading an answer: deterministic checks (key points, constraints, code
// tests in the sandbox), then the LLM judge when one is configured, then combine. Everything with
// I/O (the sandbox, the judge) is passed in. Stages are reported as they finish, so a page can
// show the checks while the judge is still thinking.
import type { Kind } from '../bank/classify.ts';
import { rubricHash, type Rubric } from '../rubrics/schema.ts';
import type { Sandbox } from '../sandbox/run.ts';
import { checkProse, type ProseCheck } from './checks.ts';
import { combine } from './combine.ts';
import { checkConstraints } from './constraints.ts';
import { stripInjections } from './injection.ts';
import { PROMPT_VERSION, type Judge, type JudgeVerdict } from './judge.ts';
import type { CorpusStats } from './similarity.ts';
import type { CodeResult, Feedback, Flag, Grade, KeyPointResult, MisconceptionResult } from './types.ts';

export interface GradeInput {
  question: { id: string; title: string; prompt: string; kind: Kind };
  rubric: Rubric;
  answer: string;
  /** zh | en for prose; python | javascript for code. */
  language?: string;
  hintsUsed?: number;
}

export interface GradeDeps {
  sandbox?: Sandbox;
  /** Absent: grade deterministically, and say so. */
  judge?: Judge;
  stats?: CorpusStats;
  /** Maps a 0..10 deterministic score through human-graded examples of this question. */
  calibrate?: (questionId: string, answer: string, score: number) => number | undefined;
  /** Why there is no judge, for the grade ("OPENAI_API_KEY is not set"). */
  judgeMissingReason?: string;
}

export type Stage = { stage: 'checks'; grade: Grade } | { stage: 'judge'; grade: Grade };

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The code in an answer: the first fenced block if there is one, else the whole answer. */
export function extractCode(answer: string): string {
  const fenced = /```[\w+-]*[^\S\n]*\n([\s\S]*?)```/.exec(answer);
  return (fenced ? fenced[1]! : answer).replace(/\s+$/, '');
}

export function isCodeQuestion(kind: Kind, rubric: Rubric): boolean {
  return (rubric.kind ?? kind) === 'coding' && rubric.coding !== undefined;
}

async function runCode(input: GradeInput, deps: GradeDeps): Promise<{ code: CodeResult; ms: number }> {
  const coding = input.rubric.coding!;
  const language = input.language === 'javascript' || input.language === 'python' ? input.language : coding.language;
  const source = extractCode(input.answer);
  const started = performance.now();
  const forbidden = { calls: coding.constraints.forbidden_calls, imports: coding.constraints.forbidden_imports, methods: coding.constraints.forbidden_methods };
  const [constraints, run] = await Promise.all([
    checkConstraints(language, source, forbidden),
    deps.sandbox
      ? deps.sandbox.run({ language, source, entry: coding.entry, tests: coding.tests, limits: { timeMs: coding.limits.time_ms, memoryMb: coding.limits.memory_mb } })
      : Promise.resolve(undefined),
  ]);
  const tests = coding.tests.map((t, i) => {
    const r = run?.tests[i];
    const shown = t.hidden ? {} : { args: t.ops ? { ops: t.ops, args: t.args } : t.args, expected: t.expected, actual: r?.actual };
    return { index: i, name: t.name, hidden: t.hidden, verdict: r?.verdict ?? 'not_run', ...shown, error: t.hidden ? undefined : r?.error, timeMs: r?.timeMs };
  });
  const notRun = !deps.sandbox ? 'no sandbox is configured' : run?.status === 'unavailable' ? `the sandbox is unavailable: ${run.reason}` : undefined;
  const code: CodeResult = {
    language,
    ...(notRun ? { notRun } : {}),
    ...(run ? { isolation: run.isolation } : {}),
    tests,
    passed: tests.filter((t) => t.verdict === 'passed').length,
    total: tests.length,
    hiddenPassed: tests.filter((t) => t.hidden && t.verdict === 'passed').length,
    hiddenTotal: tests.filter((t) => t.hidden).length,
    violations: constraints.violations.map((v) => ({ rule: v.rule, line: v.line, message: v.message })),
  };
  return { code, ms: performance.now() - started };
}

function deterministicFeedback(prose: ProseCheck | undefined, code: CodeResult | undefined): Feedback {
  const good = prose?.keyPoints.filter((k) => k.status === 'met').map((k) => k.point) ?? [];
  const missing = prose?.keyPoints.filter((k) => k.status !== 'met').map((k) => (k.status === 'partial' ? `${k.point}（提到了，但没有讲清楚）` : k.point)) ?? [];
  const wrong = prose?.misconceptions.map((m) => `${m.claim} → ${m.correction}`) ?? [];
  if (code) {
    if (code.notRun) wrong.push(`代码没有运行：${code.notRun}`);
    else if (code.passed === code.total) good.push(`通过了全部 ${code.total} 个测试`);
    else {
      for (const t of code.tests.filter((t) => !t.hidden && t.verdict !== 'passed').slice(0, 3)) wrong.push(`测试 ${t.index + 1}：${t.verdict}${t.error ? `（${t.error.split('\n')[0]}）` : ''}`);
      if (code.hiddenTotal) missing.push(`隐藏测试通过 ${code.hiddenPassed}/${code.hiddenTotal}`);
    }
    for (const v of code.violations) wrong.push(v.message);
  }
  const summary = code
    ? `测试通过 ${code.passed}/${code.total}${code.violations.length ? `，违反了 ${code.violations.length} 处约束` : ''}。`
    : `覆盖了 ${prose!.keyPoints.filter((k) => k.credit > 0).length}/${prose!.keyPoints.length} 个要点。`;
  return { summary, good, missing, wrong };
}

/** Judge credit only where it quoted the answer: a claim without a real quote earns nothing. */
function judgedKeyPoints(rubric: Rubric, checks: KeyPointResult[], verdict: JudgeVerdict): KeyPointResult[] {
  return rubric.key_points.map((k) => {
    const mine = checks.find((c) => c.id === k.id);
    const theirs = verdict.keyPoints.find((v) => v.id === k.id);
    if (theirs?.credited && theirs.verified && (!mine || mine.credit < 1)) {
      return { id: k.id, point: k.point, weight: k.weight, status: 'met', credit: 1, evidence: theirs.quote, by: 'judge' };
    }
    return mine ?? { id: k.id, point: k.point, weight: k.weight, status: 'missed', credit: 0, by: 'checks' };
  });
}

export async function gradeAnswer(input: GradeInput, deps: GradeDeps, onStage?: (s: Stage) => void): Promise<Grade> {
  const started = performance.now();
  const { rubric } = input;
  const hash = rubricHash(rubric);
  const codeQuestion = isCodeQuestion(input.question.kind, rubric);
  const prompt = rubric.prompt ?? input.question.prompt;

  // Text addressed to the grader is cut before anything grades the answer; code runs as written.
  const { clean, removed } = stripInjections(input.answer);

  // Checks first.
  const checksStarted = performance.now();
  const prose = codeQuestion ? undefined : checkProse({ answer: clean, question: prompt, rubric, stats: deps.stats });
  const ran = codeQuestion ? await runCode(input, deps) : undefined;
  const code = ran?.code;
  const flags = new Set<Flag>(prose?.flags ?? []);
  if (removed.length) flags.add('injection_suspected');
  let deterministic: number;
  if (code) {
    if (code.violations.length) flags.add('constraint_violation');
    if (code.notRun) flags.add('sandbox_unavailable');
    if (code.isolation === 'unsafe-local') flags.add('unsafe_local');
    deterministic = code.notRun || code.total === 0 ? 0 : round1((10 * code.passed) / code.total);
  } else {
    deterministic = prose!.score;
    const calibrated = deps.calibrate?.(input.question.id, clean, deterministic);
    if (calibrated !== undefined) {
      deterministic = round1(calibrated);
      flags.add('calibrated');
    }
  }
  const checksMs = performance.now() - checksStarted - (ran?.ms ?? 0);

  const assemble = (over: Partial<Grade> & { judgeScore?: number }): Grade => {
    const combined = combine({
      kind: code ? 'code' : 'prose',
      deterministic,
      judge: over.judgeScore,
      // Only curated key points are trusted to cap an answer; a draft's are guesses.
      coverage: rubric.status === 'curated' ? prose?.coverage : undefined,
      violated: !!code?.violations.length,
      testsNotRun: !!code?.notRun,
      hintsUsed: input.hintsUsed,
    });
    const f = new Set(flags);
    for (const x of over.flags ?? []) f.add(x);
    if (combined.needsReview) f.add('needs_review');
    return {
      score: combined.score,
      max: combined.max,
      grader: over.grader ?? 'deterministic',
      model: over.model,
      promptVersion: over.promptVersion,
      rubricHash: hash,
      deterministicScore: deterministic,
      judgeScore: over.judgeScore,
      keyPoints: over.keyPoints ?? prose?.keyPoints ?? [],
      misconceptions: over.misconceptions ?? prose?.misconceptions ?? [],
      checks: prose?.checks ?? [
        { name: 'tests', pass: !!code && code.passed === code.total && !code.notRun, score: code && code.total ? code.passed / code.total : 0, reason: code?.notRun ?? `${code?.passed}/${code?.total} tests passed` },
        ...(code?.violations.length ? [{ name: 'constraints', pass: false, score: 0, reason: code.violations.map((v) => v.message).join('; ') }] : []),
      ],
      code,
      feedback: over.feedback ?? deterministicFeedback(prose, code),
      followUp: over.followUp ?? rubric.follow_ups[0],
      confidence: over.confidence,
      flags: [...f],
      judgeError: over.judgeError,
      timings: { checksMs: Math.round(checksMs), testsMs: ran ? Math.round(ran.ms) : undefined, judgeMs: over.timings?.judgeMs, totalMs: Math.round(performance.now() - started) },
    };
  };

  const checked = assemble({ flags: deps.judge ? [] : ['llm_unavailable'], judgeError: deps.judge ? undefined : deps.judgeMissingReason });
  onStage?.({ stage: 'checks', grade: checked });
  if (!deps.judge) return checked;

  // Then the judge, bounded by what the checks found.
  const outcome = await deps.judge.judge({
    question: { title: input.question.title, prompt, kind: rubric.kind ?? input.question.kind },
    rubric,
    answer: clean,
    language: input.language,
    deterministic: { score: deterministic, keyPoints: checked.keyPoints, checks: checked.checks, code },
  });
  if (!outcome.ok) {
    const fellBack = assemble({ flags: ['llm_failed'], judgeError: outcome.error, timings: { checksMs, judgeMs: Math.round(outcome.ms), totalMs: 0 } });
    onStage?.({ stage: 'judge', grade: fellBack });
    return fellBack;
  }
  const v = outcome.verdict;
  const keyPoints = code ? checked.keyPoints : judgedKeyPoints(rubric, checked.keyPoints, v);
  const misconceptions: MisconceptionResult[] = [...checked.misconceptions];
  for (const m of v.misconceptions.filter((m) => m.present && m.verified)) {
    const def = rubric.misconceptions.find((x) => x.id === m.id);
    if (def && !misconceptions.some((x) => x.id === m.id)) misconceptions.push({ id: m.id, claim: def.claim, correction: def.correction, evidence: m.quote, by: 'judge' });
  }
  const base = deterministicFeedback(prose, code);
  const judged = assemble({
    grader: 'llm+deterministic',
    model: outcome.model,
    promptVersion: PROMPT_VERSION,
    judgeScore: v.score,
    keyPoints,
    misconceptions,
    feedback: {
      summary: base.summary,
      good: v.feedback.good.length ? v.feedback.good : base.good,
      missing: v.feedback.missing.length ? v.feedback.missing : base.missing,
      // What the tests and constraints found stays, whatever the judge says.
      wrong: [...v.feedback.wrong, ...base.wrong.filter((w) => code && !v.feedback.wrong.includes(w))],
    },
    followUp: v.followUp || rubric.follow_ups[0],
    confidence: v.confidence,
    timings: { checksMs, judgeMs: Math.round(outcome.ms), totalMs: 0 },
  });
  onStage?.({ stage: 'judge', grade: judged });
  return judged;
}
