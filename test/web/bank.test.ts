import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Bank } from '../../src/bank/bank.ts';
import { BankStore } from '../../src/bank/store.ts';
import { loadRubrics } from '../../src/rubrics/load.ts';
import { bank, testApp } from '../helpers/app.ts';

const { app } = testApp();
const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers });
const count = (html: string) => (html.match(/<li><a href="\/questions\/q_/g) ?? []).length;

describe('GET /healthz', () => {
  it('answers 200 when the bank is loaded and the database answers', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ questions: 137, database: true });
  });

  it('answers 503 when the database does not', async () => {
    const broken = testApp();
    broken.db.$client.close();
    const res = await broken.app.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'down', database: false });
  });
});

describe('the bank page', () => {
  it('lists every question with filters for topic, kind and difficulty', async () => {
    const res = await get('/questions');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(count(html)).toBe(137);
    expect(html).toContain('共 137 题');
    expect(html).toContain('name="topic" value="distributed-systems"');
    expect(html).toContain('name="kind" value="coding"');
    expect(html).toContain('name="difficulty" value="hard"');
  });

  it('filters by kind, topic and difficulty, combining them', async () => {
    const coding = bank.questions.filter((q) => q.kind === 'coding').length;
    expect(count(await (await get('/questions?kind=coding')).text())).toBe(coding);
    const net = bank.questions.filter((q) => q.topics.includes('networking')).length;
    expect(count(await (await get('/questions?topic=networking')).text())).toBe(net);
    const both = bank.questions.filter((q) => q.topics.includes('python') && q.kind === 'coding' && q.difficulty === 'easy').length;
    expect(both).toBeGreaterThan(0);
    expect(count(await (await get('/questions?topic=python&kind=coding&difficulty=easy')).text())).toBe(both);
  });

  it('searches question text, including other wordings of merged questions', async () => {
    const html = await (await get(`/questions?q=${encodeURIComponent('分布式锁')}`)).text();
    expect(html).toContain('如何在分布式系统中实现分布式锁？');
    expect(html).toContain('什么是分布式锁？');
    expect(html).not.toContain('什么是分布式调度？');
    // "身份验证" is only an alternative wording of the 身份认证 question.
    const alt = await (await get(`/questions?q=${encodeURIComponent('去中心化身份验证')}`)).text();
    expect(count(alt)).toBe(1);
    // Width and case do not matter; terms are ANDed.
    expect(count(await (await get(`/questions?q=${encodeURIComponent('ＴＣＰ 滑动')}`)).text())).toBe(1);
  });

  it('ignores filter values it does not know instead of failing', async () => {
    const res = await get('/questions?kind=bogus&topic=%3Cscript%3E&difficulty=');
    expect(res.status).toBe(200);
    expect(count(await res.text())).toBe(137);
  });

  it('answers an htmx request with the results fragment only', async () => {
    const res = await get('/questions?kind=design', { 'HX-Request': 'true', 'HX-Request-Type': 'partial' });
    const html = await res.text();
    expect(html.startsWith('<section id="results"')).toBe(true);
    expect(html).not.toContain('<html');
  });

  it('serves htmx from node_modules, not a CDN', async () => {
    const html = await (await get('/questions')).text();
    expect(html).toContain('<script src="/static/htmx.js" defer="">');
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    const js = await get('/static/htmx.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toMatch(/htmx/);
    expect((await get('/static/app.css')).status).toBe(200);
    expect((await get('/static/nope.js')).status).toBe(404);
  });

  it('sends a Content-Security-Policy without inline scripts, and nosniff', async () => {
    const res = await get('/questions');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('a question page', () => {
  it('renders the reference answer with highlighted code, and the sources', async () => {
    const lock = bank.questions.find((q) => q.sources.length === 21)!;
    const res = await get(`/questions/${lock.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`<h1>${lock.title}</h1>`);
    expect(html).toMatch(/<pre class="code" data-lang="python"><code class="hljs language-python"><span class="hljs-keyword">import<\/span>/);
    expect(html).toContain('000_75e8f1775bef099b.txt:131');
    expect(html).toContain('004_9f3b583a6e7779ee.txt:848');
    expect(html).toContain('如何实现一个分布式锁？'); // another wording, listed
    expect(html).toMatch(/其他来源中的代码 \(\d+\)/);
  });

  it('shows the curated model answer and its corrections, never the document answer it replaces', async () => {
    const { rubrics } = loadRubrics(fileURLToPath(new URL('../../rubrics/', import.meta.url)));
    const curated = testApp({ rubrics });
    const q = bank.get('q_14327bfa')!;
    const rubric = rubrics.get(q.id)!;
    const html = await (await curated.app.request(`/questions/${q.id}`)).text();
    expect(html).toContain('参考答案经人工校对');
    expect(html).toContain(rubric.key_points[0]!.point);
    expect(html).toContain(rubric.corrections[0]!.correct);
    // The document's wrong claim: a subclass of an abstract class may skip its abstract methods.
    const wrong = '子类继承抽象类时可以选择实现抽象方法，也可以不实现';
    expect(q.reference.text).toContain(wrong);
    expect(html).not.toContain(wrong);
    expect(await (await get(`/questions/${q.id}`)).text()).toContain(wrong); // without a curated rubric
    // One click starts an interview on just this question.
    expect(html).toContain(`<input type="hidden" name="question_id" value="${q.id}"/>`);
    const started = await curated.app.request('http://localhost/sessions', { method: 'POST', body: new URLSearchParams({ mode: 'again', question_id: q.id }), headers: { origin: 'http://localhost' } });
    expect(started.status).toBe(303);
    const chat = await (await curated.app.request(`http://localhost${started.headers.get('location')}`, { headers: { cookie: started.headers.get('set-cookie')!.split(';')[0]! } })).text();
    expect(chat).toContain(q.title);
  });

  it('answers 404 for an unknown question', async () => {
    const res = await get('/questions/q_00000000');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('题库里没有这道题。');
  });
});

describe('language', () => {
  it('follows Accept-Language, and ?lang= switches and is remembered', async () => {
    expect(await (await get('/questions', { 'Accept-Language': 'en-US,en;q=0.9' })).text()).toContain('137 questions');
    expect(await (await get('/questions', { 'Accept-Language': 'fr-FR, zh-CN;q=0.8, en;q=0.5' })).text()).toContain('共 137 题');
    const switched = await get('/questions?lang=en', { 'Accept-Language': 'zh-CN' });
    expect(await switched.text()).toContain('137 questions');
    const cookie = switched.headers.get('set-cookie')!;
    expect(cookie).toMatch(/lang=en;.*HttpOnly/);
    expect(await (await get('/questions', { Cookie: 'lang=en', 'Accept-Language': 'zh-CN' })).text()).toContain('Question bank');
  });

  it('offers the switch on every page, keeping the page', async () => {
    const html = await (await get('/questions?kind=coding')).text();
    expect(html).toContain('href="/questions?kind=coding&amp;lang=en"');
  });
});

describe('escaping', () => {
  it('never renders text from the documents as HTML', async () => {
    const evil: Bank = {
      questions: [
        {
          id: 'q_0000abcd',
          title: '<script>alert(1)</script>什么是XSS？',
          prompt: '<img src=x onerror=alert(1)> 解释 XSS',
          kind: 'concept',
          topics: ['networking'],
          difficulty: 'easy',
          reference: { text: 'Answer <b hx-get="/x">bold</b> [link](javascript:alert(1))', code: [{ lang: 'html"><script>', source: '</code><script>alert(2)</script>' }] },
          sources: [{ doc: '<i>doc</i>', line: 1 }],
          alt_titles: ['<svg onload=alert(3)>'],
        },
      ],
    };
    const evilApp = testApp({ bank: new BankStore(evil) }).app;
    for (const path of ['/questions', '/questions/q_0000abcd', '/questions?q=%3Cscript%3E']) {
      const html = await (await evilApp.request(path)).text();
      expect(html).not.toMatch(/<script>alert|<img src=x|<b hx-get|<svg onload|href="javascript:|<i>doc/);
    }
    const html = await (await evilApp.request('/questions/q_0000abcd')).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;什么是XSS？');
  });
});

describe('notices', () => {
  it('show on every page, e.g. when code runs without a sandbox', async () => {
    const { app: unsafe } = testApp({ notices: ['UNSAFE: code answers run WITHOUT a sandbox (SANDBOX_UNSAFE_LOCAL=true)'] });
    for (const path of ['/questions', `/questions/${bank.questions[0]!.id}`, '/nope']) {
      expect(await (await unsafe.request(path)).text()).toContain('<div class="banner" role="alert">UNSAFE: code answers run WITHOUT a sandbox');
    }
  });
});
