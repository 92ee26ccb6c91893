// Hostile or careless HTTP: bodies too large, too many answers or sessions, and what every
// response carries (CSP, nosniff, no framing) — and no stack trace ever reaches a user.
import { describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.ts';
import { signIn } from '../helpers/staff.ts';

const json = { 'content-type': 'application/json' };

async function start(app: ReturnType<typeof testApp>['app'], headers: Record<string, string> = {}) {
  const res = await app.request('/api/sessions', { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify({ count: 5, kinds: ['concept'] }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { id: string; token: string; error?: string; message?: string } };
}

describe('body size limits', () => {
  it('refuse a page form over 512 KiB and an API body over 256 KiB, saying the limit', async () => {
    const { app } = testApp();
    const page = await app.request('/sessions', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' }, body: `answer=${'x'.repeat(600 * 1024)}` });
    expect(page.status).toBe(413);
    expect(await page.text()).toContain('512 KiB');
    const s = (await start(app)).body;
    const api = await app.request(`/api/sessions/${s.id}/answers`, { method: 'POST', headers: { ...json, authorization: `Bearer ${s.token}` }, body: JSON.stringify({ answer: 'x'.repeat(300 * 1024) }) });
    expect(api.status).toBe(413);
    expect(await api.json()).toMatchObject({ error: 'too_large', message: expect.stringContaining('256 KiB') });
  });
});

describe('rate limits', () => {
  it('allow a session only so many answers a minute, and store nothing past it', async () => {
    const t = testApp({ env: { RATE_ANSWERS_PER_MINUTE: '2' } });
    const s = (await start(t.app)).body;
    const auth = { ...json, authorization: `Bearer ${s.token}` };
    const answer = (text: string) => t.app.request(`/api/sessions/${s.id}/answers`, { method: 'POST', headers: auth, body: JSON.stringify({ answer: text }) });
    expect((await answer('first answer')).status).toBe(200);
    await t.app.request(`/api/sessions/${s.id}/next`, { method: 'POST', headers: auth });
    expect((await answer('second answer')).status).toBe(200);
    await t.app.request(`/api/sessions/${s.id}/next`, { method: 'POST', headers: auth });
    const third = await answer('third answer');
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await third.json()).message).toMatch(/^too many answers to this session; try again in \d+ s$/);
    expect(t.services.interviews.turns(s.id).filter((x) => x.status === 'answered')).toHaveLength(2);
    // Another session is not held back by this one.
    const other = (await start(t.app)).body;
    const res = await t.app.request(`/api/sessions/${other.id}/answers`, { method: 'POST', headers: { ...json, authorization: `Bearer ${other.token}` }, body: JSON.stringify({ answer: 'mine' }) });
    expect(res.status).toBe(200);
  });

  it('allow an address only so many new sessions a minute; behind a trusted proxy, per forwarded address', async () => {
    const direct = testApp({ env: { RATE_SESSIONS_PER_MINUTE: '2' } });
    const spoof = { 'x-forwarded-for': '198.51.100.1' };
    expect((await start(direct.app)).status).toBe(201);
    expect((await start(direct.app, spoof)).status).toBe(201);
    // Without TRUST_PROXY a claimed address changes nothing.
    const third = await start(direct.app, { 'x-forwarded-for': '198.51.100.2' });
    expect(third.status).toBe(429);
    expect(third.body.error).toBe('rate_limited');

    const proxied = testApp({ env: { RATE_SESSIONS_PER_MINUTE: '1', TRUST_PROXY: 'true' } });
    expect((await start(proxied.app, { 'x-forwarded-for': 'client-claim, 198.51.100.1' })).status).toBe(201);
    expect((await start(proxied.app, { 'x-forwarded-for': '198.51.100.1' })).status).toBe(429);
    expect((await start(proxied.app, { 'x-forwarded-for': '198.51.100.1, 198.51.100.7' })).status).toBe(201);
  });
});

describe('every response', () => {
  it('carries a strict Content-Security-Policy, nosniff and no framing, on pages, fragments, JSON and files', async () => {
    const t = testApp();
    const staff = await signIn(t);
    const s = (await start(t.app)).body;
    const responses = [
      await t.app.request('/'),
      await t.app.request('/questions', { headers: { 'hx-request': 'true' } }),
      await t.app.request('/login'),
      await t.app.request(`/api/sessions/${s.id}`, { headers: { authorization: `Bearer ${s.token}` } }),
      await t.app.request('/static/app.js'),
      await staff.req('GET', '/interviews'),
      await t.app.request('/nope'),
    ];
    for (const res of responses) {
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('is HTML with no inline script or style, which the policy would block anyway', async () => {
    const t = testApp();
    const staff = await signIn(t);
    const created = await staff.req('POST', '/interviews', { candidate: 'X', question_id: 'q_22712696' });
    const sid = created.headers.get('location')!.replace('/live/', '');
    for (const res of [await t.app.request('/'), await t.app.request('/questions/q_22712696'), await staff.req('GET', '/interviews'), await staff.req('GET', `/live/${sid}`)]) {
      const html = await res.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle="/);
      expect(html).not.toMatch(/\son[a-z]+="/);
    }
  });
});

describe('errors', () => {
  it('never show a stack trace: pages get a plain page, the API a plain message', async () => {
    const t = testApp();
    const s = (await start(t.app)).body;
    t.db.$client.close(); // every query now throws
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const page = await t.app.request(`/s/${s.id}?t=${s.token}`);
      expect(page.status).toBe(500);
      const html = await page.text();
      expect(html).toContain('服务器出错了');
      const api = await t.app.request(`/api/sessions/${s.id}`, { headers: { authorization: `Bearer ${s.token}` } });
      expect(api.status).toBe(500);
      const body = await api.text();
      for (const text of [html, body]) {
        expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|TypeError|database connection is not open/);
      }
      expect(JSON.parse(body)).toEqual({ error: 'internal', message: 'something went wrong on our side; please try again' });
    } finally {
      console.error = original;
    }
    // The details went to the log instead.
    expect(String(errors[0])).toContain('database connection is not open');
  });
});
