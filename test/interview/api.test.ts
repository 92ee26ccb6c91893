import { describe, expect, it } from 'vitest';
import { grades, turns } from '../../src/db/schema.ts';
import { createSandbox } from '../../src/sandbox/run.ts';
import { testApp } from '../helpers/app.ts';
import { lock, STRONG, toInt } from '../helpers/rubrics.ts';

const rubrics = new Map([
  [lock.question_id, lock],
  [toInt.question_id, toInt],
]);

function setup() {
  const t = testApp({ rubrics, grading: { sandbox: createSandbox({ uidBase: 61560 }) } });
  const call = async (method: string, path: string, body?: unknown, token?: string, raw?: string) => {
    const res = await t.app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const start = async (body: unknown = { question_ids: ['q_22712696', 'q_1803e414'] }) => {
    const r = await call('POST', '/api/sessions', body);
    expect(r.status).toBe(201);
    return r.json as { id: string; token: string; question: { id: string; title: string; prompt: string; kind: string } };
  };
  return { ...t, call, start };
}

describe('POST /api/sessions', () => {
  it('creates a session with an unguessable token and asks the first question', async () => {
    const { start } = setup();
    const s = await start();
    expect(s.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
    expect(s.question).toEqual({ id: 'q_22712696', title: expect.any(String), prompt: expect.any(String), kind: 'design' });
  });

  it('draws questions by kind and count, never the same one twice', async () => {
    const { call, start } = setup();
    const s = await start({ count: 3, kinds: ['concept'] });
    const seen = [s.question.id];
    for (let i = 0; i < 2; i++) {
      const n = await call('POST', `/api/sessions/${s.id}/next`, undefined, s.token);
      seen.push(n.json.question.id);
      expect(n.json.question.kind).toBe('concept');
    }
    expect(new Set(seen).size).toBe(3);
    expect((await call('POST', `/api/sessions/${s.id}/next`, undefined, s.token)).json).toEqual({ finished: true });
  });

  it('says what is wrong with a bad request', async () => {
    const { call } = setup();
    const bad = await call('POST', '/api/sessions', undefined, undefined, '{"count": 3,');
    expect(bad.status).toBe(400);
    expect(bad.json.message).toMatch(/^the request body is not valid JSON/);
    const field = await call('POST', '/api/sessions', { count: 'five', colour: 'red' });
    expect(field.status).toBe(400);
    expect(field.json.message).toContain('count: Invalid input: expected number, received string');
    expect(field.json.message).toContain('unknown field "colour"');
    const none = await call('POST', '/api/sessions', { question_ids: ['q_nope'] });
    expect(none).toMatchObject({ status: 422, json: { error: 'unknown_question' } });
  });
});

describe('answers', () => {
  it('grades an answer and says it was graded without an LLM', async () => {
    const { call, start } = setup();
    const s = await start();
    const r = await call('POST', `/api/sessions/${s.id}/answers`, { answer: STRONG }, s.token);
    expect(r.status).toBe(200);
    expect(r.json.grade).toMatchObject({ status: 'done', grader: 'deterministic', note: 'graded by the deterministic checks only (no LLM)' });
    expect(r.json.grade.score).toBeGreaterThanOrEqual(5);
    expect(r.json.grade.flags).toContain('llm_unavailable');
  });

  it('stores one answer for the same idempotency key, and for a double submit', async () => {
    const { call, start, db } = setup();
    const s = await start();
    const body = { answer: STRONG, idempotency_key: 'k-1' };
    const [a, b] = await Promise.all([call('POST', `/api/sessions/${s.id}/answers`, body, s.token), call('POST', `/api/sessions/${s.id}/answers`, body, s.token)]);
    expect(a.json.answer_id).toBe(b.json.answer_id);
    const again = await call('POST', `/api/sessions/${s.id}/answers`, { answer: 'a different text' }, s.token);
    expect(again.json).toMatchObject({ answer_id: a.json.answer_id, replay: true });
    expect(db.select().from(grades).all()).toHaveLength(1);
    expect(db.select().from(turns).all().filter((t) => t.status === 'answered')).toHaveLength(1);
  });

  it('refuses an empty answer kindly and stores nothing', async () => {
    const { call, start, db } = setup();
    const s = await start();
    const r = await call('POST', `/api/sessions/${s.id}/answers`, { answer: '  \n ' }, s.token);
    expect(r).toMatchObject({ status: 422, json: { error: 'empty', message: expect.stringMatching(/empty/) } });
    expect(db.select().from(grades).all()).toHaveLength(0);
    expect(db.select().from(turns).all()[0]!.status).toBe('asked');
  });

  it('refuses answers over the limits, stating them', async () => {
    const { call, start } = setup();
    const s = await start();
    const prose = await call('POST', `/api/sessions/${s.id}/answers`, { answer: 'x'.repeat(20_001) }, s.token);
    expect(prose).toMatchObject({ status: 413, json: { message: 'answers are limited to 20,000 characters (this one has 20001)' } });
    await call('POST', `/api/sessions/${s.id}/next`, undefined, s.token);
    const code = await call('POST', `/api/sessions/${s.id}/answers`, { answer: '#'.repeat(65 * 1024) }, s.token);
    expect(code).toMatchObject({ status: 413, json: { message: 'code answers are limited to 64 KiB (this one is 65 KiB)' } });
    const huge = await call('POST', `/api/sessions/${s.id}/answers`, { answer: 'x'.repeat(300 * 1024) }, s.token);
    expect(huge).toMatchObject({ status: 413, json: { error: 'too_large' } });
  });

  it('runs a code answer in the sandbox; hidden tests show only as counts until the end', async () => {
    const { call, start } = setup();
    const s = await start({ question_ids: ['q_1803e414'] });
    expect(s.question).toMatchObject({ kind: 'coding', prompt: toInt.prompt });
    const r = await call('POST', `/api/sessions/${s.id}/answers`, { answer: '```python\ndef to_int(s):\n    return int(s)\n```', language: 'python' }, s.token);
    expect(r.json.grade.tests).toMatchObject({ passed: 2, total: 2, hidden_passed: 1, hidden_total: 1 });
    expect(r.json.grade.tests.visible).toHaveLength(1);
    expect(r.json.grade.tests.violations[0].message).toMatch(/int\(\)/);
    expect(r.json.grade.score).toBe(4);
    const during = await call('GET', `/api/sessions/${s.id}/transcript`, undefined, s.token);
    expect(JSON.stringify(during.json)).not.toContain('"-3"');
    expect(during.json.turns[0].reference).toBeUndefined();
    await call('POST', `/api/sessions/${s.id}/finish`, undefined, s.token);
    const after = await call('GET', `/api/sessions/${s.id}/transcript`, undefined, s.token);
    expect(after.json.turns[0].reference.tests).toHaveLength(2);
    expect(after.json.turns[0].reference.model_answer).toBe(toInt.model_answer);
  });
});

describe('moving on', () => {
  it('after a given turn only: a retried next does not skip a question', async () => {
    const { call, start } = setup();
    const s = await start({ count: 3, kinds: ['concept'] });
    const first = (await call('GET', `/api/sessions/${s.id}`, undefined, s.token)).json.current.answer_id;
    const moved = await call('POST', `/api/sessions/${s.id}/next`, { after: first }, s.token);
    const retried = await call('POST', `/api/sessions/${s.id}/next`, { after: first }, s.token);
    expect(retried.json).toEqual(moved.json);
    const turns = (await call('GET', `/api/sessions/${s.id}/transcript`, undefined, s.token)).json.turns;
    expect(turns).toHaveLength(2);
    expect((await call('POST', `/api/sessions/${s.id}/next`, { afterr: first }, s.token)).status).toBe(400);
  });
});

describe('hints, follow-ups, finishing', () => {
  it('a hint lowers the maximum; there are only so many', async () => {
    const { call, start } = setup();
    const s = await start({ question_ids: ['q_22712696'] });
    const h = await call('POST', `/api/sessions/${s.id}/hint`, undefined, s.token);
    expect(h.json).toEqual({ hint: lock.hints[0], hints_used: 1, max: 8.5 });
    expect((await call('POST', `/api/sessions/${s.id}/hint`, undefined, s.token)).status).toBe(409);
    const a = await call('POST', `/api/sessions/${s.id}/answers`, { answer: STRONG }, s.token);
    expect(a.json.grade.max).toBe(8.5);
  });

  it('a follow-up is a turn of its own, graded on its own', async () => {
    const { call, start } = setup();
    const s = await start({ question_ids: ['q_22712696'] });
    expect((await call('POST', `/api/sessions/${s.id}/follow-up`, undefined, s.token)).status).toBe(409);
    await call('POST', `/api/sessions/${s.id}/answers`, { answer: STRONG }, s.token);
    const f = await call('POST', `/api/sessions/${s.id}/follow-up`, undefined, s.token);
    expect(f.json.question).toMatchObject({ prompt: lock.follow_ups[0], follow_up_of: expect.any(String) });
    const g = await call('POST', `/api/sessions/${s.id}/answers`, { answer: '执行时间超过过期时间会导致锁提前释放，别的客户端拿到锁；要用看门狗续期，或者让过期时间足够长，并在释放时比较 token。' }, s.token);
    expect(g.json.answer_id).toBe(f.json.answer_id);
    expect(g.json.grade.status).toBe('done');
    const state = await call('GET', `/api/sessions/${s.id}`, undefined, s.token);
    expect(state.json.progress).toEqual({ asked: 1, planned: 1 });
  });

  it('finishing skips the open question; nothing more can be answered', async () => {
    const { call, start } = setup();
    const s = await start();
    await call('POST', `/api/sessions/${s.id}/finish`, undefined, s.token);
    const state = await call('GET', `/api/sessions/${s.id}`, undefined, s.token);
    expect(state.json).toMatchObject({ status: 'finished', current: null });
    expect((await call('POST', `/api/sessions/${s.id}/answers`, { answer: STRONG }, s.token)).status).toBe(409);
    const t = await call('GET', `/api/sessions/${s.id}/transcript`, undefined, s.token);
    expect(t.json.turns[0]).toMatchObject({ status: 'skipped', reference: { model_answer: lock.model_answer } });
  });
});

describe('access', () => {
  it('answers 404, the same way, for an unknown session and a wrong token', async () => {
    const { call, start } = setup();
    const s = await start();
    const wrong = await call('GET', `/api/sessions/${s.id}`, undefined, `${s.token.slice(0, -1)}x`);
    const missing = await call('GET', '/api/sessions/AAAAAAAAAAAAAAAA', undefined, s.token);
    const none = await call('GET', `/api/sessions/${s.id}`);
    for (const r of [wrong, missing, none]) expect(r).toMatchObject({ status: 404, json: { error: 'not_found', message: 'no such session' } });
    const other = await start();
    expect((await call('POST', `/api/sessions/${s.id}/answers`, { answer: STRONG }, other.token)).status).toBe(404);
  });
});
