// What an operator sees: a JSON line per request and per grade, /metrics in Prometheus' format
// (only for this machine, or with METRICS_TOKEN), and /healthz that checks the database and runs
// code in the sandbox.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createJudge } from '../../src/grading/judge.ts';
import { Observer, type LogLine } from '../../src/observe.ts';
import { RubricSchema } from '../../src/rubrics/schema.ts';
import { createSandbox } from '../../src/sandbox/run.ts';
import { testApp } from '../helpers/app.ts';
import { chatCompletion, startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.ts';

const lock = RubricSchema.parse(JSON.parse(readFileSync(new URL('../fixtures/rubrics/q_22712696.json', import.meta.url), 'utf8')));
const local = { incoming: { socket: { remoteAddress: '127.0.0.1' } } };
const remote = { incoming: { socket: { remoteAddress: '203.0.113.9' } } };

let fake: FakeOpenAI | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const rubrics = new Map([[lock.question_id, lock]]);

/** Start a session and answer its question through the JSON API. */
async function answerOnce(app: ReturnType<typeof testApp>['app']) {
  const json = { 'content-type': 'application/json' };
  const s = await (await app.request('/api/sessions', { method: 'POST', headers: json, body: JSON.stringify({ question_ids: ['q_22712696'] }) })).json();
  await app.request(`/api/sessions/${s.id}/answers`, { method: 'POST', headers: { ...json, authorization: `Bearer ${s.token}` }, body: JSON.stringify({ answer: '用 SET key token NX PX 30000 加锁' }) });
}

describe('request logs and /metrics', () => {
  it('log one JSON line per request with its route pattern, status and duration', async () => {
    const lines: LogLine[] = [];
    const { app } = testApp({ observer: new Observer((l) => lines.push(l)) });
    await app.request('/questions/q_22712696');
    await app.request('/questions/q_nope');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'request', method: 'GET', route: '/questions/:id', status: 200, ms: expect.any(Number) }),
      expect.objectContaining({ msg: 'request', route: '/questions/:id', status: 404 }),
    ]);
  });
});

describe('/metrics', () => {
  it('counts requests by route and grades by grader, for this machine only', async () => {
    const lines: LogLine[] = [];
    const observer = new Observer((l) => lines.push(l), { queueDepth: () => 7 });
    const t = testApp({ rubrics, observer });
    const app = t.app;
    await answerOnce(app);
    await t.services.runner.idle();

    expect((await app.request('/metrics', {}, remote)).status).toBe(403);
    expect((await app.request('/metrics', { headers: { 'x-forwarded-for': '1.2.3.4' } }, local)).status).toBe(403);
    const res = await app.request('/metrics', {}, local);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('mianshi_http_requests_total{method="POST",route="/api/sessions/:id/answers",status="200"} 1');
    expect(text).toMatch(/mianshi_http_request_duration_seconds_count\{method="POST",route="\/api\/sessions"\} 1/);
    expect(text).toContain('mianshi_grades_total{grader="deterministic",outcome="done"} 1');
    expect(text).toContain('mianshi_grade_queue_depth 7');
    expect(lines.find((l) => l.msg === 'graded')).toMatchObject({ grader: 'deterministic', flags: expect.arrayContaining(['llm_unavailable']) });
  });

  it('are readable from elsewhere with METRICS_TOKEN', async () => {
    const { app } = testApp({ env: { METRICS_TOKEN: 'a-long-enough-secret' } });
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer a-long-enough-secret' } }, remote)).status).toBe(200);
    expect((await app.request('/metrics', { headers: { authorization: 'Bearer wrong' } }, local)).status).toBe(403);
  });

  it('count every failed LLM attempt by kind, and the grades that fell back', async () => {
    fake = await startFakeOpenAI();
    fake.script({ status: 429, json: { error: { message: 'slow down' } } }, { json: chatCompletion('this is not JSON') }, { status: 500, json: { error: { message: 'boom' } } });
    const observer = new Observer();
    const judge = createJudge({ apiKey: 'k', baseURL: fake.url, model: 'm', maxAttempts: 3, backoffMs: 1, onFailure: (kind, status) => observer.llmError(kind, status) });
    const t = testApp({ rubrics, grading: { judge }, observer });
    const app = t.app;
    await answerOnce(app);
    await t.services.runner.idle();
    const text = await (await app.request('/metrics', {}, local)).text();
    expect(text).toContain('mianshi_llm_errors_total{kind="status_429"} 1');
    expect(text).toContain('mianshi_llm_errors_total{kind="malformed"} 1');
    expect(text).toContain('mianshi_llm_errors_total{kind="status_500"} 1');
    expect(text).toContain('mianshi_llm_fallbacks_total 1');
  });
});

describe('/healthz', () => {
  it('runs code in the sandbox and reports how it is isolated', async () => {
    const { app } = testApp({ sandbox: createSandbox({ uidBase: 62100 }) });
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', database: true, sandbox: { ok: true, isolation: 'sandbox' }, grading_queue: 0 });
  });

  it('says degraded, not down, when code cannot run; down (503) when the database does not answer', async () => {
    const t = testApp();
    const res = await t.app.request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'degraded', database: true, sandbox: { ok: false } });
    t.db.$client.close();
    const down = await t.app.request('/healthz');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'down', database: false });
  });
});
