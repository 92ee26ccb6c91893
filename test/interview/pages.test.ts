import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grades } from '../../src/db/schema.ts';
import { RubricSchema } from '../../src/rubrics/schema.ts';
import { testApp } from '../helpers/app.ts';

const lock = RubricSchema.parse(JSON.parse(readFileSync(new URL('../fixtures/rubrics/q_22712696.json', import.meta.url), 'utf8')));
const ORIGIN = 'http://localhost';
const STRONG = '用 Redis 加锁时用一条命令 SET lock_key token NX PX 30000，这样设置值和过期时间是原子的。锁的值是自己的随机 token，释放时用 Lua 脚本先比较 token 再删除，避免误删别人的锁。';

function setup() {
  const t = testApp({ rubrics: new Map([[lock.question_id, lock]]) });
  let cookie = '';
  const req = async (method: string, path: string, form?: Record<string, string | string[]>, headers: Record<string, string> = {}) => {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]))) : undefined;
    const res = await t.app.request(`http://localhost${path}`, {
      method,
      body,
      headers: { ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(method === 'POST' ? { origin: ORIGIN } : {}), ...(cookie ? { cookie } : {}), ...headers },
      redirect: 'manual',
    });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return res;
  };
  /** Start an interview from the start page's form, as a browser would. */
  const start = async (form: Record<string, string | string[]> = { mode: 'again', question_id: ['q_22712696', 'q_c4ab22ee'] }) => {
    const res = await req('POST', '/sessions', form);
    expect(res.status).toBe(303);
    const sid = res.headers.get('location')!.replace('/s/', '');
    return { sid, res };
  };
  return { ...t, req, start, cookie: () => cookie, setCookie: (c: string) => (cookie = c) };
}

describe('the start page', () => {
  it('offers topics, kinds, difficulty, count, time and a profile', async () => {
    const { req } = setup();
    const html = await (await req('GET', '/')).text();
    for (const name of ['topic', 'kind', 'difficulty', 'count', 'seconds', 'profile']) expect(html).toContain(`name="${name}"`);
    expect(html).toContain('value="surprise"');
  });

  it('starts a session and keeps its token in an HttpOnly cookie scoped to the session', async () => {
    const { start } = setup();
    const { sid, res } = await start({ mode: 'chosen', kind: 'concept', count: '3' });
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(new RegExp(`^s_${sid}=[A-Za-z0-9_-]{43}; Max-Age=\\d+; Path=/s/${sid}; HttpOnly; SameSite=Lax`));
  });

  it('says so when no question matches', async () => {
    const { req } = setup();
    const res = await req('POST', '/sessions', { mode: 'chosen', topic: 'blockchain', kind: 'coding' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('没有符合这些条件的题目');
  });

  it('refuses a state change from another site (CSRF)', async () => {
    const { req } = setup();
    const res = await req('POST', '/sessions', { mode: 'surprise' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });
});

describe('the chat page', () => {
  it('shows the question and a composer; an answer comes back as the turn, grading streamed over SSE', async () => {
    const { req, start, services } = setup();
    const { sid } = await start();
    const page = await (await req('GET', `/s/${sid}`)).text();
    expect(page).toContain('第 1 / 2 题');
    expect(page).toContain('name="idempotency_key"');
    expect(page).toContain(`hx-post="/s/${sid}/draft"`);
    const res = await req('POST', `/s/${sid}/answer`, { answer: STRONG, idempotency_key: 'k1' });
    expect(res.status).toBe(200);
    const turn = await res.text();
    expect(turn).toMatch(/^<section class="turn current" id="turn-/);
    const stream = /hx-sse:connect="([^"]+)"/.exec(turn)?.[1];
    expect(stream).toMatch(new RegExp(`^/s/${sid}/grades/[\\w-]+/stream$`));
    const sse = await (await req('GET', stream!)).text();
    expect(sse).toContain('event: done');
    expect(sse).toMatch(/data: .*class="grade-body"/);
    expect(sse).toContain('自动评分（未使用大模型）');
    await services.runner.idle();
    // A reload shows the finished grade, with the actions.
    const reloaded = await (await req('GET', `/s/${sid}`)).text();
    expect(reloaded).toContain('class="grade-body"');
    expect(reloaded).toContain(`hx-post="/s/${sid}/next"`);
  });

  it('records one answer for a double submit', async () => {
    const { req, start, db } = setup();
    const { sid } = await start();
    await Promise.all([req('POST', `/s/${sid}/answer`, { answer: STRONG, idempotency_key: 'same' }), req('POST', `/s/${sid}/answer`, { answer: STRONG, idempotency_key: 'same' })]);
    await req('POST', `/s/${sid}/answer`, { answer: STRONG, idempotency_key: 'another-click' });
    expect(db.select().from(grades).all()).toHaveLength(1);
  });

  it('keeps the draft across a reload', async () => {
    const { req, start } = setup();
    const { sid } = await start();
    expect((await req('POST', `/s/${sid}/draft`, { answer: '写到一半的<b>草稿</b>' })).status).toBe(204);
    const page = await (await req('GET', `/s/${sid}`)).text();
    expect(page).toContain('写到一半的&lt;b&gt;草稿&lt;/b&gt;</textarea>');
  });

  it('refuses an empty answer with a friendly message, storing nothing', async () => {
    const { req, start, db } = setup();
    const { sid } = await start();
    const res = await req('POST', `/s/${sid}/answer`, { answer: '   ' });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/empty/);
    expect(db.select().from(grades).all()).toHaveLength(0);
  });

  it('gives hints, then moves on with partials that close this turn and open the next', async () => {
    const { req, start } = setup();
    const { sid } = await start();
    expect(await (await req('POST', `/s/${sid}/hint`)).text()).toContain(lock.hints[0]!);
    expect(await (await req('POST', `/s/${sid}/hint`)).text()).toContain('no more hints');
    const next = await (await req('POST', `/s/${sid}/next`)).text();
    expect(next).toMatch(/^<hx-partial hx-target="#turn-[\w-]+" hx-swap="outerHTML"><section class="turn" id="turn-/);
    expect(next).toContain('已跳过');
    expect(next).toContain('<hx-partial hx-target="#chat" hx-swap="beforeend"><section class="turn current"');
    const last = await req('POST', `/s/${sid}/next`);
    expect(last.headers.get('hx-redirect')).toBe(`/s/${sid}/summary`);
  });

  it('shows a settled turn the same from its kept HTML as when first rendered, with its grade and hints', async () => {
    const { req, start, services } = setup();
    const { sid } = await start();
    await req('POST', `/s/${sid}/hint`);
    await req('POST', `/s/${sid}/answer`, { answer: STRONG, idempotency_key: 'k' });
    await services.runner.idle();
    await req('POST', `/s/${sid}/next`);
    const settledTurn = (html: string) => /<section class="turn" id="turn-[\s\S]*?<\/section>/.exec(html)![0];
    const first = settledTurn(await (await req('GET', `/s/${sid}`)).text());
    const again = settledTurn(await (await req('GET', `/s/${sid}`)).text());
    expect(again).toBe(first);
    expect(first).toContain(lock.hints[0]!);
    expect(first).toContain('SET lock_key token NX PX 30000');
    expect(first).toMatch(/class="score \w+"[^>]*><strong>\d/);
  });

  it('escapes everything a candidate types', async () => {
    const { req, start, services } = setup();
    const { sid } = await start();
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)><div hx-get="/api/x" hx-trigger="load">';
    const turn = await (await req('POST', `/s/${sid}/answer`, { answer: evil })).text();
    await services.runner.idle();
    for (const html of [turn, await (await req('GET', `/s/${sid}`)).text()]) {
      expect(html).not.toContain('<script>alert');
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<div hx-get="/api/x"');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });
});

describe('access to a session', () => {
  it('answers 404 without its token, with another one, or for an unknown id', async () => {
    const { req, start, setCookie } = setup();
    const { sid } = await start();
    setCookie(`s_${sid}=wrong`);
    expect((await req('GET', `/s/${sid}`)).status).toBe(404);
    setCookie('');
    expect((await req('GET', `/s/${sid}`)).status).toBe(404);
    expect((await req('GET', '/s/nonexistent')).status).toBe(404);
  });

  it('accepts a link that carries the token once, then keeps it out of the address', async () => {
    const { app, services } = setup();
    const created = services.interviews.create({ questionIds: ['q_22712696'] });
    if ('refused' in created) throw new Error(created.message);
    const res = await app.request(`/s/${created.session.id}?t=${created.token}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/s/${created.session.id}`);
    expect(res.headers.get('set-cookie')).toContain(`s_${created.session.id}=${created.token}`);
  });
});

describe('the summary', () => {
  it('shows scores by topic, missed key points, every answer and — only now — the model answers', async () => {
    const { req, start, services } = setup();
    const { sid } = await start();
    expect((await req('GET', `/s/${sid}/summary`)).status).toBe(409);
    await req('POST', `/s/${sid}/answer`, { answer: STRONG });
    await services.runner.idle();
    const modelAnswer = '设置值和过期时间是原子的；释放锁时用 Lua 脚本比较 token 后再删除';
    expect(lock.model_answer).toContain(modelAnswer);
    const chat = await (await req('GET', `/s/${sid}`)).text();
    expect(chat).not.toContain(modelAnswer);
    const fin = await req('POST', `/s/${sid}/finish`);
    expect(fin.headers.get('location')).toBe(`/s/${sid}/summary`);
    const html = await (await req('GET', `/s/${sid}/summary`)).text();
    expect(html).toContain('面试总结');
    expect(html).toContain('各主题表现');
    expect(html).toContain(modelAnswer);
    expect(html).toContain('000_75e8f1775bef099b.txt:131'); // the correction the rubric records
    expect(html).toContain('再练这些题');
    expect((await req('GET', `/s/${sid}`)).headers.get('location')).toBe(`/s/${sid}/summary`);
  });
});
