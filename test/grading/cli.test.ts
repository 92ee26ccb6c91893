import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/sources.ts';

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    // No key: deterministic grading. Sandbox uids of its own, apart from other test files.
    env: { PATH: process.env.PATH!, SANDBOX_UID_BASE: '61700', ...env },
  });

const lines = (rows: unknown[]) => rows.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

describe('npm run grade', () => {
  it('grades good lines, reports bad ones by line number, and keeps going', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mianshi-grade-'));
    const input = join(dir, 'answers.jsonl');
    const output = join(dir, 'results.jsonl');
    writeFileSync(
      input,
      lines([
        { id: 'by-title', question: '1. 如何实现一个分布式锁？', answer: '用 Redis 的 SET key token NX PX 30000 加锁，一条命令原子地设置值和过期时间；释放时用 Lua 脚本比较 token 再删除。' },
        'this is not json',
        { id: 'no-question', answer: 'x' },
        { id: 'unknown-id', question_id: 'q_00000000', answer: 'x' },
        { id: 'inline', question: 'What is a variable?', reference: 'A location in memory that can store a value.', answer: 'A named location in memory that holds a value.' },
        {
          id: 'code',
          question: 'to_int',
          language: 'python',
          entry_point: 'to_int',
          forbidden: ['int'],
          tests: [{ args: ['12'], expected: 12 }, { args: ['7'], expected: 7, hidden: true }],
          answer: '```python\ndef to_int(s):\n    n = 0\n    for c in s:\n        n = n * 10 + ord(c) - 48\n    return n\n```',
        },
      ]),
    );
    const r = run(['src/grading/cli.ts', '--in', input, '--out', output]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${input}:2: not valid JSON`);
    expect(r.stderr).toContain(`${input}:3: question: needs question_id, question or reference`);
    expect(r.stderr).toContain(`${input}:4: question_id: no question "q_00000000" in the bank`);
    expect(r.stderr).toContain('OPENAI_API_KEY is not set');
    const out = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(out.map((o) => o.id ?? `line ${o.line}`)).toEqual(['by-title', 'line 2', 'line 3', 'unknown-id', 'inline', 'code']);
    const [byTitle, , , , inline, code] = out;
    expect(byTitle).toMatchObject({ question_id: 'q_22712696', grader: 'deterministic', flags: expect.arrayContaining(['llm_unavailable']) });
    expect(byTitle.score).toBeGreaterThan(0);
    expect(inline.question_id).toBe('text:what is a variable?');
    expect(code).toMatchObject({ score: 10, tests: { passed: 2, total: 2, hidden_passed: 1, hidden_total: 1 } });
    for (const o of [byTitle, inline, code]) expect(Object.keys(o)).toEqual(expect.arrayContaining(['id', 'question_id', 'score', 'grader', 'key_points', 'checks', 'feedback', 'flags']));
  });

  it('calibrates with human-graded examples, and grade:calibrate reports agreement', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mianshi-calibrate-'));
    const q = { question: 'What is a variable?', reference: 'A location in memory that can store a value.' };
    const graded = [
      ['A location in memory that can store a value.', 5],
      ['A named memory location that stores a value which can change.', 5],
      ['A place in memory holding data that the program can change.', 5],
      ['Memory that stores a value.', 4],
      ['Something that stores data.', 3],
      ['A value.', 2],
      ['A type of function.', 1],
      ['A loop statement.', 0],
      ['An integer constant that never changes.', 1],
      ['Storage in memory for a value of some type.', 5],
    ].map(([answer, score]) => ({ ...q, answer, score, max: 5 }));
    const examples = join(dir, 'graded.jsonl');
    writeFileSync(examples, lines(graded));
    const input = join(dir, 'answers.jsonl');
    writeFileSync(input, lines([{ id: 'x', ...q, answer: 'A memory location that stores a value.' }]));
    const output = join(dir, 'results.jsonl');
    const r = run(['src/grading/cli.ts', '--in', input, '--out', output, '--examples', examples]);
    expect(r.status).toBe(0);
    const [res] = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(res.flags).toContain('calibrated');
    expect(res.score).toBeGreaterThanOrEqual(7);

    const c = run(['src/grading/calibrate.ts', '--examples', examples]);
    expect(c.status).toBe(0);
    expect(c.stdout).toMatch(/10 graded answers, 1 questions, 5-fold cross-validation/);
    expect(c.stdout).toMatch(/reference only : r=-?\d\.\d{3} ρ=-?\d\.\d{3} QWK=-?\d\.\d{3} MAE=\d+\.\d{2}/);
    expect(c.stdout).toMatch(/with examples  : r=/);
  });
});
