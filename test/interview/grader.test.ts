// The grading queue: a grading attempt that breaks (a bug, a grading thread that died or ran out
// of time) is tried again after a pause, and given up only after three attempts.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { gradeAnswer } from '../../src/grading/grade.ts';
import { GradeRunner, type GradeEvent, type Grader } from '../../src/interview/grader.ts';
import { Interviews } from '../../src/interview/session.ts';
import { bank } from '../helpers/app.ts';
import { lock, STRONG } from '../helpers/rubrics.ts';

function setup(grader: Grader) {
  const db = openDatabase(':memory:');
  const interviews = new Interviews({ db, bank, rubrics: new Map([[lock.question_id, lock]]) });
  const runner = new GradeRunner(db, (id) => interviews.gradeInput(id), grader);
  const created = interviews.create({ questionIds: [lock.question_id] });
  if ('refused' in created) throw new Error(created.message);
  const stored = interviews.submit(created.session, { answer: STRONG });
  if ('refused' in stored) throw new Error(stored.message);
  const events: GradeEvent['stage'][] = [];
  runner.subscribe(stored.grade.id, (e) => events.push(e.stage));
  /** Resolves when the grade is done or failed for good. */
  const settled = () =>
    new Promise<void>((resolve) => {
      const check = () => (interviews.gradeById(stored.grade.id)!.status === 'pending' ? setTimeout(check, 50) : resolve());
      check();
    });
  return { interviews, runner, grade: stored.grade, events, settled };
}

describe('the grading queue', () => {
  it('tries a broken attempt again after a pause, and the grade gets done', async () => {
    let calls = 0;
    const t = setup((input, onStage) => (++calls === 1 ? Promise.reject(new Error('grading thread crashed: boom')) : gradeAnswer(input, {}, onStage)));
    t.runner.enqueue(t.grade.id);
    await t.settled();
    const row = t.interviews.gradeById(t.grade.id)!;
    expect(row).toMatchObject({ status: 'done', attempts: 2 });
    expect(t.events).toEqual(['retry', 'checks', 'done']);
    expect(t.runner.depth).toBe(0);
  });

  it('gives up after three attempts and says why', async () => {
    const t = setup(() => Promise.reject(new Error('grading took longer than 300000 ms')));
    t.runner.enqueue(t.grade.id);
    expect(t.runner.depth).toBe(1);
    await t.settled();
    expect(t.interviews.gradeById(t.grade.id)).toMatchObject({ status: 'failed', attempts: 3, error: 'grading failed: grading took longer than 300000 ms' });
    expect(t.events).toEqual(['retry', 'retry', 'failed']);
  }, 10_000);
});
