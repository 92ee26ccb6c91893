// Batch grading: JSON lines in, JSON lines out. Each line names its question (a bank id, or text
// that matches a bank title) and may bring its own reference, key points, entry point, tests and
// forbidden calls, which take precedence over the bank's. A bad line is reported with its line
// number and the rest go on.
import { z } from 'zod';
import type { Question } from '../bank/bank.ts';
import type { Kind } from '../bank/classify.ts';
import { normalizeTitle } from '../bank/normalize.ts';
import type { BankStore } from '../bank/store.ts';
import { draftInlineRubric, draftRubric } from '../rubrics/draft.ts';
import { CodeTestSchema, describeIssues, type Rubric } from '../rubrics/schema.ts';
import { parseForbidden } from './constraints.ts';
import { gradeAnswer, type GradeDeps } from './grade.ts';
import { corpusStats, exampleScore, type CorpusStats, type GradedExample } from './similarity.ts';
import type { Grade } from './types.ts';

export const AnswerLine = z
  .object({
    id: z.union([z.string().min(1), z.number()]).transform(String),
    answer: z.string(),
    language: z.enum(['zh', 'en', 'python', 'javascript']).optional(),
    question_id: z.string().optional(),
    // A title, not an essay (the title patterns are not meant for megabytes of text).
    question: z.string().max(2000, 'a question title has at most 2,000 characters').optional(),
    reference: z.string().optional(),
    key_points: z.array(z.object({ point: z.string().min(1), weight: z.number().positive().optional() })).optional(),
    entry_point: z.string().optional(),
    tests: z.array(CodeTestSchema).optional(),
    forbidden: z.array(z.string()).optional(),
  })
  .refine((l) => l.question_id || l.question || l.reference, { message: 'needs question_id, question or reference', path: ['question'] });
export type AnswerLine = z.infer<typeof AnswerLine>;

export const ExampleLine = z.object({
  question_id: z.string().optional(),
  question: z.string().optional(),
  reference: z.string().optional(),
  answer: z.string(),
  score: z.number().min(0),
  max: z.number().positive().optional(),
});
export type ExampleLine = z.infer<typeof ExampleLine>;

export interface Resolved {
  /** The bank's id, or a key made from the question text when the bank has no such question. */
  questionId: string;
  question: { id: string; title: string; prompt: string; kind: Kind };
  rubric: Rubric;
}

/** Parse one JSON line; problems come back as "field: message". */
export function parseLine<T extends z.ZodTypeAny>(schema: T, text: string): { value?: z.infer<T>; error?: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { error: `not valid JSON: ${(e as Error).message}` };
  }
  const r = schema.safeParse(raw);
  if (!r.success) return { error: describeIssues(r.error).map((i) => `${i.field}: ${i.message}`).join('; ') };
  return { value: r.data };
}

export class QuestionResolver {
  private byTitle = new Map<string, Question>();

  constructor(
    private bank: BankStore,
    private rubrics: Map<string, Rubric>,
  ) {
    for (const q of bank.questions) for (const t of [q.title, ...q.alt_titles]) this.byTitle.set(normalizeTitle(t), q);
  }

  find(line: { question_id?: string; question?: string }): Question | undefined {
    if (line.question_id) return this.bank.get(line.question_id);
    return line.question ? this.byTitle.get(normalizeTitle(line.question)) : undefined;
  }

  resolve(line: AnswerLine): Resolved | { error: string } {
    const q = this.find(line);
    if (line.question_id && !q) return { error: `question_id: no question "${line.question_id}" in the bank` };
    let rubric: Rubric;
    let question: Resolved['question'];
    if (q) {
      rubric = structuredClone(this.rubrics.get(q.id) ?? draftRubric(q));
      question = { id: q.id, title: q.title, prompt: rubric.prompt ?? q.prompt, kind: rubric.kind ?? q.kind };
      if (line.reference) rubric.model_answer = line.reference;
      if (line.key_points?.length) rubric.key_points = draftInlineRubric({ id: q.id, question: q.title, keyPoints: line.key_points }).key_points;
    } else {
      const text = line.question ?? '';
      rubric = draftInlineRubric({ id: line.id, question: text, reference: line.reference, keyPoints: line.key_points });
      question = { id: inlineId(text || line.reference || ''), title: text, prompt: text, kind: line.tests?.length ? 'coding' : 'concept' };
    }
    // Inline code fields take precedence: they make (or remake) the coding task.
    if (line.tests?.length || line.entry_point || line.forbidden) {
      const base = rubric.coding;
      const entry = line.entry_point ?? base?.entry;
      const tests = line.tests ?? base?.tests;
      if (!entry || !tests?.length) return { error: 'entry_point and tests are both needed to grade code' };
      const f = line.forbidden ? parseForbidden(line.forbidden) : undefined;
      rubric.coding = {
        language: line.language === 'javascript' ? 'javascript' : line.language === 'python' ? 'python' : (base?.language ?? 'python'),
        entry,
        signature: base?.signature ?? entry,
        tests,
        constraints: f ? { forbidden_calls: f.calls, forbidden_imports: f.imports, forbidden_methods: f.methods } : (base?.constraints ?? { forbidden_calls: [], forbidden_imports: [], forbidden_methods: [] }),
        limits: base?.limits ?? { time_ms: 2000, memory_mb: 256 },
        reference_solution: base?.reference_solution ?? '# (inline task: no reference solution)',
      };
      question.kind = 'coding';
      rubric.kind = 'coding';
    }
    return { questionId: question.id, question, rubric };
  }
}

/**
 * Word statistics (for IDF) over everything the grader compares against: the bank's questions and
 * reference answers, and any questions and references that arrive inline. No answers and no
 * scores: they are what is being graded.
 */
export function statsFor(bank: BankStore, inline: Array<{ question?: string; reference?: string }> = []): CorpusStats {
  const texts = bank.questions.map((q) => `${q.title}\n${q.reference.text}`);
  const seen = new Set<string>();
  for (const l of inline) {
    const t = `${l.question ?? ''}\n${l.reference ?? ''}`;
    if (t.trim() && !seen.has(t)) texts.push(t), seen.add(t);
  }
  return corpusStats(texts);
}

/** A stable key for a question known only by its text. */
export function inlineId(text: string): string {
  // The first 500 characters name a question well enough, and bound the work on any input.
  return `text:${normalizeTitle(text.slice(0, 500))}`;
}

/** Human-graded examples by question, scores as 0..1. */
export type ExampleSets = Map<string, GradedExample[]>;

export function exampleSets(lines: ExampleLine[], resolver: QuestionResolver): ExampleSets {
  const sets: ExampleSets = new Map();
  for (const l of lines) {
    const q = resolver.find(l);
    const key = q?.id ?? l.question_id ?? inlineId(l.question ?? l.reference ?? '');
    const list = sets.get(key) ?? [];
    list.push({ answer: l.answer, score: Math.min(1, l.score / (l.max ?? 10)) });
    sets.set(key, list);
  }
  return sets;
}

/** A calibrate function for gradeAnswer: predict from the question's graded examples when it has enough. */
export function calibrator(sets: ExampleSets, lookup: (questionId: string) => { reference: string; question: string } | undefined, stats?: CorpusStats): GradeDeps['calibrate'] {
  return (questionId, answer) => {
    const examples = sets.get(questionId);
    const q = lookup(questionId);
    if (!examples || !q) return undefined;
    const p = exampleScore(answer, examples, q.reference, q.question, stats);
    return p === undefined ? undefined : p * 10;
  };
}

export interface OutputLine {
  id: string;
  question_id: string;
  score: number;
  max: number;
  grader: Grade['grader'];
  key_points: Array<{ id: string; point: string; weight: number; status: string; evidence?: string; by: string }>;
  checks: Grade['checks'];
  tests?: { passed: number; total: number; hidden_passed: number; hidden_total: number; not_run?: string };
  feedback: Grade['feedback'];
  follow_up?: string;
  flags: string[];
  model?: string;
  prompt_version?: string;
  rubric_hash: string;
}

export function toOutput(id: string, questionId: string, g: Grade): OutputLine {
  return {
    id,
    question_id: questionId,
    score: g.score,
    max: g.max,
    grader: g.grader,
    key_points: g.keyPoints.map((k) => ({ id: k.id, point: k.point, weight: k.weight, status: k.status, ...(k.evidence ? { evidence: k.evidence } : {}), by: k.by })),
    checks: g.checks,
    ...(g.code ? { tests: { passed: g.code.passed, total: g.code.total, hidden_passed: g.code.hiddenPassed, hidden_total: g.code.hiddenTotal, ...(g.code.notRun ? { not_run: g.code.notRun } : {}) } } : {}),
    feedback: g.feedback,
    ...(g.followUp ? { follow_up: g.followUp } : {}),
    flags: g.flags,
    ...(g.model ? { model: g.model, prompt_version: g.promptVersion } : {}),
    rubric_hash: g.rubricHash,
  };
}

/** Grade one parsed line against its resolved question and rubric. */
export async function gradeLine(line: AnswerLine, r: Resolved, deps: GradeDeps): Promise<OutputLine> {
  const g = await gradeAnswer({ question: r.question, rubric: r.rubric, answer: line.answer, language: line.language }, deps);
  return toOutput(line.id, r.questionId, g);
}
