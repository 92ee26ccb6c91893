import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { grades, notes, overrides, users } from '../../src/db/schema.ts';
import type { Grade } from '../../src/grading/types.ts';
import { isRefusal } from '../../src/interview/session.ts';
import { humanView, isAnnotationRefusal, type OverrideRow } from '../../src/review/annotations.ts';
import { EVIL, LOCK, reviewApp, STRONG_LOCK } from './fixture.ts';

// Staff rows written directly: these tests are about annotations, not about signing in.
function staff(t: ReturnType<typeof reviewApp>, id: string, name: string) {
  t.db.insert(users).values({ id, email: `${id}@example.com`, name, role: 'reviewer', passwordHash: 'x', createdAt: 0 }).run();
  return id;
}

describe('annotations', () => {
  let t: ReturnType<typeof reviewApp>;
  let sid: string;
  let tid: string;
  let ai: Grade;
  let ann: string;
  let rev: string;

  beforeAll(async () => {
    t = reviewApp();
    ann = staff(t, 'u-ann', 'Ann');
    rev = staff(t, 'u-rev', 'Rev');
    const r = await t.interview({ questionIds: [LOCK], answers: [STRONG_LOCK], profile: 'alice' });
    sid = r.session.id;
    tid = r.turns[0]!.id;
    ai = t.services.interviews.grade(tid)!.result as unknown as Grade;
  });

  it('store a note with its author, refusing an empty one and one over 5,000 characters', () => {
    const a = t.services.annotations;
    expect(a.addNote(tid, ann, '  \n ')).toMatchObject({ refused: 'empty', field: 'text' });
    expect(a.addNote(tid, ann, 'x'.repeat(5001))).toMatchObject({ refused: 'too_long', field: 'text', message: expect.stringContaining('5,000') });
    expect(a.addNote('no-such-turn', ann, 'hello')).toMatchObject({ refused: 'unknown_turn' });
    const note = a.addNote(tid, ann, `${'y'.repeat(4900)}\r\n${EVIL}`);
    expect(isAnnotationRefusal(note)).toBe(false);
    const got = a.notesOf(sid).get(tid)!;
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ authorName: 'Ann', text: `${'y'.repeat(4900)}\n${EVIL}` });
  });

  it('refuse an override without a reason, with a key point the grade lacks, a bad status, or a total out of range — naming the field', () => {
    const a = t.services.annotations;
    const before = t.db.select().from(overrides).all().length;
    const max = ai.max;
    expect(a.override({ turnId: tid, authorId: rev, keyPointId: 'expiry', status: 'met', reason: '   ' })).toMatchObject({ field: 'reason' });
    expect(a.override({ turnId: tid, authorId: rev, keyPointId: 'no-such-point', status: 'met', reason: 'r' })).toMatchObject({ field: 'key_point', message: expect.stringContaining('no-such-point') });
    expect(a.override({ turnId: tid, authorId: rev, keyPointId: 'expiry', status: 'great', reason: 'r' })).toMatchObject({ field: 'status' });
    expect(a.override({ turnId: tid, authorId: rev, status: 'met', reason: 'r' })).toMatchObject({ field: 'key_point' });
    expect(a.override({ turnId: tid, authorId: rev, score: max + 0.1, reason: 'r' })).toMatchObject({ field: 'score', message: expect.stringContaining(String(max)) });
    expect(a.override({ turnId: tid, authorId: rev, score: -1, reason: 'r' })).toMatchObject({ field: 'score' });
    expect(a.override({ turnId: tid, authorId: rev, score: Number.NaN, reason: 'r' })).toMatchObject({ field: 'score' });
    expect(a.override({ turnId: tid, authorId: rev, reason: 'r' })).toMatchObject({ field: 'score' });
    expect(t.db.select().from(overrides).all()).toHaveLength(before);
  });

  it('refuse to override a grade that is not done yet', async () => {
    const created = t.services.interviews.create({ questionIds: [LOCK] });
    if (isRefusal(created)) throw new Error(created.message);
    const r = t.services.interviews.submit(created.session, { answer: 'pending answer' });
    if (isRefusal(r)) throw new Error(r.message);
    // Not enqueued: the grade stays pending.
    expect(t.services.annotations.override({ turnId: r.turn.id, authorId: rev, score: 5, reason: 'r' })).toMatchObject({ refused: 'not_graded' });
  });

  it('keep every override as its own row, each recording what it replaced, and never touch the AI grade', () => {
    const a = t.services.annotations;
    const aiRowBefore = t.db.select().from(grades).where(eq(grades.turnId, tid)).all();
    const expiry = ai.keyPoints.find((k) => k.id === 'expiry')!;
    const first = a.override({ turnId: tid, authorId: ann, keyPointId: 'expiry', status: 'partial', reason: '提到了超时' }) as OverrideRow;
    const second = a.override({ turnId: tid, authorId: rev, keyPointId: 'expiry', status: 'met', reason: '“过期时间”也说了' }) as OverrideRow;
    expect(first.previous).toBe(expiry.status);
    expect(second.previous).toBe('partial');
    const rows = t.db.select().from(overrides).where(eq(overrides.turnId, tid)).all();
    expect(rows.map((r) => [r.keyPointId, r.status, r.previous, r.authorId])).toEqual([
      ['expiry', 'partial', expiry.status, ann],
      ['expiry', 'met', 'partial', rev],
    ]);
    expect(t.db.select().from(grades).where(eq(grades.turnId, tid)).all()).toEqual(aiRowBefore);

    const list = a.overridesOf(sid).get(tid)!;
    expect(list.map((o) => o.authorName)).toEqual(['Ann', 'Rev']);
    const h = humanView(ai, list);
    const kp = h.keyPoints.find((k) => k.id === 'expiry')!;
    expect(kp).toMatchObject({ ai: expiry.status, status: 'met' });
    expect(kp.override?.authorName).toBe('Rev');
    // A key point changed, the total not: it stays the AI's, and the view says the total is not following.
    expect(h.score).toBe(ai.score);
    expect(h.totalStale).toBe(true);

    const total = a.override({ turnId: tid, authorId: ann, score: 9.5, reason: '整体很好' }) as OverrideRow;
    expect(total.previous).toBe(String(ai.score));
    const again = a.override({ turnId: tid, authorId: rev, score: 9, reason: '还是扣一点' }) as OverrideRow;
    expect(again.previous).toBe('9.5');
    const h2 = humanView(ai, a.overridesOf(sid).get(tid)!);
    expect(h2).toMatchObject({ score: 9, aiScore: ai.score, totalStale: false, changed: true });
    expect(h2.scoreOverride?.reason).toBe('还是扣一点');
    // Four rows now; the notes are untouched by any of it.
    expect(t.db.select().from(overrides).where(eq(overrides.turnId, tid)).all()).toHaveLength(4);
    expect(t.db.select().from(notes).all()).toHaveLength(1);
  });

  it('show a grade without overrides as the AI left it', () => {
    const h = humanView(ai, []);
    expect(h).toMatchObject({ score: ai.score, totalStale: false, changed: false });
    expect(h.keyPoints.map((k) => k.status)).toEqual(ai.keyPoints.map((k) => k.status));
  });
});
