// Exports (Markdown and JSON, one session or a filtered set) and the review JSON API.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { notes, overrides, signals } from '../../src/db/schema.ts';
import type { Grade } from '../../src/grading/types.ts';
import { signIn, type SignedIn } from '../helpers/staff.ts';
import { day, EVIL, LOCK, outsideFences, reviewApp, STRONG_LOCK, TO_INT } from './fixture.ts';

const CODE = 'def to_int(s):\n    n = 0\n    for c in s:\n        n = n * 10 + ord(c) - 48\n    return n';

let t: ReturnType<typeof reviewApp>;
let who: SignedIn;
let A: Awaited<ReturnType<typeof t.interview>>;
let B: typeof A;

/** A JSON API call as a signed-in browser's script makes it: login cookie and X-CSRF-Token. */
const api = async (method: string, path: string, body?: unknown, token: string | null = who.csrf) => {
  const res = await t.app.request(`http://localhost${path}`, {
    method,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', cookie: who.cookie, ...(token ? { 'x-csrf-token': token } : {}) },
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
};

beforeAll(async () => {
  t = reviewApp();
  t.setClock(day(2026, 5, 1));
  A = await t.interview({ questionIds: [LOCK], answers: [`${STRONG_LOCK}\n${EVIL}\n\`\`\`\n# not a heading\n\`\`\``], candidate: '李雷' });
  t.db.insert(signals).values({ sessionId: A.session.id, turnId: A.turns[0]!.id, kind: 'blur', at: day(2026, 5, 1, 10) + 5000 }).run();
  t.setClock(day(2026, 5, 2));
  B = await t.interview({ questionIds: [TO_INT], answers: [CODE], profile: 'bob' });
  who = await signIn(t, 'reviewer');
});

describe('the review JSON API', () => {
  it('adds notes and overrides with the CSRF header, naming the field it refuses', async () => {
    const sid = A.session.id;
    const tid = A.turns[0]!.id;
    const ai = t.services.interviews.grade(tid)!.result as unknown as Grade;
    const base = `/api/review/sessions/${sid}/turns/${tid}`;

    const note = await api('POST', `${base}/notes`, { text: EVIL });
    expect(note.status).toBe(201);
    expect(note.json.note).toMatchObject({ turn_id: tid, text: EVIL, author: { name: 'reviewer' } });

    const kp = ai.keyPoints[0]!;
    const o1 = await api('POST', `${base}/overrides`, { key_point_id: kp.id, status: 'partial', reason: `too quick ${EVIL}` });
    expect(o1.status).toBe(201);
    expect(o1.json.override).toMatchObject({ key_point_id: kp.id, status: 'partial', previous: kp.status });
    const o2 = await api('POST', `${base}/overrides`, { score: 6, reason: '人工复核' });
    expect(o2.json.override).toMatchObject({ score: 6, previous: String(ai.score) });

    expect(await api('POST', `${base}/overrides`, { key_point_id: kp.id, status: 'met' })).toMatchObject({ status: 422, json: { field: 'reason' } });
    expect(await api('POST', `${base}/overrides`, { key_point_id: 'nope', status: 'met', reason: 'r' })).toMatchObject({ status: 422, json: { field: 'key_point' } });
    expect(await api('POST', `${base}/overrides`, { score: ai.max + 1, reason: 'r' })).toMatchObject({ status: 422, json: { field: 'score' } });
    expect(await api('POST', `${base}/notes`, { text: '' })).toMatchObject({ status: 422, json: { field: 'text' } });
    const typed = await api('POST', `${base}/overrides`, { score: '6', reason: 'r' });
    expect(typed.status).toBe(400);
    expect(typed.json.message).toContain('score');
    expect((await api('POST', `${base}/overrides`, { score: 6, reason: 'r', by: 'someone else' })).status).toBe(400);
    expect((await api('POST', `${base}/notes`, '{not json')).status).toBe(400);
    expect((await api('POST', `${base}/notes`, { text: 'x' }, null)).status).toBe(403);
    expect((await api('POST', `/api/review/sessions/${B.session.id}/turns/${tid}/notes`, { text: 'x' })).status).toBe(404);
    expect((await api('POST', `/api/review/sessions/nope/regrade`)).status).toBe(404);
    expect(t.db.select().from(notes).all()).toHaveLength(1);
    expect(t.db.select().from(overrides).all()).toHaveLength(2);
  });

  it('returns the full transcript: rubric, model answer, hidden tests, notes, overrides and signals', async () => {
    const a = await api('GET', `/api/review/sessions/${A.session.id}`);
    expect(a.status).toBe(200);
    const turn = a.json.turns[0];
    expect(a.json.session).toMatchObject({ id: A.session.id, candidate: '李雷', mode: 'solo', status: 'finished' });
    expect(turn.answer).toContain(EVIL);
    expect(turn.ai_grade).toMatchObject({ status: 'done', grader: 'deterministic' });
    expect(turn.human_grade).toMatchObject({ score: 6, total_overridden: true });
    expect(turn.overrides).toHaveLength(2);
    expect(turn.overrides[0].author.name).toBe('reviewer');
    expect(turn.notes[0].text).toBe(EVIL);
    expect(turn.signals).toEqual([{ turn_id: A.turns[0]!.id, kind: 'blur', at: new Date(day(2026, 5, 1, 10) + 5000).toISOString() }]);
    expect(turn.rubric.model_answer).toContain('SET lock_key');
    expect(turn.rubric.corrections[0].says).toContain('SETNX');

    const b = (await api('GET', `/api/review/sessions/${B.session.id}`)).json.turns[0];
    expect(b.ai_grade.code.tests).toEqual(expect.arrayContaining([expect.objectContaining({ index: 1, hidden: true })]));
    expect(b.rubric.coding.tests).toEqual(expect.arrayContaining([expect.objectContaining({ args: ['-987654'], hidden: true })]));
    expect(b.rubric.coding.reference_solution).toContain('def to_int');
  });

  it('lists with the same filters as the page', async () => {
    const all = await api('GET', '/api/review/sessions');
    expect(all.json.total).toBe(2);
    const bob = await api('GET', '/api/review/sessions?candidate=bob&flag=sandbox_unavailable');
    expect(bob.json.sessions.map((s: { id: string }) => s.id)).toEqual([B.session.id]);
    const found = await api('GET', `/api/review/sessions?q=${encodeURIComponent('误删别人')}`);
    expect(found.json.sessions).toHaveLength(1);
    expect(found.json.sessions[0].snippet).toContain('误删别人');
    expect((await api('GET', '/api/review/sessions?flag=overrides')).json.sessions.map((s: { id: string }) => s.id)).toEqual([A.session.id]);
  });
});

describe('exports', () => {
  it('gives one session as Markdown, with what anyone typed as text: answers and notes fenced, the rest escaped', async () => {
    const res = await who.req('GET', `/review/${A.session.id}/export.md`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="mianshi-${A.session.id}.md"`);
    const md = await res.text();
    expect(md).toMatch(/^# 面试记录： 李雷 · 2026-05-01 10:00\n/);
    expect(md).toContain('## 1. 如何在分布式系统中实现分布式锁？');
    // The answer, code fence and all, inside a longer fence: its "# not a heading" stays text.
    expect(md).toContain(`\`\`\`\`\n${STRONG_LOCK}\n${EVIL}\n\`\`\`\n# not a heading\n\`\`\`\n\`\`\`\``);
    expect(md).toContain('**人工评分**: 6 / 10 (总分已人工修改)');
    expect(md).toContain('参考答案');
    const prose = outsideFences(md);
    expect(prose).not.toContain('not a heading');
    for (const bad of ['<script', '<img', '<a ']) expect(prose).not.toContain(bad);
    expect(prose).toContain('too quick x &lt;script\\>alert(1)&lt;/script\\> &lt;img src=x onerror=alert(1)\\> &lt;a hx-get="/x"\\>点我&lt;/a\\>');
    expect(prose).toContain('离开页面');
  });

  it('gives one session as JSON with the AI grade, the human overrides and the notes', async () => {
    const res = await who.req('GET', `/review/${A.session.id}/export.json`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="mianshi-${A.session.id}.json"`);
    const body = JSON.parse(await res.text());
    expect(body).toEqual((await api('GET', `/api/review/sessions/${A.session.id}`)).json);
    expect(body.turns[0].ai_grade.key_points.length).toBeGreaterThan(0);
    expect(body.turns[0].overrides.map((o: { reason: string }) => o.reason)).toEqual([`too quick ${EVIL}`, '人工复核']);
    expect(body.turns[0].notes).toHaveLength(1);
  });

  it('gives the filtered set, with the filter and a dated file name', async () => {
    const json = await who.req('GET', '/review/export.json?topic=python');
    expect(json.headers.get('content-disposition')).toMatch(/^attachment; filename="mianshi-review-\d{4}-\d{2}-\d{2}\.json"$/);
    const body = JSON.parse(await json.text());
    expect(body.filter).toEqual({ topic: 'python' });
    expect(body.sessions.map((s: { session: { id: string } }) => s.session.id)).toEqual([B.session.id]);
    expect(body.sessions[0].turns[0].ai_grade.code.tests.some((x: { hidden: boolean }) => x.hidden)).toBe(true);

    const md = await (await who.req('GET', '/review/export.md?lang=en')).text();
    expect(md).toMatch(/^# Interview transcripts \(2\)\n/);
    expect(md).toContain('## Transcript: 李雷');
    expect(md).toContain('## Transcript: bob');
    expect(md).toContain('### 1. ');
    expect(md.indexOf('bob')).toBeLessThan(md.indexOf('李雷')); // newest first, as listed
    const none = JSON.parse(await (await who.req('GET', '/review/export.json?candidate=nobody')).text());
    expect(none.sessions).toEqual([]);
  });

  it('leaves the stored note as it was written', () => {
    expect(t.db.select().from(notes).where(eq(notes.turnId, A.turns[0]!.id)).get()!.text).toBe(EVIL);
  });
});
