// npm run -s grade -- --in answers.jsonl --out results.jsonl [--examples graded.jsonl]
//
// One result line per input line, in order. A bad line gets {"line", "error"} in the output and a
// `file:line: message` on stderr; the others are graded. Exit code 1 when any line was bad.
// The input is read whole first: word statistics (IDF) come from every question and reference in it.
import { createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BankStore } from '../bank/store.ts';
import { loadConfig } from '../config.ts';
import { formatProblem, loadRubrics } from '../rubrics/load.ts';
import { AnswerLine, calibrator, ExampleLine, exampleSets, gradeLine, parseLine, QuestionResolver, statsFor } from './batch.ts';
import { gradingParts } from './deps.ts';

/** Read graded examples; bad lines are reported and skipped. */
export function readExamples(path: string): { lines: ExampleLine[]; errors: string[] } {
  const errors: string[] = [];
  const lines: ExampleLine[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (!text.trim()) return;
      const { value, error } = parseLine(ExampleLine, text);
      if (error) errors.push(`${path}:${i + 1}: ${error}`);
      else lines.push(value!);
    });
  return { lines, errors };
}

async function main() {
  const { values } = parseArgs({ options: { in: { type: 'string' }, out: { type: 'string' }, examples: { type: 'string' }, concurrency: { type: 'string', default: '4' } } });
  if (!values.in || !values.out) {
    console.error('usage: npm run -s grade -- --in answers.jsonl --out results.jsonl [--examples graded.jsonl]');
    process.exit(2);
  }
  const config = loadConfig();
  const bank = BankStore.load(config.BANK_PATH);
  const { rubrics, problems } = loadRubrics(config.RUBRICS_DIR);
  for (const p of problems) console.error(`warning: ${formatProblem(p)} (that question is graded with a draft rubric)`);
  const resolver = new QuestionResolver(bank, rubrics);
  const parts = gradingParts(config, 300);
  for (const n of parts.notices) console.error(`note: ${n}`);
  if (!parts.judge) console.error(`note: ${parts.judgeMissingReason}`);

  // Parse every line first: word statistics come from all the questions and references in play.
  const text = readFileSync(values.in, 'utf8').split('\n');
  const parsed = text.map((t, i) => ({ n: i + 1, t, ...(t.trim() ? parseLine(AnswerLine, t) : {}) })).filter((l) => l.t.trim());
  let examples: ExampleLine[] = [];
  let bad = 0;
  if (values.examples) {
    const read = readExamples(values.examples);
    read.errors.forEach((e) => console.error(e));
    bad += read.errors.length;
    examples = read.lines;
  }
  parts.stats = statsFor(bank, [...parsed.flatMap((l) => (l.value ? [l.value] : [])), ...examples]);
  // What calibration needs to know about each question, filled in as lines are resolved.
  const known = new Map<string, { reference: string; question: string }>();
  if (values.examples) parts.calibrate = calibrator(exampleSets(examples, resolver), (id) => known.get(id), parts.stats);

  const out = createWriteStream(values.out);
  const limit = Math.max(1, Number(values.concurrency) || 4);
  // Grade several lines at once, write results in input order.
  const pending: Array<Promise<string>> = [];
  let graded = 0;
  const flush = async (all: boolean) => {
    while (pending.length && (all || pending.length >= limit)) out.write((await pending.shift()!) + '\n');
  };
  for (const { n, value, error } of parsed) {
    if (error || !value) {
      bad++;
      console.error(`${values.in}:${n}: ${error}`);
      pending.push(Promise.resolve(JSON.stringify({ line: n, error })));
    } else {
      const r = resolver.resolve(value);
      if ('error' in r) {
        bad++;
        console.error(`${values.in}:${n}: ${r.error}`);
        pending.push(Promise.resolve(JSON.stringify({ line: n, id: value.id, error: r.error })));
      } else {
        known.set(r.questionId, { reference: r.rubric.model_answer, question: r.question.prompt });
        pending.push(
          gradeLine(value, r, parts).then(
            (res) => (graded++, JSON.stringify(res)),
            (e: Error) => (bad++, console.error(`${values.in}:${n}: grading failed: ${e.message}`), JSON.stringify({ line: n, id: value.id, error: `grading failed: ${e.message}` })),
          ),
        );
      }
    }
    await flush(false);
  }
  await flush(true);
  out.end();
  console.error(`graded ${graded} answer(s)${bad ? `, ${bad} bad line(s)` : ''}; results in ${values.out}`);
  if (bad) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`grade: ${(e as Error).message}`);
    process.exit(1);
  });
}
