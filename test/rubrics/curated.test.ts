// The shipped rubrics, checked the way CI checks them: every bank question has a curated rubric
// that passes rubrics:check --strict (shape, phrasings, its own model answer recognised, reference
// solution passing its tests), and every coding rubric's tests catch a plausible wrong solution.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BankStore } from '../../src/bank/store.ts';
import { gradeAnswer } from '../../src/grading/grade.ts';
import { checkRubrics } from '../../src/rubrics/check.ts';
import { formatProblem, loadRubrics } from '../../src/rubrics/load.ts';
import { createSandbox } from '../../src/sandbox/run.ts';
import { BANK_PATH } from '../helpers/sources.ts';

const RUBRICS = fileURLToPath(new URL('../../rubrics/', import.meta.url));
const WRONG = fileURLToPath(new URL('../fixtures/wrong-solutions/', import.meta.url));
const bank = BankStore.load(BANK_PATH);
const sandbox = createSandbox({ uidBase: 61580 });
const coding = [...loadRubrics(RUBRICS).rubrics.values()].filter((r) => r.coding);

describe('the curated rubrics', () => {
  it('cover every bank question and pass rubrics:check --strict', async () => {
    const report = await checkRubrics(RUBRICS, bank, sandbox, true);
    expect(report.errors.map(formatProblem)).toEqual([]);
    expect(report.checked).toBe(bank.questions.length);
  }, 120_000);

  it('include coding questions', () => expect(coding.length).toBeGreaterThanOrEqual(10));

  it.each(coding.map((r) => [r.question_id, r] as const))('%s: the tests catch a plausible wrong solution', async (id, rubric) => {
    const file = `${WRONG}${id}.${rubric.coding!.language === 'python' ? 'py' : 'js'}`;
    expect(existsSync(file), `write a plausible wrong solution to ${file}`).toBe(true);
    const q = bank.get(id)!;
    const answer = '```\n' + readFileSync(file, 'utf8') + '\n```';
    const g = await gradeAnswer({ question: { id, title: q.title, prompt: q.prompt, kind: 'coding' }, rubric, answer }, { sandbox });
    expect(g.code!.tests.some((t) => t.verdict !== 'passed')).toBe(true);
    expect(g.score).toBeLessThan(10);
  }, 30_000);
});
