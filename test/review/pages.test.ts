// /review through real HTTP: who may see it, the list's filters and search, the transcript page,
// annotations posted from it, and that nothing a candidate or reviewer typed is ever markup.
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { grades, notes, overrides, sessions, signals } from '../../src/db/schema.ts';
import type { Grade } from '../../src/grading/types.ts';
import { summaryOf } from '../../src/interview/summary.ts';
import { PASSWORD, signIn, type SignedIn } from '../helpers/staff.ts';
import { day, EVIL, LOCK, reviewApp, STRONG_LOCK, TO_INT } from './fixture.ts';

const CODE = 'def to_int(s):\n    n = 0\n    for c in s:\n        n = n * 10 + ord(c) - 48\n    return n';

let t: ReturnType<typeof reviewApp>;
let reviewer: SignedIn;
let interviewer: SignedIn;
/** A: assisted, candidate 王小明, hint + follow-up + signals. B: solo "bob", code. C: solo "carol", hostile text. */
let A: Awaited<ReturnType<typeof t.interview>>;
let B: typeof A;
let C: typeof A;

const get = (who: SignedIn, path: string) => who.req('GET', path);
const text = async (who: SignedIn, path: string) => {
  const res = await get(who, path);
  expect(res.status).toBe(200);
  return res.text();
};
/** The session ids a list page links to, in order. */
const listed = (html: string) => [...html.matchAll(/<a href="\/review\/([\w-]+)">/g)].map((m) => m[1]);

beforeAll(async () => {
  t = reviewApp();
  const added = await t.services.accounts.add({ email: 'interviewer@example.com', name: '面试官甲', role: 'interviewer', password: PASSWORD });
  if (!('user' in added)) throw new Error(added.message);
  t.setClock(day(2026, 3, 1));
  A = await t.interview({
    questionIds: [LOCK],
    answers: [STRONG_LOCK],
    candidate: '王小明',
    mode: 'assisted',
    interviewerId: added.user.id,
    hints: [1],
    followUps: { 0: '主从切换时锁可能丢失，可以用 Redlock 或者 fencing token。' },
  });
  t.db
    .insert(signals)
    .values([
      { sessionId: A.session.id, turnId: A.turns[0]!.id, kind: 'paste', chars: 812, at: day(2026, 3, 1, 10) + 30_000 },
      { sessionId: A.session.id, turnId: null, kind: 'blur', chars: null, at: day(2026, 3, 1, 10) + 90_000 },
    ])
    .run();
  t.setClock(day(2026, 3, 3));
  B = await t.interview({ questionIds: [TO_INT], answers: [CODE], profile: 'bob' });
  t.setClock(day(2026, 3, 10));
  C = await t.interview({ questionIds: [LOCK], answers: [EVIL], profile: 'carol' });
  t.setClock(day(2026, 3, 11));
  reviewer = await signIn(t, 'reviewer');
  interviewer = await signIn(t, 'interviewer');
});

describe('access', () => {
  it('sends a stranger to sign in, and answers the API and state changes with 401', async () => {
    const anon = (method: string, path: string, body?: BodyInit) =>
      t.app.request(`http://localhost${path}`, { method, body, headers: { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual' });
    for (const path of ['/review', `/review/${A.session.id}`, `/review/${A.session.id}/export.md`, '/review/export.json']) {
      const res = await anon('GET', path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
    expect((await anon('GET', '/api/review/sessions')).status).toBe(401);
    expect((await anon('POST', `/review/${A.session.id}/turns/${A.turns[0]!.id}/notes`, 'text=hi')).status).toBe(401);
    expect((await anon('POST', `/review/${A.session.id}/regrade`)).status).toBe(401);
    expect(t.db.select().from(notes).all()).toHaveLength(0);
  });

  it('gives a candidate nothing with their session cookie or bearer token', async () => {
    const sid = C.session.id;
    const as = (path: string, method = 'GET') =>
      t.app.request(`http://localhost${path}`, { method, headers: { cookie: `s_${sid}=${C.token}`, authorization: `Bearer ${C.token}`, origin: 'http://localhost' }, redirect: 'manual' });
    for (const path of ['/review', `/review/${sid}`, `/review/${sid}/export.md`, `/review/${sid}/export.json`, '/review/export.md']) {
      const res = await as(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/login/);
    }
    for (const path of ['/api/review/sessions', `/api/review/sessions/${sid}`]) {
      const res = await as(path);
      expect(res.status, path).toBe(401);
      expect(await res.text()).not.toContain('alert(1)');
    }
    expect((await as(`/api/review/sessions/${sid}/regrade`, 'POST')).status).toBe(401);
    expect(t.db.select().from(grades).where(eq(grades.origin, 'regrade')).all()).toHaveLength(0);
  });

  it('lets reviewers and interviewers both in, and keeps transcripts out of caches', async () => {
    for (const who of [reviewer, interviewer]) {
      for (const path of ['/review', `/review/${A.session.id}`, '/api/review/sessions', `/api/review/sessions/${A.session.id}`]) {
        const res = await get(who, path);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
    }
  });

  it('answers 404 for an unknown session', async () => {
    expect((await get(reviewer, '/review/nope')).status).toBe(404);
    expect((await get(reviewer, '/review/nope/export.json')).status).toBe(404);
    expect((await get(reviewer, '/api/review/sessions/nope')).status).toBe(404);
  });
});

describe('CSRF', () => {
  it('refuses every state change without the login token (403) and stores nothing', async () => {
    const sid = A.session.id;
    const tid = A.turns[0]!.id;
    const before = { notes: t.db.select().from(notes).all().length, overrides: t.db.select().from(overrides).all().length, grades: t.db.select().from(grades).all().length };
    const r1 = await reviewer.req('POST', `/review/${sid}/turns/${tid}/notes`, { text: 'sneaky' }, { csrf: false });
    const r2 = await reviewer.req('POST', `/review/${sid}/turns/${tid}/overrides`, { score: '1', reason: 'sneaky' }, { csrf: false });
    const r3 = await reviewer.req('POST', `/review/${sid}/regrade`, {}, { csrf: false });
    const r4 = await reviewer.req('POST', `/review/${sid}/turns/${tid}/notes`, { _csrf: 'wrong', text: 'sneaky' }, { csrf: false });
    const r5 = await t.app.request(`http://localhost/api/review/sessions/${sid}/turns/${tid}/notes`, {
      method: 'POST',
      body: JSON.stringify({ text: 'sneaky' }),
      headers: { 'content-type': 'application/json', cookie: reviewer.cookie },
    });
    const r6 = await t.app.request(`http://localhost/api/review/sessions/${sid}/regrade`, { method: 'POST', headers: { cookie: reviewer.cookie, 'x-csrf-token': 'wrong' } });
    // The right token from another site's page: the Origin check still refuses it.
    const r7 = await reviewer.req('POST', `/review/${sid}/turns/${tid}/notes`, { text: 'sneaky' }, { headers: { origin: 'https://evil.example' } });
    for (const r of [r1, r2, r3, r4, r5, r6, r7]) expect(r.status).toBe(403);
    expect({ notes: t.db.select().from(notes).all().length, overrides: t.db.select().from(overrides).all().length, grades: t.db.select().from(grades).all().length }).toEqual(before);
  });
});

describe('the list', () => {
  it('shows every session with its candidate, date, mode, summary score, question count and flags', async () => {
    const html = await text(reviewer, '/review');
    expect(listed(html)).toEqual([C.session.id, B.session.id, A.session.id]); // newest first
    expect(html).toContain('王小明');
    expect(html).toContain('bob');
    expect(html).toContain('2026-03-03 10:');
    expect(html).toContain('面试官陪同');
    // The score is the summary page's overall, worked out in SQL.
    const overall = summaryOf(t.services.interviews, A.session).figures.overall;
    expect(html).toContain(`${overall.toFixed(1)} / 10`);
    const json = (await (await get(reviewer, '/api/review/sessions')).json()) as { sessions: Array<{ id: string; overall: number; questions: number; answered: number; flags: string[] }> };
    const a = json.sessions.find((s) => s.id === A.session.id)!;
    expect(a.overall).toBe(Math.round(overall * 10) / 10);
    expect(a).toMatchObject({ questions: 1, answered: 1 });
    expect(a.flags).toEqual(expect.arrayContaining(['llm_unavailable', 'signals']));
    expect(json.sessions.find((s) => s.id === B.session.id)!.flags).toEqual(expect.arrayContaining(['llm_unavailable', 'sandbox_unavailable']));
    expect(json.sessions.find((s) => s.id === C.session.id)!.flags).not.toContain('signals');
  });

  it('filters by candidate or profile, topic, dates, flag and mode, and ignores values it does not know', async () => {
    const ids = async (query: string) => listed(await text(reviewer, `/review?${query}`));
    expect(await ids('candidate=小明')).toEqual([A.session.id]);
    expect(await ids('candidate=BO')).toEqual([B.session.id]);
    expect(await ids('topic=python')).toEqual([B.session.id]);
    expect(await ids('topic=distributed-systems')).toEqual([C.session.id, A.session.id]);
    expect(await ids('from=2026-03-02')).toEqual([C.session.id, B.session.id]);
    expect(await ids('to=2026-03-02')).toEqual([A.session.id]);
    expect(await ids('from=2026-03-03&to=2026-03-03')).toEqual([B.session.id]);
    expect(await ids('flag=sandbox_unavailable')).toEqual([B.session.id]);
    expect(await ids('flag=signals')).toEqual([A.session.id]);
    expect(await ids('mode=assisted')).toEqual([A.session.id]);
    expect(await ids('mode=solo&topic=distributed-systems')).toEqual([C.session.id]);
    expect(await ids('topic=nope&mode=robot&from=2026-02-30')).toHaveLength(3);
    const html = await text(reviewer, '/review?candidate=小明&mode=assisted');
    expect(html).toContain('value="小明"');
    expect(html).toMatch(/<option value="assisted" selected="">/);
  });

  it('searches answers: Chinese substrings of three or more characters by the index, shorter ones by scanning', async () => {
    const ids = async (q: string) => listed(await text(reviewer, `/review?q=${encodeURIComponent(q)}`));
    expect(await ids('分布式锁')).toEqual([A.session.id]);
    expect(await ids('比较 token')).toEqual([A.session.id]);
    expect(await ids('REDIS')).toEqual([A.session.id]); // case folded
    expect(await ids('Redlock')).toEqual([A.session.id]); // a follow-up's answer counts too
    expect(await ids('原子')).toEqual([A.session.id]); // two characters: LIKE
    expect(await ids('ord')).toEqual([B.session.id]);
    expect(await ids('锁')).toEqual([A.session.id]);
    expect(await ids('不存在的词')).toEqual([]);
    expect(await ids('"/x"')).toEqual([C.session.id]); // quotes are searched for, not query syntax
    expect(await ids('"分布式锁" OR x')).toEqual([]);
    expect(await ids('%')).toEqual([]);
    const html = await text(reviewer, `/review?q=${encodeURIComponent('分布式锁')}`);
    expect(html).toContain('<mark>分布式锁</mark>');
  });

  it('pages through many sessions, keeping the filters in the links', async () => {
    const u = reviewApp();
    const who = await signIn(u, 'reviewer');
    for (let i = 0; i < 27; i++) u.services.interviews.create({ questionIds: [LOCK], profile: `p${i}` });
    const first = await text(who, '/review?topic=distributed-systems');
    expect(listed(first)).toHaveLength(25);
    expect(first).toContain('href="/review?topic=distributed-systems&amp;page=2"');
    const second = await text(who, '/review?topic=distributed-systems&page=2');
    expect(listed(second)).toHaveLength(2);
    expect(new Set([...listed(first), ...listed(second)]).size).toBe(27);
    const api = (await (await get(who, '/api/review/sessions?page=2')).json()) as { total: number; page: number; sessions: unknown[] };
    expect(api).toMatchObject({ total: 27, page: 2 });
    expect(api.sessions).toHaveLength(2);
  });
});

describe('the transcript', () => {
  it('shows each question, answer, grade, hints, follow-ups, signals with times, model answer and the charts', async () => {
    const html = await text(interviewer, `/review/${A.session.id}`);
    const [turn, follow] = A.turns;
    expect(html).toContain(`id="turn-${turn!.id}"`);
    expect(html).toContain(`id="turn-${follow!.id}"`);
    expect(html).toContain('如何在分布式系统中实现分布式锁？');
    expect(html).toContain('Lua 脚本先比较 token 再删除');
    expect(html).toContain('第 1 题的追问');
    expect(html).toContain('Redlock');
    expect(html).toContain('想想持有锁的进程崩溃了会发生什么。'); // the hint it took
    expect(html).toContain('用了 1 个提示');
    expect(html).toContain('面试官甲');
    // AI and human side by side, key point by key point.
    expect(html).toContain('AI 评分');
    expect(html).toContain('人工评分');
    expect(html).toContain('加锁要一步完成');
    // Signals with their times.
    expect(html).toContain('粘贴');
    expect(html).toContain('812 字');
    expect(html).toContain('2026-03-01 10:00');
    expect(html).toContain('离开页面');
    expect(html).toContain('参考答案');
    expect(html).toContain('看门狗');
    expect(html).toContain('SETNX 之后再 EXPIRE'); // the rubric's correction of the source
    for (const chart of ['rv-topics', 'rv-coverage', 'rv-progress']) expect(html).toContain(`<svg class="rv-chart ${chart}"`);
    // The CSP allows no inline script or style.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('shows a coding answer as code, and every test — hidden ones with their inputs', async () => {
    const html = await text(reviewer, `/review/${B.session.id}`);
    expect(html).toMatch(/<pre class="code" data-lang="python"><code[^>]*>[\s\S]*to_int/);
    expect(html).toContain('&quot;-987654&quot;'); // the hidden test's input
    expect(html).toContain('(隐藏)');
    expect(html).toContain('代码未运行');
  });

  it('draws the candidate\'s progress across their sessions', async () => {
    const u = reviewApp();
    u.setClock(day(2026, 4, 1));
    const weak = await u.interview({ questionIds: [LOCK], answers: ['不知道'], profile: 'dora' });
    u.setClock(day(2026, 4, 9));
    const strong = await u.interview({ questionIds: [LOCK], answers: [STRONG_LOCK], profile: 'dora' });
    const who = await signIn(u, 'reviewer');
    const html = await text(who, `/review/${strong.session.id}`);
    const svg = /<svg class="rv-chart rv-progress"[\s\S]*?<\/svg>/.exec(html)![0];
    expect(svg).toContain('<polyline');
    expect(svg.match(/<circle/g)).toHaveLength(2);
    expect(svg).toContain('2026-04-01');
    expect(svg).toMatch(/<circle class="rv-dot rv-current"[^>]*><title>2026-04-09/);
    expect(weak.session.id).not.toBe(strong.session.id);
  });

  it('shows hostile text as text everywhere: transcript, list snippets, notes and reasons', async () => {
    const sid = C.session.id;
    const tid = C.turns[0]!.id;
    expect((await reviewer.req('POST', `/review/${sid}/turns/${tid}/notes`, { text: EVIL })).status).toBe(303);
    expect((await reviewer.req('POST', `/review/${sid}/turns/${tid}/overrides`, { score: '1', reason: EVIL })).status).toBe(303);
    t.db.update(sessions).set({ candidate: '<b onmouseover=alert(1)>Eve</b>' }).where(eq(sessions.id, sid)).run();
    const pages = [await text(reviewer, `/review/${sid}`), await text(reviewer, `/review?q=${encodeURIComponent('alert(1)')}`), await text(reviewer, '/review?q=%3Cimg')];
    for (const html of pages) {
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('hx-get="/x"');
      expect(html).not.toContain('<b onmouseover');
      expect(html).toContain('&lt;b onmouseover=alert(1)&gt;Eve&lt;/b&gt;');
    }
    expect(pages[0]).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(pages[1]).toContain('&lt;script&gt;<mark>alert(1)</mark>&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt;');
    expect(pages[2]).toContain('<mark>&lt;img</mark> src=x');
    expect(listed(pages[2]!)).toEqual([sid]);
    // In the transcript: the answer, the note and the override's reason, each escaped.
    expect(pages[0]!.split('&lt;script&gt;alert(1)&lt;/script&gt;').length - 1).toBeGreaterThanOrEqual(3);
    t.db.update(sessions).set({ candidate: null }).where(eq(sessions.id, sid)).run();
  });
});

describe('annotating from the transcript', () => {
  it('returns the turn\'s annotations fragment to htmx, with the human grade as a partial, and keeps both overrides', async () => {
    const sid = A.session.id;
    const tid = A.turns[0]!.id;
    const ai = t.services.interviews.grade(tid)!.result as unknown as Grade;
    const hx = { headers: { 'hx-request': 'true' } };
    const miss = ai.keyPoints.find((k) => k.status !== 'met') ?? ai.keyPoints[0]!;
    const r1 = await reviewer.req('POST', `/review/${sid}/turns/${tid}/overrides`, { key_point: miss.id, status: 'met', reason: '面试中口头补充了' }, hx);
    expect(r1.status).toBe(200);
    const f1 = await r1.text();
    expect(f1).toMatch(new RegExp(`^<section class="rv-annotations" id="ann-${tid}">`));
    expect(f1).toContain('面试中口头补充了');
    expect(f1).toContain(`<hx-partial hx-target="#grades-${tid}" hx-swap="outerHTML"><div class="rv-grades" id="grades-${tid}">`);
    expect(f1).toContain('修改要点不会自动改变总分');
    const r2 = await interviewer.req('POST', `/review/${sid}/turns/${tid}/overrides`, { key_point: miss.id, status: 'partial', reason: '只说对一半' }, hx);
    expect(r2.status).toBe(200);
    const r3 = await reviewer.req('POST', `/review/${sid}/turns/${tid}/overrides`, { score: '8.5', reason: '综合判断' }, hx);
    const f3 = await r3.text();
    expect(f3).toContain(`${ai.score} → 8.5`);
    const rows = t.db.select().from(overrides).where(eq(overrides.turnId, tid)).all();
    expect(rows.map((r) => [r.keyPointId, r.status, r.score, r.previous])).toEqual([
      [miss.id, 'met', null, miss.status],
      [miss.id, 'partial', null, 'met'],
      [null, null, 8.5, String(ai.score)],
    ]);
    // The AI grade is as it was, and the page shows both.
    expect(t.services.interviews.grade(tid)!.result).toEqual(ai);
    const page = await text(reviewer, `/review/${sid}`);
    expect(page).toContain(`<strong>${ai.score}</strong> / ${ai.max}`);
    expect(page).toContain(`<strong>8.5</strong> / ${ai.max}`);
    expect(page).toContain('只说对一半');
    const notesRes = await reviewer.req('POST', `/review/${sid}/turns/${tid}/notes`, { text: '沟通清楚，\n思路完整' }, hx);
    expect(notesRes.status).toBe(200);
    expect(await notesRes.text()).toContain('沟通清楚，\n思路完整');
  });

  it('refuses a bad key point, a missing reason or a total over the maximum with 422 naming the field', async () => {
    const sid = A.session.id;
    const tid = A.turns[0]!.id;
    const before = t.db.select().from(overrides).all().length;
    const hx = { headers: { 'hx-request': 'true' } };
    const cases: Array<[Record<string, string>, string]> = [
      [{ key_point: 'made-up', status: 'met', reason: 'r' }, 'key_point'],
      [{ key_point: 'atomic-set', status: 'met', reason: '' }, 'reason'],
      [{ score: '10.5', reason: 'r' }, 'score'],
      [{ score: 'lots', reason: 'r' }, 'score'],
      [{ key_point: 'atomic-set', status: 'excellent', reason: 'r' }, 'status'],
    ];
    for (const [form, field] of cases) {
      const res = await reviewer.req('POST', `/review/${sid}/turns/${tid}/overrides`, form, hx);
      expect(res.status, field).toBe(422);
      const body = await res.text();
      expect(body).toContain(`data-field="${field}"`);
      expect(body).toContain(`${field}: `);
    }
    // Without htmx: a page with the message and the way back.
    const plain = await reviewer.req('POST', `/review/${sid}/turns/${tid}/notes`, { text: '   ' });
    expect(plain.status).toBe(422);
    expect(await plain.text()).toContain(`/review/${sid}#turn-${tid}`);
    expect(t.db.select().from(overrides).all()).toHaveLength(before);
  });

  it('answers 404 for a turn of another session', async () => {
    const res = await reviewer.req('POST', `/review/${A.session.id}/turns/${B.turns[0]!.id}/notes`, { text: 'wrong place' });
    expect(res.status).toBe(404);
    expect(t.db.select().from(notes).where(eq(notes.text, 'wrong place')).all()).toHaveLength(0);
  });
});
