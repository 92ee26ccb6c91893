// Grading on worker threads: the same grade as on the request thread, stages reported as they
// finish, LLM failures counted, and a grade that never ends costs its thread (started again),
// not the service.
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { statsFor } from '../../src/grading/batch.ts';
import { gradeAnswer, type GradeInput, type Stage } from '../../src/grading/grade.ts';
import { GradingThreads } from '../../src/grading/threads.ts';
import type { Grade } from '../../src/grading/types.ts';
import { chatCompletion, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';
import { bank } from '../helpers/app.ts';
import { lock, STRONG } from '../helpers/rubrics.ts';

const input: GradeInput = { question: { id: lock.question_id, title: '分布式锁', prompt: lock.prompt ?? '如何实现分布式锁？', kind: 'design' }, rubric: lock, answer: STRONG };

let threads: GradingThreads | undefined;
let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await threads?.close();
  await fake?.close();
  threads = fake = undefined;
});

describe('grading threads', () => {
  it('grade exactly as the request thread does, reporting the checks first', async () => {
    threads = new GradingThreads(loadConfig({ SANDBOX_UID_BASE: '62200' }), 1);
    const stages: Stage['stage'][] = [];
    const onThread = await threads.grade(input, (s) => stages.push(s.stage));
    const here = await gradeAnswer(input, { stats: statsFor(bank), judgeMissingReason: 'OPENAI_API_KEY is not set: graded by the deterministic checks only' });
    expect(stages).toEqual(['checks']);
    const { timings: _a, ...a } = onThread;
    const { timings: _b, ...b } = here;
    expect(a).toEqual(b);
    expect(onThread.score).toBeGreaterThan(5);
  });

  it('end a grade that takes too long with its thread, start the thread again, and grade the next', async () => {
    fake = await startFakeOpenAI();
    fake.script({ hang: true }, { status: 500, json: { error: { message: 'down' } } });
    const failures: Array<[string, number | undefined]> = [];
    threads = new GradingThreads(loadConfig({ SANDBOX_UID_BASE: '62210', OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.url, LLM_TIMEOUT_MS: '600000', LLM_MAX_ATTEMPTS: '1' }), 1, 4000);
    threads.onLlmFailure = (kind, status) => failures.push([kind, status]);
    const logged: string[] = [];
    const original = console.error;
    console.error = (line: string) => logged.push(line);
    const started = Date.now();
    let next: Grade | undefined;
    try {
      await expect(threads.grade(input)).rejects.toThrow('grading took longer than 4000 ms');
      // The thread was replaced at once (we ended it; it did not die); the next grade runs
      // (the judge answers 500: the checks grade it).
      next = await threads.grade(input);
    } finally {
      console.error = original;
    }
    expect(logged).toEqual([]);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(next!.flags).toContain('llm_failed');
    expect(failures).toEqual([['status', 500]]);
  }, 20_000);

  it('start a thread that cannot start again only after a pause that doubles, not in a tight loop', async () => {
    const logged: string[] = [];
    const original = console.error;
    console.error = (line: string) => logged.push(line);
    try {
      threads = new GradingThreads(loadConfig({ SANDBOX_UID_BASE: '62220', BANK_PATH: '/nonexistent/bank.json' }), 1);
      await expect(threads.grade(input)).rejects.toThrow(/^grading thread crashed: .*bank/);
      await new Promise((r) => setTimeout(r, 2500));
    } finally {
      console.error = original;
    }
    const pauses = logged.map((l) => JSON.parse(l).pauseMs as number);
    expect(pauses.length).toBeGreaterThanOrEqual(2);
    expect(pauses.length).toBeLessThanOrEqual(4);
    expect(pauses.slice(0, 2)).toEqual([500, 1000]);
  }, 10_000);
});
