// Interviewer-run sessions through real HTTP: the interviewer creates one and steers it from the
// live view; the candidate answers through their link and sees only what is theirs.
import { describe, expect, it } from 'vitest';
import { signals, turns } from '../../src/db/schema.ts';
import { createSandbox } from '../../src/sandbox/run.ts';
import { testApp } from '../helpers/app.ts';
import { lock, STRONG, toInt } from '../helpers/rubrics.ts';
import { signIn, type SignedIn } from '../helpers/staff.ts';

/** A piece of toInt's model answer, as pages render it, that no candidate answer here contains. */
const MODEL = 'ord(&quot;0&quot;)';

// One sandbox for the file: its uids may be claimed by one sandbox per process.
const sandbox = createSandbox({ uidBase: 61980 });

async function setup(now?: () => number, env?: Record<string, string>) {
  const t = testApp({ rubrics: new Map([[lock.question_id, lock], [toInt.question_id, toInt]]), grading: { sandbox }, now, env });
  const interviewer = await signIn(t, 'interviewer');
  /** The candidate's browser: its own cookie jar, reached through the link. */
  let candidateCookie = '';
  const candidate = async (method: string, path: string, form?: Record<string, string>) => {
    const res = await t.app.request(`http://localhost${path}`, {
      method,
      body: form ? new URLSearchParams(form) : undefined,
      headers: { ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), origin: 'http://localhost', ...(candidateCookie ? { cookie: candidateCookie } : {}) },
      redirect: 'manual',
    });
    const set = res.headers.get('set-cookie');
    if (set?.startsWith('s_')) candidateCookie = set.split(';')[0]!;
    return res;
  };
  /** Create an interview as the interviewer; returns the session id and the candidate link shown once. */
  const create = async (form: Record<string, string | string[]> = { candidate: '张三', question_id: ['q_22712696', 'q_1803e414'] }) => {
    const res = await interviewer.req('POST', '/interviews', form);
    expect(res.status).toBe(303);
    const sid = res.headers.get('location')!.replace('/live/', '');
    const linkCookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const live = await t.app.request(`http://localhost/live/${sid}`, { headers: { cookie: `${interviewer.cookie}; ${linkCookie}` } });
    const html = await live.text();
    const link = /value="(http:\/\/localhost\/s\/[^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    return { sid, link: link!, html };
  };
  const join = async (link: string) => {
    const res = await candidate('GET', link.replace('http://localhost', ''));
    expect(res.status).toBe(303);
    return res;
  };
  return { ...t, interviewer, candidate, create, join };
}

const livePage = async (t: { app: { request: (u: string, i?: RequestInit) => Response | Promise<Response> } }, who: SignedIn, sid: string) =>
  (await t.app.request(`http://localhost/live/${sid}`, { headers: { cookie: who.cookie } })).text();

describe('creating an interviewer-run session', () => {
  it('shows the candidate link once, with a 256-bit token, and lists the session', async () => {
    const t = await setup();
    const { sid, link, html } = await t.create();
    expect(link).toMatch(new RegExp(`^http://localhost/s/${sid}\\?t=[\\w-]{43}$`));
    expect(html).toContain('张三');
    expect(await livePage(t, t.interviewer, sid)).not.toContain('?t=');
    const list = await (await t.interviewer.req('GET', '/interviews')).text();
    expect(list).toContain(`/live/${sid}`);
    expect(list).toContain('张三');
  });

  it('asks the picked questions in order, or draws them', async () => {
    const t = await setup();
    const { sid } = await t.create({ candidate: 'A', question_id: ['q_1803e414', 'q_22712696'] });
    expect(t.services.interviews.get(sid)!.plan).toEqual(['q_1803e414', 'q_22712696']);
    const drawn = await t.create({ candidate: 'B', kind: 'concept', count: '3' });
    const plan = t.services.interviews.get(drawn.sid)!.plan;
    expect(plan).toHaveLength(3);
    expect(new Set(plan).size).toBe(3);
  });

  it('needs the candidate name and the CSRF token', async () => {
    const t = await setup();
    await t.create({ candidate: '已有的', question_id: ['q_22712696'] });
    const blank = await t.interviewer.req('POST', '/interviews', { candidate: ' ' });
    expect(blank.status).toBe(422);
    const html = await blank.text();
    expect(html).toContain('请填写候选人的姓名');
    expect(html).toContain('已有的'); // the list stays on the page
    expect((await t.interviewer.req('POST', '/interviews', { candidate: 'X' }, { csrf: false })).status).toBe(403);
  });

  it('finds questions to pick in the bank', async () => {
    const t = await setup();
    const html = await (await t.interviewer.req('GET', '/interviews/questions?q=分布式锁')).text();
    expect(html).toContain('value="q_22712696"');
  });
});

describe('the candidate in an interviewer-run session', () => {
  it('is told what is recorded, answers, and cannot move on, hint, follow up or end alone', async () => {
    const t = await setup();
    const { sid, link } = await t.create();
    await t.join(link);
    const page = await (await t.candidate('GET', `/s/${sid}`)).text();
    expect(page).toContain('大段粘贴、以及离开这个页面，都会连同时间记录下来');
    expect(page).not.toContain(`/s/${sid}/hint`);
    for (const path of ['next', 'hint', 'follow-up', 'finish']) expect((await t.candidate('POST', `/s/${sid}/${path}`, {})).status).toBe(409);
    // The JSON API keeps the same rules.
    const token = new URL(link).searchParams.get('t')!;
    const api = await t.app.request(`/api/sessions/${sid}/next`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(api.status).toBe(409);
    expect((await api.json()).error).toBe('interviewer_leads');
    const answered = await t.candidate('POST', `/s/${sid}/answer`, { answer: STRONG, idempotency_key: 'k1' });
    expect(answered.status).toBe(200);
    await t.services.runner.idle();
    // Nor does the API hand the AI's follow-up to the candidate.
    const state = await (await t.app.request(`/api/sessions/${sid}/transcript`, { headers: { authorization: `Bearer ${token}` } })).json();
    expect(state.turns[0].grade.status).toBe('done');
    expect(state.turns[0].grade).not.toHaveProperty('follow_up');
    const after = await (await t.candidate('GET', `/s/${sid}`)).text();
    expect(after).toContain('已提交。请等待面试官继续。');
    // The AI's follow-up reaches the candidate only when the interviewer sends it.
    expect(after).not.toContain(lock.follow_ups[0]!);
  });

  it('never sees the model answers or hidden tests, not even after the end', async () => {
    const t = await setup();
    const { sid, link } = await t.create({ candidate: 'E', question_id: ['q_1803e414'] });
    await t.join(link);
    await t.candidate('POST', `/s/${sid}/answer`, { answer: 'def to_int(s):\n    return 0', idempotency_key: 'k' });
    await t.services.runner.idle();
    await t.interviewer.req('POST', `/live/${sid}/finish`, {});
    const summary = await (await t.candidate('GET', `/s/${sid}/summary`)).text();
    expect(summary).toContain('to_int');
    expect(summary).not.toContain(MODEL);
    const token = new URL(link).searchParams.get('t')!;
    // The link was used once and still works for the API (same token).
    const transcript = await t.app.request(`/api/sessions/${sid}/transcript`, { headers: { authorization: `Bearer ${token}` } });
    const body = await transcript.text();
    expect(transcript.status).toBe(200);
    expect(body).not.toContain('ord(\\"0\\")');
    expect(body).not.toContain('reference_solution');
    expect(JSON.parse(body).turns[0].grade.tests.visible.every((x: { hidden: boolean }) => !x.hidden)).toBe(true);
  });

  it('cannot read model answers on the bank pages when the site keeps them for staff', async () => {
    const open = await setup();
    expect(await (await open.candidate('GET', '/questions/q_22712696')).text()).toContain(lock.model_answer.slice(0, 12));
    const closed = await setup(undefined, { PUBLIC_ANSWERS: 'false' });
    const page = await (await closed.candidate('GET', '/questions/q_22712696')).text();
    expect(page).not.toContain(lock.model_answer.slice(0, 12));
    expect(page).toContain('参考答案只对面试官开放');
    expect(await (await closed.interviewer.req('GET', '/questions/q_22712696')).text()).toContain(lock.model_answer.slice(0, 12));
  });

  it('records large pastes and leaving the tab for the interviewer only, and never in solo practice', async () => {
    const t = await setup();
    const { sid, link } = await t.create();
    await t.join(link);
    expect((await t.candidate('POST', `/s/${sid}/signals`, { kind: 'paste', chars: '312' })).status).toBe(204);
    expect((await t.candidate('POST', `/s/${sid}/signals`, { kind: 'blur' })).status).toBe(204);
    expect((await t.candidate('POST', `/s/${sid}/signals`, { kind: 'evil' })).status).toBe(400);
    const live = await livePage(t, t.interviewer, sid);
    expect(live).toContain('在答题框粘贴了 312 个字符');
    expect(live).toContain('离开了页面');
    expect(await (await t.candidate('GET', `/s/${sid}`)).text()).not.toContain('312 个字符');

    const solo = t.services.interviews.create({ questionIds: ['q_22712696'] });
    if ('refused' in solo) throw new Error(solo.message);
    expect(t.services.interviews.recordSignal(solo.session, 'paste', 500)).toBe(false);
    expect(t.db.select().from(signals).all().filter((s) => s.sessionId === solo.session.id)).toHaveLength(0);
  });

  it('shows the draft as it is typed only when the candidate agreed', async () => {
    const t = await setup();
    const { sid, link } = await t.create();
    await t.join(link);
    await t.candidate('POST', `/s/${sid}/draft`, { answer: '我的草稿：SET NX' });
    expect(await livePage(t, t.interviewer, sid)).not.toContain('我的草稿');
    expect((await t.candidate('POST', `/s/${sid}/consent`, { share: '1' })).status).toBe(303);
    expect(await livePage(t, t.interviewer, sid)).toContain('我的草稿：SET NX');
    await t.candidate('POST', `/s/${sid}/consent`, { share: '0' });
    expect(await livePage(t, t.interviewer, sid)).not.toContain('我的草稿');
  });
});

describe('the live view', () => {
  it('shows the interviewer what the candidate never sees: rubric, model answer, hidden tests, how it was graded', async () => {
    const t = await setup();
    const { sid, link } = await t.create({ candidate: 'C', question_id: ['q_1803e414'] });
    await t.join(link);
    const code = 'def to_int(s):\n    n = 0\n    for c in s:\n        n = n * 10 + ord(c) - 48\n    return n';
    await t.candidate('POST', `/s/${sid}/answer`, { answer: code, idempotency_key: 'k' });
    await t.services.runner.idle();
    const live = await livePage(t, t.interviewer, sid);
    expect(live).toContain(MODEL);
    expect(live).toContain('hidden-test'); // the hidden test, with its verdict
    expect(live).toContain('<span class="verdict">passed</span>');
    expect(live).not.toContain('sandbox is unavailable');
    expect(live).toContain('评分过程');
    const mine = await (await t.candidate('GET', `/s/${sid}`)).text();
    expect(mine).not.toContain(MODEL);
    expect(mine).not.toContain('hidden-test');
    expect(mine).not.toContain('评分过程');
  });

  it('streams each change as partials: the answer as it arrives, then its grade', async () => {
    const t = await setup();
    const { sid, link } = await t.create();
    await t.join(link);
    const res = await t.app.request(`http://localhost/live/${sid}/events`, { headers: { cookie: t.interviewer.cookie } });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = '';
    const until = async (needle: string) => {
      const deadline = Date.now() + 5000;
      while (!seen.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`no "${needle}" in:\n${seen}`);
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before "${needle}"`);
        seen += decoder.decode(value);
      }
    };
    const cur = t.services.interviews.current(sid)!;
    await t.candidate('POST', `/s/${sid}/answer`, { answer: STRONG, idempotency_key: 'k' });
    await until(`hx-target="#observed-${cur.id}"`);
    await until('SET lock_key token NX PX 30000');
    await t.services.runner.idle();
    await until('评分过程');
    // The steering panel follows: the answered turn offers the AI's follow-up to approve.
    await until(`hx-target="#steer"`);
    await reader.cancel();
  });

  it('steers: an edited follow-up, a hint, the next question chosen from the bank, the clock, the end', async () => {
    let now = 1_000_000;
    const t = await setup(() => now);
    const { sid, link } = await t.create({ candidate: 'D', question_id: ['q_22712696', 'q_1803e414'], seconds: '600' });
    await t.join(link);
    const htmx = { headers: { 'hx-request': 'true' } };

    // A hint, given by the interviewer, reaches the candidate and lowers the maximum.
    expect((await t.interviewer.req('POST', `/live/${sid}/hint`, {}, htmx)).status).toBe(200);
    expect(await (await t.candidate('GET', `/s/${sid}`)).text()).toContain(lock.hints[0]!);

    // The clock: 60 s paused do not count against the candidate.
    now += 30_000;
    await t.interviewer.req('POST', `/live/${sid}/pause`, { paused: '1' }, htmx);
    expect(await (await t.candidate('GET', `/s/${sid}`)).text()).toContain('计时已暂停');
    now += 60_000;
    await t.interviewer.req('POST', `/live/${sid}/pause`, { paused: '0' }, htmx);
    now += 10_000;
    await t.candidate('POST', `/s/${sid}/answer`, { answer: STRONG, idempotency_key: 'k' });
    const first = t.db.select().from(turns).all().find((x) => x.sessionId === sid)!;
    expect(first.timeTakenMs).toBe(40_000);
    expect(first.pausedMs).toBe(60_000);
    await t.services.runner.idle();

    // The follow-up as the interviewer edited it, not as the AI suggested it.
    const panel = await (await t.interviewer.req('GET', `/live/${sid}`)).text();
    expect(panel).toContain('name="text"');
    await t.interviewer.req('POST', `/live/${sid}/follow-up`, { text: '锁过期了但业务没做完，怎么办？' }, htmx);
    const cur = t.services.interviews.current(sid)!;
    expect(cur.followUpOf).toBe(first.id);
    expect(cur.question.prompt).toBe('锁过期了但业务没做完，怎么办？');
    expect(await (await t.candidate('GET', `/s/${sid}`)).text()).toContain('锁过期了但业务没做完，怎么办？');

    // The next question: one from the bank instead of the planned one; never one already asked.
    const again = await t.interviewer.req('POST', `/live/${sid}/next`, { picked_id: 'q_22712696' }, htmx);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already asked');
    const other = t.services.interviews.turns(sid).length;
    await t.interviewer.req('POST', `/live/${sid}/next`, { picked_id: 'q_c4ab22ee' }, htmx);
    expect(t.services.interviews.current(sid)!.questionId).toBe('q_c4ab22ee');
    expect(t.services.interviews.turns(sid)).toHaveLength(other + 1);
    expect(t.services.interviews.get(sid)!.plan).toEqual(['q_22712696', 'q_c4ab22ee']);

    // A new link locks out the old one.
    const oldCookie = await t.candidate('GET', `/s/${sid}`);
    expect(oldCookie.status).toBe(200);
    await t.interviewer.req('POST', `/live/${sid}/link`, {});
    expect((await t.candidate('GET', `/s/${sid}`)).status).toBe(404);

    expect((await t.interviewer.req('POST', `/live/${sid}/finish`, {})).status).toBe(303);
    expect(t.services.interviews.get(sid)!.status).toBe('finished');
  });

  it('catches a live view up after a lost connection: stale turns replaced, missed ones appended, never doubled', async () => {
    const t = await setup();
    const { sid, link } = await t.create();
    await t.join(link);
    const first = t.services.interviews.current(sid)!;
    // While the interviewer's connection is down (it had heard of one turn): an answer, then a follow-up.
    await t.candidate('POST', `/s/${sid}/answer`, { answer: STRONG, idempotency_key: 'k' });
    await t.services.runner.idle();
    await t.interviewer.req('POST', `/live/${sid}/follow-up`, { text: '如果锁过期了怎么办？' });
    const res = await t.app.request(`http://localhost/live/${sid}/events?turns=1`, { headers: { cookie: t.interviewer.cookie, 'last-event-id': '1' } });
    const reader = res.body!.getReader();
    let message = '';
    while (!message.includes('\n\n')) message += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(message).toMatch(/^id: 2$/m);
    expect(message).toContain(`<hx-partial hx-target="#observed-${first.id}" hx-swap="outerHTML">`);
    expect(message).toContain('SET lock_key token NX PX 30000');
    expect(message.match(/hx-target="#live-turns" hx-swap="beforeend"/g)).toHaveLength(1);
    expect(message).toContain('如果锁过期了怎么办？');
    expect(message).toContain('hx-target="#steer"');
    expect(message).toContain('hx-target="#live-state"');
  });

  it('tells the candidate page to follow when the interviewer steers', async () => {
    const t = await setup();
    const { sid, link } = await t.create();
    await t.join(link);
    const res = await t.candidate('GET', `/s/${sid}/events`);
    const reader = res.body!.getReader();
    await t.interviewer.req('POST', `/live/${sid}/hint`, {});
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain('event: changed');
    await reader.cancel();
  });

  it('is for interviewers only, and every steering post needs the CSRF token', async () => {
    const t = await setup();
    const { sid, link } = await t.create();
    const reviewer = await signIn(t, 'reviewer');
    expect((await reviewer.req('GET', `/live/${sid}`)).status).toBe(403);
    expect((await reviewer.req('GET', '/interviews')).status).toBe(403);
    const anon = await t.app.request(`http://localhost/live/${sid}`, { redirect: 'manual' });
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`/live/${sid}`)}`);
    await t.join(link);
    expect((await t.candidate('GET', `/live/${sid}`)).status).toBe(303);
    expect((await t.candidate('GET', `/live/${sid}/events`)).status).toBe(303);
    const before = t.services.interviews.current(sid)!.hintsUsed;
    expect((await t.interviewer.req('POST', `/live/${sid}/hint`, {}, { csrf: false })).status).toBe(403);
    expect((await t.interviewer.req('POST', `/live/${sid}/hint`, {}, { csrf: false, headers: { 'x-csrf-token': 'guess' } })).status).toBe(403);
    expect(t.services.interviews.current(sid)!.hintsUsed).toBe(before);
    // A solo session has no live view.
    const solo = t.services.interviews.create({ questionIds: ['q_22712696'] });
    if ('refused' in solo) throw new Error(solo.message);
    expect((await t.interviewer.req('GET', `/live/${solo.session.id}`)).status).toBe(404);
  });
});
