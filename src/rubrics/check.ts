// npm run rubrics:check [-- --strict] [-- --only q_1,q_2]
//
// Every rubric file against the schema and the bank: every question has one, no orphans, coding
// questions have tests, each reference solution passes its own tests in the sandbox, curated
// rubrics have the shape a good rubric has and recognise their own model answer. Reports `file: field: message`; exit 1 on any error.
// Drafts are warnings unless --strict (then a draft is an error: nothing uncurated ships).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BankStore } from '../bank/store.ts';
import { loadConfig } from '../config.ts';
import { checkProse } from '../grading/checks.ts';
import { createSandbox, type Sandbox } from '../sandbox/run.ts';
import { formatProblem, loadRubrics, type RubricProblem } from './load.ts';
import type { Rubric } from './schema.ts';

export interface CheckReport {
  errors: RubricProblem[];
  warnings: RubricProblem[];
  checked: number;
}

const show = (v: unknown) => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

/** Run a rubric's reference solution against its own tests. */
export async function verifyReference(file: string, rubric: Rubric, sandbox: Sandbox): Promise<RubricProblem[]> {
  const c = rubric.coding!;
  const run = await sandbox.run({ language: c.language, source: c.reference_solution, entry: c.entry, tests: c.tests, limits: { timeMs: c.limits.time_ms * 2, memoryMb: c.limits.memory_mb } });
  const field = 'coding.reference_solution';
  if (run.status === 'unavailable') return [{ file, field, message: `cannot verify: ${run.reason}` }];
  return run.tests
    .filter((t) => t.verdict !== 'passed')
    .map((t) => {
      const test = c.tests[t.index]!;
      const name = test.name ? ` "${test.name}"` : '';
      const detail = t.verdict === 'wrong_answer' ? `expected ${show(test.expected)}, got ${show(t.actual)}` : (t.error ?? t.verdict).split('\n')[0];
      return { file, field, message: `fails test ${t.index + 1}${name}: ${t.verdict.replace('_', ' ')} (${detail})` };
    });
}

/** Rules a curated rubric keeps (see issue: 3-6 key points, 1-3 hints, 2-3 follow-ups, >= 8 tests). */
function curatedShape(file: string, r: Rubric): RubricProblem[] {
  const p: RubricProblem[] = [];
  const n = (field: string, count: number, lo: number, hi: number, what: string) => {
    if (count < lo || count > hi) p.push({ file, field, message: `a curated rubric has ${lo}-${hi === Infinity ? 'any' : hi} ${what} (this one has ${count})` });
  };
  n('key_points', r.key_points.length, 3, 6, 'key points');
  n('hints', r.hints.length, 1, 3, 'hints');
  n('follow_ups', r.follow_ups.length, 2, 3, 'follow-ups');
  if (r.coding) {
    n('coding.tests', r.coding.tests.length, 8, Infinity, 'tests');
    if (!r.coding.tests.some((t) => !t.hidden)) p.push({ file, field: 'coding.tests', message: 'needs at least one visible test (an example for the candidate)' });
    if (!r.coding.tests.some((t) => t.hidden)) p.push({ file, field: 'coding.tests', message: 'needs at least one hidden test' });
  }
  for (const [i, k] of r.key_points.entries()) if (k.phrasings.zh.length === 0) p.push({ file, field: `key_points[${i}].phrasings.zh`, message: 'a curated key point needs a Chinese phrasing' });
  // A phrasing of one character (or only white space) matches almost anything.
  const tiny = (list: string[], field: string) =>
    list.forEach((ph, j) => {
      if (ph.normalize('NFKC').replace(/\s+/g, '').length < 2) p.push({ file, field: `${field}[${j}]`, message: `"${ph}" is too short to match reliably` });
    });
  r.key_points.forEach((k, i) => (tiny(k.phrasings.zh, `key_points[${i}].phrasings.zh`), tiny(k.phrasings.en, `key_points[${i}].phrasings.en`)));
  r.misconceptions.forEach((m, i) => (tiny(m.phrasings.zh, `misconceptions[${i}].phrasings.zh`), tiny(m.phrasings.en, `misconceptions[${i}].phrasings.en`)));
  return p;
}

/**
 * A curated rubric must recognise its own model answer: every key point made, no misconception
 * stated. When it does not, a candidate who answers just as well loses points, and the phrasings
 * are what to fix.
 */
function recognisesModelAnswer(file: string, r: Rubric, question: string): RubricProblem[] {
  const c = checkProse({ answer: r.model_answer, question, rubric: r });
  const p: RubricProblem[] = [];
  c.keyPoints.forEach((k, i) => {
    if (k.status === 'met') return;
    const why = k.status === 'partial' ? 'names it but no support word stands near' : 'never states any phrasing of it, un-negated, in an explaining sentence';
    p.push({ file, field: `key_points[${i}]`, message: `"${k.id}": the model answer ${why}; add the words the model answer uses` });
  });
  for (const m of c.misconceptions) {
    const i = r.misconceptions.findIndex((x) => x.id === m.id);
    p.push({ file, field: `misconceptions[${i}]`, message: `"${m.id}": the model answer seems to state it: "${m.evidence}"` });
  }
  return p;
}

/** `only`: check just these question ids (while curating a few); otherwise every question. */
export async function checkRubrics(dir: string, bank: BankStore, sandbox: Sandbox, strict = false, only?: string[]): Promise<CheckReport> {
  const loaded = loadRubrics(dir);
  const fileOf = (id: string) => join(dir, `${id}.json`);
  const wanted = (id: string) => !only || only.includes(id);
  const rubrics = new Map([...loaded.rubrics].filter(([id]) => wanted(id)));
  const problems = loaded.problems.filter((p) => !only || only.some((id) => p.file === fileOf(id)));
  const errors = [...problems];
  const warnings: RubricProblem[] = [];
  for (const q of bank.questions.filter((q) => wanted(q.id))) {
    if (!rubrics.has(q.id) && !problems.some((p) => p.file === fileOf(q.id))) {
      errors.push({ file: fileOf(q.id), field: '(file)', message: `missing: "${q.title}" has no rubric (npm run rubrics:draft writes one)` });
    }
  }
  const verifications: Array<Promise<RubricProblem[]>> = [];
  for (const [id, r] of rubrics) {
    const file = fileOf(id);
    const q = bank.get(id);
    if (!q) {
      errors.push({ file, field: 'question_id', message: `no question "${id}" in the bank (an orphan: delete it, or rebuild the bank)` });
      continue;
    }
    const kind = r.kind ?? q.kind;
    if (kind === 'coding' && !r.coding) errors.push({ file, field: 'coding', message: 'a coding question needs a coding section with tests (or "kind": "design"/"concept" to grade it as prose)' });
    if (r.coding && kind !== 'coding') errors.push({ file, field: 'kind', message: `has a coding section but is graded as ${kind}; set "kind": "coding"` });
    if (r.status === 'draft') (strict ? errors : warnings).push({ file, field: 'status', message: 'still a draft: review the document answer, then mark it "curated"' });
    else errors.push(...curatedShape(file, r), ...(kind === 'coding' ? [] : recognisesModelAnswer(file, r, r.prompt ?? q.prompt)));
    if (r.coding) verifications.push(verifyReference(file, r, sandbox));
  }
  for (const p of await Promise.all(verifications)) errors.push(...p);
  const order = (a: RubricProblem, b: RubricProblem) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  return { errors: errors.sort(order), warnings: warnings.sort(order), checked: rubrics.size };
}

async function main() {
  const { values } = parseArgs({ options: { strict: { type: 'boolean', default: false }, dir: { type: 'string' }, only: { type: 'string' } } });
  const config = loadConfig();
  const dir = values.dir ?? config.RUBRICS_DIR;
  const bank = BankStore.load(config.BANK_PATH);
  // Its own uids, so a check can run beside a running service.
  const sandbox = createSandbox({ uidBase: config.SANDBOX_UID_BASE + 400, unsafeLocal: config.SANDBOX_UNSAFE_LOCAL });
  const only = values.only?.split(',').map((x) => x.trim()).filter(Boolean);
  const report = await checkRubrics(dir, bank, sandbox, values.strict, only);
  for (const w of report.warnings) console.log(`warning: ${formatProblem(w)}`);
  for (const e of report.errors) console.log(formatProblem(e));
  console.log(`${report.checked} rubric(s) checked for ${only ? only.length : bank.questions.length} question(s): ${report.errors.length} error(s), ${report.warnings.length} warning(s)`);
  if (report.errors.length) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e) => {
    console.error(`rubrics:check: ${(e as Error).message}`);
    process.exit(1);
  });
}
