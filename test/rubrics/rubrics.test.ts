import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BankStore } from '../../src/bank/store.ts';
import { checkRubrics } from '../../src/rubrics/check.ts';
import { draftKeyPoints, draftRubric } from '../../src/rubrics/draft.ts';
import { formatProblem, parseRubric } from '../../src/rubrics/load.ts';
import { RubricSchema } from '../../src/rubrics/schema.ts';
import { createSandbox } from '../../src/sandbox/run.ts';
import { bank } from '../helpers/app.ts';

const lock = JSON.parse(readFileSync(new URL('../fixtures/rubrics/q_22712696.json', import.meta.url), 'utf8'));
const problems = (value: unknown, file = 'rubrics/q_22712696.json') => parseRubric(file, JSON.stringify(value)).problems.map(formatProblem);

describe('the rubric schema reports file: field: message', () => {
  it('accepts the fixture', () => {
    expect(problems(lock)).toEqual([]);
  });

  it.each([
    ['an unknown field', { ...lock, notes: 'x' }, 'rubrics/q_22712696.json: (file): unknown field "notes"'],
    ['a wrong type', { ...lock, hints: 'read the docs' }, 'rubrics/q_22712696.json: hints: Invalid input: expected array, received string'],
    ['a zero weight', { ...lock, key_points: [{ ...lock.key_points[0], weight: 0 }] }, 'rubrics/q_22712696.json: key_points[0].weight: weight must be positive'],
    ['a key point without phrasings', { ...lock, key_points: [{ ...lock.key_points[0], phrasings: { zh: [], en: [] } }] }, 'rubrics/q_22712696.json: key_points[0].phrasings: a key point needs at least one phrasing'],
    ['duplicate key point ids', { ...lock, key_points: [lock.key_points[0], lock.key_points[0]] }, 'rubrics/q_22712696.json: key_points[1].id: duplicate key point id "atomic-set"'],
    ['a bad correction source', { ...lock, corrections: [{ source: 'somewhere', says: 'a', correct: 'b' }] }, 'rubrics/q_22712696.json: corrections[0].source: doc:line'],
    ['a mismatched file name', lock, 'rubrics/q_99999999.json: question_id: is "q_22712696" but the file is named for "q_99999999"'],
  ])('%s', (_what, value, message) => {
    const file = message.split(':')[0]!;
    expect(problems(value, file)).toContain(message);
  });

  it('names a test without an expected value, and ops that do not line up', () => {
    const coding = { language: 'python', entry: 'LRUCache', signature: 'class LRUCache', reference_solution: 'x', tests: [{ args: [1] }, { ops: ['LRUCache', 'get'], args: [[2]], expected: [null, 1] }] };
    expect(problems({ ...lock, kind: 'coding', coding })).toEqual([
      'rubrics/q_22712696.json: coding.tests[0].expected: a test needs an expected value',
      'rubrics/q_22712696.json: coding.tests[1].args: ops has 2 entries but args has 1',
    ]);
  });

  it('points at the line of broken JSON', () => {
    const out = parseRubric('r.json', '{\n  "question_id": "q_22712696",\n  "status": "draft",\n}').problems.map(formatProblem);
    expect(out[0]).toMatch(/^r\.json: \(file\): not valid JSON \(line 4\)/);
  });
});

describe('drafting', () => {
  it('turns bullets and bold terms into key points', () => {
    const kps = draftKeyPoints('可以从以下方面评估：\n\n- **代码质量**：代码风格、单元测试覆盖率。\n- **社区活跃度**：贡献者数量。\n\n另外要注意 `许可证` 的选择。', '如何评估开源项目的质量？');
    expect(kps.map((k) => k.phrasings.zh)).toEqual([['代码质量'], ['社区活跃度'], ['许可证']]);
  });

  it('gives every bank question a valid draft', () => {
    for (const q of bank.questions) expect(RubricSchema.safeParse(draftRubric(q)).success, q.id).toBe(true);
  });
});

describe('rubrics:check', () => {
  const sandbox = createSandbox({ uidBase: 61540 });
  const one = new BankStore({ questions: [bank.get('q_1803e414')!, bank.get('q_22712696')!] });
  const coding = {
    question_id: 'q_1803e414',
    status: 'curated',
    model_answer: '逐位累加。',
    key_points: [['digits', '逐位'], ['sign', '负号'], ['overflow', '溢出']].map(([id, zh]) => ({ id, point: zh, weight: 1, phrasings: { zh: [zh], en: [] } })),
    hints: ['从个位想起'],
    follow_ups: ['负数呢？', '溢出呢？'],
    coding: {
      language: 'python',
      entry: 'to_int',
      signature: 'def to_int(s: str) -> int',
      tests: Array.from({ length: 8 }, (_, i) => ({ args: [String(i * 7)], expected: i * 7, hidden: i > 3 })),
      reference_solution: 'def to_int(s):\n    n = 0\n    for c in s:\n        n = n * 10 + ord(c) - 48\n    return n',
    },
  };
  const dirWith = (files: Record<string, unknown>) => {
    const dir = mkdtempSync(join(tmpdir(), 'mianshi-rubrics-'));
    for (const [name, value] of Object.entries(files)) writeFileSync(join(dir, name), JSON.stringify(value));
    return dir;
  };

  it('passes rubrics that are complete and whose reference solutions pass', async () => {
    const dir = dirWith({ 'q_1803e414.json': coding, 'q_22712696.json': lock });
    const r = await checkRubrics(dir, one, sandbox);
    expect(r.errors.map(formatProblem)).toEqual([]);
    expect(r.checked).toBe(2);
  });

  it('reports a missing rubric, an orphan, a coding question without tests, and a failing reference', async () => {
    const broken = { ...coding, coding: { ...coding.coding, reference_solution: 'def to_int(s):\n    return len(s)' } };
    const dir = dirWith({ 'q_1803e414.json': broken, 'q_0badf00d.json': { ...lock, question_id: 'q_0badf00d' } });
    const r = await checkRubrics(dir, one, sandbox);
    const lines = r.errors.map(formatProblem).map((l) => l.replace(dir, 'rubrics'));
    expect(lines).toContain('rubrics/q_0badf00d.json: question_id: no question "q_0badf00d" in the bank (an orphan: delete it, or rebuild the bank)');
    expect(lines).toContain('rubrics/q_22712696.json: (file): missing: "如何在分布式系统中实现分布式锁？" has no rubric (npm run rubrics:draft writes one)');
    expect(lines).toContain('rubrics/q_1803e414.json: coding.reference_solution: fails test 1: wrong answer (expected 0, got 1)');
    const terse = { ...coding, key_points: coding.key_points.map((k, i) => (i ? k : { ...k, phrasings: { zh: ['位'], en: [] } })) };
    const short = dirWith({ 'q_1803e414.json': terse, 'q_22712696.json': lock });
    expect((await checkRubrics(short, one, sandbox)).errors.map((e) => `${e.field}: ${e.message}`)).toContain('key_points[0].phrasings.zh[0]: "位" is too short to match reliably');
    const noTests = dirWith({ 'q_1803e414.json': { ...coding, coding: undefined }, 'q_22712696.json': lock });
    expect((await checkRubrics(noTests, one, sandbox)).errors.map((e) => e.field)).toContain('coding');
  });

  it('makes a curated rubric recognise its own model answer', async () => {
    const vague = { ...lock, model_answer: lock.model_answer.replace(/也可以用 ZooKeeper.*$/, '') + '先 SETNX 再 EXPIRE 也行。' };
    const dir = dirWith({ 'q_1803e414.json': coding, 'q_22712696.json': vague });
    const lines = (await checkRubrics(dir, one, sandbox)).errors.map((e) => `${e.field}: ${e.message}`);
    expect(lines).toEqual([
      'key_points[3]: "zookeeper": the model answer never states any phrasing of it, un-negated, in an explaining sentence; add the words the model answer uses',
      'misconceptions[0]: "setnx-then-expire": the model answer seems to state it: "先 SETNX 再 EXPIRE 也行。"',
    ]);
  });

  it('holds curated rubrics to their shape, and drafts are errors only with --strict', async () => {
    const thin = { ...lock, key_points: lock.key_points.slice(0, 2), hints: [] };
    const dir = dirWith({ 'q_1803e414.json': coding, 'q_22712696.json': thin });
    const lines = (await checkRubrics(dir, one, sandbox)).errors.map((e) => `${e.field}: ${e.message}`);
    expect(lines).toEqual(['key_points: a curated rubric has 3-6 key points (this one has 2)', 'hints: a curated rubric has 1-3 hints (this one has 0)']);
    const drafts = dirWith({ 'q_1803e414.json': coding, 'q_22712696.json': draftRubric(one.get('q_22712696')!) });
    expect((await checkRubrics(drafts, one, sandbox)).warnings).toHaveLength(1);
    expect((await checkRubrics(drafts, one, sandbox, true)).errors.map((e) => e.field)).toEqual(['status']);
  });
});
