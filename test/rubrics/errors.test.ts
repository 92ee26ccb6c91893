// Broken rubric files, written to a folder and loaded the way the service loads rubrics/ (and the
// way rubrics:check checks it): every mistake is one line `path/to/file.json: field: message`,
// and the service still starts, logs that line, and grades the question with a draft rubric.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRubrics } from '../../src/rubrics/check.ts';
import { draftRubric } from '../../src/rubrics/draft.ts';
import { formatProblem, loadRubrics } from '../../src/rubrics/load.ts';
import { RubricSchema, rubricHash } from '../../src/rubrics/schema.ts';
import { createSandbox } from '../../src/sandbox/run.ts';
import { bank } from '../helpers/app.ts';
import { startServer, type Server } from '../helpers/server.ts';
import { ROOT } from '../helpers/sources.ts';

/** A committed, curated rubric: the starting point every broken file is made from. */
const committed = (id: string) => readFileSync(join(ROOT, 'rubrics', `${id}.json`), 'utf8');
const edit = (id: string, change: (r: Record<string, any>) => void) => {
  const r = JSON.parse(committed(id));
  change(r);
  return JSON.stringify(r, null, 2);
};

/** 1-based line and column of the first `needle` in `text`. */
function lineColumnOf(text: string, needle: string): { line: number; column: number } {
  const before = text.slice(0, text.indexOf(needle));
  return { line: before.split('\n').length, column: before.length - before.lastIndexOf('\n') };
}

// Prose questions with curated rubrics, one per broken file; the last stays good, so the test
// can tell a draft from the curated rubric.
const prose = bank.questions.filter((q) => q.kind !== 'coding').map((q) => q.id).slice(0, 8);
const [badJson, wrongType, typo, missing, duplicate, misnamed, misnamedContent, good] = prose as [string, string, string, string, string, string, string, string];

interface Broken {
  what: string;
  /** File name -> contents. */
  files: Record<string, string>;
  /** The one line expected, with the folder as `DIR`. */
  line: string;
  /** Questions that must fall back to a draft. */
  drafts: string[];
}

const unquoted = committed(badJson).replace(/"weight": [\d.]+/, '"weight": high');
const at = lineColumnOf(unquoted, 'high');
const firstKeyPoint = (id: string) => JSON.parse(committed(id)).key_points[0].id as string;

const BROKEN: Broken[] = [
  {
    what: 'invalid JSON (an unquoted value)',
    files: { [`${badJson}.json`]: unquoted },
    line: `DIR/${badJson}.json: key_points[0].weight: not valid JSON (line ${at.line}), column ${at.column}: expected a value but found high; text needs double quotes ("high")`,
    drafts: [badJson],
  },
  {
    what: 'a wrong type (weight: "high")',
    files: { [`${wrongType}.json`]: edit(wrongType, (r) => (r.key_points[0].weight = 'high')) },
    line: `DIR/${wrongType}.json: key_points[0].weight: Invalid input: expected number, received string`,
    drafts: [wrongType],
  },
  {
    what: 'an unknown field (key_point for key_points)',
    files: {
      [`${typo}.json`]: edit(typo, (r) => {
        r.key_point = r.key_points;
        delete r.key_points;
      }),
    },
    line: `DIR/${typo}.json: (file): unknown field "key_point" (did you mean "key_points"?)`,
    drafts: [typo],
  },
  {
    what: 'a missing required field',
    files: { [`${missing}.json`]: edit(missing, (r) => delete r.model_answer) },
    line: `DIR/${missing}.json: model_answer: required, but missing (a string)`,
    drafts: [missing],
  },
  {
    what: 'a key point id used twice',
    files: { [`${duplicate}.json`]: edit(duplicate, (r) => (r.key_points[1].id = r.key_points[0].id)) },
    line: `DIR/${duplicate}.json: key_points[1].id: duplicate key point id "${firstKeyPoint(duplicate)}"`,
    drafts: [duplicate],
  },
  {
    what: 'a file name that does not match its question_id',
    // Copied from another question's file and never given its own id.
    files: { [`${misnamed}.json`]: committed(misnamedContent) },
    line: `DIR/${misnamed}.json: question_id: is "${misnamedContent}" but the file is named for "${misnamed}"`,
    drafts: [misnamed, misnamedContent],
  },
];

function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mianshi-rubrics-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('a broken rubric file gives one line: file: field: message', () => {
  it.each(BROKEN.map((b) => [b.what, b] as const))('%s', (_what, b) => {
    const dir = folderWith(b.files);
    const { rubrics, problems } = loadRubrics(dir);
    expect(problems.map(formatProblem)).toEqual([b.line.replace('DIR', dir)]);
    expect(rubrics.size).toBe(0);
  });

  it.each([
    ['a trailing comma', '{\n  "question_id": "q_22712696",\n  "status": "draft",\n}', `(file): not valid JSON (line 4), column 1: trailing comma: the ',' at line 3, column 20 is followed by '}'; remove it`],
    ['a missing comma', '{\n  "status": "draft"\n  "question_id": "q_22712696"\n}', `(file): not valid JSON (line 3), column 3: expected ',' or '}' after the value of "status" but found '"'`],
    ['a comment', '{\n  // curated by hand\n  "status": "draft"\n}', '(file): not valid JSON (line 2), column 3: JSON has no comments; remove it'],
    ['a line break inside a string', '{\n  "model_answer": "分布式锁\n"\n}', 'model_answer: not valid JSON (line 2), column 24: a string cannot run over a line break; write \\n inside it'],
    ['Python\'s True', '{\n  "hints": [True]\n}', 'hints[0]: not valid JSON (line 2), column 13: JSON writes true in lower case, not True'],
    ['a cut-off file', '{\n  "key_points": [\n    {"id": "a"', `key_points[0]: not valid JSON (line 3), column 15: the file ends inside an object (a '}' is missing)`],
    ['an empty file', '', '(file): not valid JSON (line 1), column 1: the file is empty'],
  ])('invalid JSON, %s: the line, the column and the field', (_what, text, line) => {
    const dir = folderWith({ 'q_22712696.json': text });
    expect(loadRubrics(dir).problems.map(formatProblem)).toEqual([`${dir}/q_22712696.json: ${line}`]);
  });

  it('names a nested typo and its container, and reads a file that starts with a byte order mark', () => {
    const dir = folderWith({
      [`${typo}.json`]: edit(typo, (r) => {
        r.key_points[0].wieght = r.key_points[0].weight;
        delete r.key_points[0].weight;
        r.followUps = r.follow_ups;
        delete r.follow_ups;
      }),
      [`${good}.json`]: '\uFEFF' + committed(good),
    });
    const { rubrics, problems } = loadRubrics(dir);
    expect(problems.map(formatProblem)).toEqual([
      `${dir}/${typo}.json: key_points[0]: unknown field "wieght" (did you mean "weight"?)`,
      `${dir}/${typo}.json: (file): unknown field "followUps" (did you mean "follow_ups"?)`,
    ]);
    expect([...rubrics.keys()]).toEqual([good]);
  });
});

describe('rubrics:check: broken tests and orphans give one line each', () => {
  const sandbox = createSandbox({ uidBase: 61640 });
  const toInt = 'q_1803e414';
  const tests = () => RubricSchema.parse(JSON.parse(committed(toInt))).coding!.tests;
  const check = async (files: Record<string, string>, only: string[]) => {
    const dir = folderWith(files);
    return (await checkRubrics(dir, bank, sandbox, true, only)).errors.map((e) => formatProblem(e).replace(dir, 'DIR'));
  };

  it('passes the committed rubric as it is (so what follows is the edit, not the file)', async () => {
    expect(await check({ [`${toInt}.json`]: committed(toInt) }, [toInt])).toEqual([]);
  });

  it('a test whose expected value the reference solution does not return', async () => {
    const right = tests()[1]!.expected;
    const file = edit(toInt, (r) => (r.coding.tests[1].expected = 424242));
    const name = tests()[1]!.name ? ` "${tests()[1]!.name}"` : '';
    expect(await check({ [`${toInt}.json`]: file }, [toInt])).toEqual([
      `DIR/${toInt}.json: coding.reference_solution: fails test 2${name}: wrong answer (expected 424242, got ${JSON.stringify(right)})`,
    ]);
  });

  it('a test with the wrong number of arguments', async () => {
    const file = edit(toInt, (r) => r.coding.tests[0].args.push('extra'));
    const name = tests()[0]!.name ? ` "${tests()[0]!.name}"` : '';
    expect(await check({ [`${toInt}.json`]: file }, [toInt])).toEqual([
      `DIR/${toInt}.json: coding.reference_solution: fails test 1${name}: runtime error (TypeError: to_int() takes 1 positional argument but 2 were given)`,
    ]);
  });

  it('a file whose question_id is not in the bank', async () => {
    const orphan = 'q_0badf00d';
    expect(bank.get(orphan)).toBeUndefined();
    const file = edit(good, (r) => (r.question_id = orphan));
    expect(await check({ [`${orphan}.json`]: file }, [orphan])).toEqual([
      `DIR/${orphan}.json: question_id: no question "${orphan}" in the bank (an orphan: delete it, or rebuild the bank)`,
    ]);
  });

  it('a file name that does not match its question_id, beside the real one', async () => {
    expect(await check({ [`${misnamed}.json`]: committed(misnamedContent), [`${misnamedContent}.json`]: committed(misnamedContent) }, [misnamed, misnamedContent])).toEqual([
      `DIR/${misnamed}.json: question_id: is "${misnamedContent}" but the file is named for "${misnamed}"`,
    ]);
  });
});

describe('the service with broken rubric files', () => {
  let server: Server;
  let dir: string;

  beforeAll(async () => {
    dir = folderWith(Object.assign({ [`${good}.json`]: committed(good) }, ...BROKEN.map((b) => b.files)));
    server = await startServer({ RUBRICS_DIR: dir, SANDBOX_UID_BASE: '61660' });
  }, 30_000);
  afterAll(() => server?.stop());

  it('starts, and logs each problem as its one line', () => {
    const logged = server
      .log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; msg: string; problem?: string })
      .filter((l) => l.problem);
    expect(logged.map((l) => l.problem).sort()).toEqual(BROKEN.map((b) => b.line.replace('DIR', dir)).sort());
    for (const l of logged) expect(l).toMatchObject({ level: 'warn', msg: 'rubric not loaded; its question is graded with a draft' });
  });

  it('grades each of those questions with its draft rubric, and the good one with its curated rubric', { timeout: 60_000 }, async () => {
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const res = await fetch(server.url + path, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as any };
    };
    const ids = [...new Set([...BROKEN.flatMap((b) => b.drafts), good])];
    const started = await call('POST', '/api/sessions', { question_ids: ids, count: ids.length });
    expect(started.status).toBe(201);
    const { id, token } = started.json as { id: string; token: string };
    const hashes: Record<string, string> = {};
    let question = started.json.question as { id: string };
    for (;;) {
      const answered = await call('POST', `/api/sessions/${id}/answers`, { answer: '用 Redis 的 SET NX PX 加锁，设置过期时间，释放时校验持有者。' }, token);
      expect([200, 202]).toContain(answered.status);
      // 202: graded in the background; poll until done.
      let grade = answered.status === 200 ? answered.json.grade : undefined;
      while (grade?.status !== 'done') {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const polled = await call('GET', `/api/sessions/${id}/answers/${answered.json.answer_id}`, undefined, token);
        expect(polled.json.status).not.toBe('failed');
        grade = polled.json.grade;
      }
      hashes[question.id] = grade.rubric_hash;
      const next = await call('POST', `/api/sessions/${id}/next`, {}, token);
      if (next.json.finished) break;
      question = next.json.question;
    }
    expect(Object.keys(hashes).sort()).toEqual([...ids].sort());
    for (const q of ids.filter((q) => q !== good)) expect(hashes[q], q).toBe(rubricHash(draftRubric(bank.get(q)!)));
    expect(hashes[good]).toBe(rubricHash(RubricSchema.parse(JSON.parse(committed(good)))));
    expect(hashes[good]).not.toBe(rubricHash(draftRubric(bank.get(good)!)));
  });
});
