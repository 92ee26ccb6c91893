// npm run -s grade:calibrate -- --examples graded.jsonl [--folds 5]
//
// How far to trust the grader on a team's own questions: k-fold cross-validation within each
// question (an answer is never among its own examples), comparing with the human grades the
// reference-only grade and the grade calibrated on the other examples. Reports Pearson, Spearman,
// quadratic weighted kappa and MAE on a 0-10 scale, overall and per question.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BankStore } from '../bank/store.ts';
import { loadConfig } from '../config.ts';
import { loadRubrics } from '../rubrics/load.ts';
import { agreement, type Agreement } from './agreement.ts';
import { ExampleLine, inlineId, parseLine, QuestionResolver, statsFor } from './batch.ts';
import { gradeAnswer } from './grade.ts';
import { exampleScore, type CorpusStats, type GradedExample } from './similarity.ts';

export interface Scored {
  question: string;
  human: number; // 0..10
  reference: number; // 0..10, reference-only deterministic grade
  calibrated: number; // 0..10, with the other folds as examples (reference-only when too few)
}

/** A small seeded generator (an LCG): the same folds on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s / 2 ** 32);
}

/** Fold (0..k-1) of each of n items: a shuffle drawn from `random`, then dealt round-robin. */
export function folds(n: number, k: number, random: () => number = seeded(7)): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fold = new Array<number>(n);
  order.forEach((idx, pos) => (fold[idx] = pos % k));
  return fold;
}

/** Cross-validate over example lines already grouped by question. */
export async function crossValidate(
  groups: Map<string, { question: string; reference: string; examples: ExampleLine[] }>,
  resolver: QuestionResolver,
  k = 5,
  stats?: CorpusStats,
): Promise<Scored[]> {
  const out: Scored[] = [];
  for (const [key, g] of groups) {
    const fold = folds(g.examples.length, k);
    const bankQ = resolver.find({ question_id: key.startsWith('q_') ? key : undefined, question: g.question });
    const resolved = resolver.resolve({ id: key, answer: '', question_id: bankQ?.id, question: bankQ ? undefined : g.question, reference: g.reference || undefined });
    if ('error' in resolved) continue;
    const norm = (e: ExampleLine) => Math.min(1, e.score / (e.max ?? 10));
    for (let i = 0; i < g.examples.length; i++) {
      const e = g.examples[i]!;
      const grade = await gradeAnswer({ question: resolved.question, rubric: resolved.rubric, answer: e.answer }, { stats });
      const train: GradedExample[] = g.examples.filter((_, j) => fold[j] !== fold[i]).map((x) => ({ answer: x.answer, score: norm(x) }));
      const predicted = exampleScore(e.answer, train, resolved.rubric.model_answer, resolved.question.prompt, stats);
      out.push({ question: key, human: norm(e) * 10, reference: grade.deterministicScore, calibrated: predicted === undefined ? grade.deterministicScore : predicted * 10 });
    }
  }
  return out;
}

export function summarize(rows: Scored[]): { reference: Agreement; calibrated: Agreement; perQuestion: Array<{ question: string; reference: Agreement; calibrated: Agreement }> } {
  const by = new Map<string, Scored[]>();
  for (const r of rows) by.set(r.question, [...(by.get(r.question) ?? []), r]);
  const of = (rs: Scored[], f: (r: Scored) => number) => agreement(rs.map(f), rs.map((r) => r.human));
  return {
    reference: of(rows, (r) => r.reference),
    calibrated: of(rows, (r) => r.calibrated),
    perQuestion: [...by].map(([question, rs]) => ({ question, reference: of(rs, (r) => r.reference), calibrated: of(rs, (r) => r.calibrated) })),
  };
}

const fmt = (a: Agreement) => `r=${a.pearson.toFixed(3)} ρ=${a.spearman.toFixed(3)} QWK=${a.qwk.toFixed(3)} MAE=${a.mae.toFixed(2)}`;

async function main() {
  const { values } = parseArgs({ options: { examples: { type: 'string' }, folds: { type: 'string', default: '5' } } });
  if (!values.examples) {
    console.error('usage: npm run -s grade:calibrate -- --examples graded.jsonl [--folds 5]');
    process.exit(2);
  }
  const config = loadConfig();
  const bank = BankStore.load(config.BANK_PATH);
  const resolver = new QuestionResolver(bank, loadRubrics(config.RUBRICS_DIR).rubrics);
  const groups = new Map<string, { question: string; reference: string; examples: ExampleLine[] }>();
  let bad = 0;
  readFileSync(values.examples, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (!text.trim()) return;
      const { value, error } = parseLine(ExampleLine, text);
      if (error) {
        bad++;
        console.error(`${values.examples}:${i + 1}: ${error}`);
        return;
      }
      const key = resolver.find(value!)?.id ?? value!.question_id ?? inlineId(value!.question ?? value!.reference ?? '');
      const g = groups.get(key) ?? { question: value!.question ?? '', reference: value!.reference ?? '', examples: [] };
      g.examples.push(value!);
      groups.set(key, g);
    });
  const k = Math.max(2, Number(values.folds) || 5);
  const rows = await crossValidate(groups, resolver, k, statsFor(bank, [...groups.values()]));
  const s = summarize(rows);
  console.log(`${rows.length} graded answers, ${groups.size} questions, ${k}-fold cross-validation within each question`);
  console.log(`reference only : ${fmt(s.reference)}`);
  console.log(`with examples  : ${fmt(s.calibrated)}`);
  console.log('\nper question (with examples):');
  for (const q of s.perQuestion.sort((a, b) => (a.calibrated.pearson || 0) - (b.calibrated.pearson || 0))) {
    console.log(`  ${q.question.slice(0, 60).padEnd(60)} n=${String(q.calibrated.n).padStart(3)}  ${fmt(q.calibrated)}`);
  }
  if (bad) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`grade:calibrate: ${(e as Error).message}`);
    process.exit(1);
  });
}
