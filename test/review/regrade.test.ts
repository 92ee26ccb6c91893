// Regrading a finished interview after its rubric was corrected: the candidate's grade stays, the
// regrade sits beside it, and the transcript says what changed and which rubric made each.
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { grades } from '../../src/db/schema.ts';
import type { Grade } from '../../src/grading/types.ts';
import { regradeSession } from '../../src/review/regrade.ts';
import { summaryOf } from '../../src/interview/summary.ts';
import { RubricSchema, rubricHash } from '../../src/rubrics/schema.ts';
import { signIn } from '../helpers/staff.ts';
import { lock, LOCK, reviewApp, STRONG_LOCK, TO_INT } from './fixture.ts';

/** The lock rubric as corrected later: ZooKeeper no longer expected, renewal (watchdog) now is. */
const corrected = RubricSchema.parse({
  ...lock,
  key_points: [
    ...lock.key_points.filter((k) => k.id !== 'zookeeper'),
    { id: 'renewal', point: '持有时间可能超过过期时间时要续期（看门狗）', weight: 2, phrasings: { zh: ['看门狗', '续期'], en: ['watchdog'] } },
  ],
});

describe('regrading', () => {
  it('adds a regrade per answered turn with today\'s rubric, keeps the original, and shows the difference', async () => {
    const t = reviewApp();
    const r = await t.interview({ questionIds: [LOCK, TO_INT], answers: [`${STRONG_LOCK}执行太久时用看门狗续期。`, null], profile: 'erin' });
    const sid = r.session.id;
    const [answered, skipped] = r.turns;
    const original = t.services.interviews.grade(answered!.id)!;
    const overallBefore = summaryOf(t.services.interviews, r.session).figures.overall;
    t.rubrics.set(LOCK, corrected);
    const who = await signIn(t, 'reviewer');

    const res = await who.req('POST', `/review/${sid}/regrade`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/review/${sid}?regraded=1`);
    await t.services.runner.idle();

    const rows = t.db.select().from(grades).where(eq(grades.turnId, answered!.id)).orderBy(grades.createdAt).all();
    expect(rows.map((g) => [g.origin, g.status])).toEqual([
      ['answer', 'done'],
      ['regrade', 'done'],
    ]);
    expect(rows[0]).toEqual(original); // untouched
    expect(t.db.select().from(grades).where(eq(grades.turnId, skipped!.id)).all()).toEqual([]);
    const regrade = rows[1]!.result as unknown as Grade;
    const before = original.result as unknown as Grade;
    expect(regrade.rubricHash).toBe(rubricHash(corrected));
    expect(before.rubricHash).toBe(rubricHash(lock));
    expect(regrade.keyPoints.find((k) => k.id === 'renewal')?.status).not.toBe('missed');
    // What the candidate got does not move: the interview's own grade and summary are the originals.
    expect(t.services.interviews.grade(answered!.id)).toEqual(original);
    expect(summaryOf(t.services.interviews, r.session).figures.overall).toBe(overallBefore);

    const json = (await (await who.req('GET', `/api/review/sessions/${sid}`)).json()) as {
      turns: Array<{ id: string; ai_grade: { score: number; rubric_hash: string } | null; regrade: null | { status: string; score: number; score_delta: number; rubric_changed: boolean; rubric_hash: string; changed_key_points: Array<{ id: string; before?: string; after?: string }> } }>;
    };
    const turn = json.turns.find((x) => x.id === answered!.id)!;
    expect(turn.ai_grade!.score).toBe(before.score);
    expect(turn.regrade).toMatchObject({ status: 'done', score: regrade.score, rubric_changed: true, rubric_hash: regrade.rubricHash });
    expect(turn.regrade!.score_delta).toBe(Math.round((regrade.score - before.score) * 10) / 10);
    expect(turn.regrade!.changed_key_points).toEqual(
      expect.arrayContaining([
        { id: 'zookeeper', point: expect.any(String), before: before.keyPoints.find((k) => k.id === 'zookeeper')!.status },
        { id: 'renewal', point: expect.any(String), after: regrade.keyPoints.find((k) => k.id === 'renewal')!.status },
      ]),
    );
    expect(json.turns.find((x) => x.id === skipped!.id)!.regrade).toBeNull();

    const page = await (await who.req('GET', `/review/${sid}`)).text();
    expect(page).toContain('原评分与重新评分');
    expect(page).toContain(before.rubricHash);
    expect(page).toContain(regrade.rubricHash);
    expect(page).toContain('评分标准已变更');
    expect(page).toContain('持有时间可能超过过期时间时要续期（看门狗）');
    const delta = Math.round((regrade.score - before.score) * 10) / 10;
    expect(page).toContain(`差值 ${delta > 0 ? '+' : ''}${delta}`);
  });

  it('does not queue a turn twice while its regrade is pending, and answers the JSON API with what it queued', async () => {
    const t = reviewApp();
    const r = await t.interview({ questionIds: [LOCK], answers: [STRONG_LOCK] });
    const first = regradeSession(t.db, t.services.runner, r.session.id);
    expect(regradeSession(t.db, t.services.runner, r.session.id)).toEqual([]);
    expect(first).toHaveLength(1);
    await t.services.runner.idle();
    const who = await signIn(t, 'interviewer');
    const res = await t.app.request(`http://localhost/api/review/sessions/${r.session.id}/regrade`, { method: 'POST', headers: { cookie: who.cookie, 'x-csrf-token': who.csrf } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { queued: number; grade_ids: string[] };
    expect(body.queued).toBe(1);
    await t.services.runner.idle();
    const regrades = t.db
      .select()
      .from(grades)
      .where(and(eq(grades.turnId, r.turns[0]!.id), eq(grades.origin, 'regrade')))
      .all();
    expect(regrades.map((g) => g.status)).toEqual(['done', 'done']);
    // Same rubric, same answer: the regrade agrees, and the page says the rubric did not change.
    const page = await (await who.req('GET', `/review/${r.session.id}`)).text();
    expect(page).toContain('评分标准未变');
    expect(page).toContain('要点状态没有变化。');
  });
});
