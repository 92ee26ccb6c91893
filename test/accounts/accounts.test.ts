import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Accounts, hashPassword, sameSecret, verifyPassword } from '../../src/accounts/accounts.ts';
import { RateLimit } from '../../src/limits.ts';
import { openDatabase } from '../../src/db/index.ts';
import { logins } from '../../src/db/schema.ts';
import { testApp } from '../helpers/app.ts';
import { ROOT } from '../helpers/sources.ts';
import { PASSWORD, signIn } from '../helpers/staff.ts';

describe('passwords', () => {
  it('are stored as salted scrypt hashes that verify only the right password', async () => {
    const a = await hashPassword(PASSWORD);
    const b = await hashPassword(PASSWORD);
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b); // salted
    expect(a).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, a)).toBe(true);
    expect(await verifyPassword(PASSWORD + ' ', a)).toBe(false);
    expect(await verifyPassword(PASSWORD, 'md5$abc')).toBe(false);
  });

  it('compares secrets whole', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret(undefined, 'abc')).toBe(false);
  });
});

describe('accounts', () => {
  it('refuse a bad email, role or short password, naming the field, and a second account for one email', async () => {
    const accounts = new Accounts(openDatabase(':memory:'));
    expect(await accounts.add({ email: 'nope', password: PASSWORD })).toMatchObject({ field: 'email' });
    expect(await accounts.add({ email: 'a@b.c', role: 'admin', password: PASSWORD })).toMatchObject({ field: 'role', message: expect.stringContaining('interviewer, reviewer') });
    expect(await accounts.add({ email: 'a@b.c', password: 'short' })).toMatchObject({ field: 'password', message: expect.stringContaining('10') });
    expect(await accounts.add({ email: 'A@b.c', password: PASSWORD })).toHaveProperty('user.email', 'a@b.c');
    expect(await accounts.add({ email: 'a@B.c', password: PASSWORD })).toMatchObject({ field: 'email', message: expect.stringContaining('already') });
    expect(accounts.count()).toBe(1);
  });

  it('open a login for the right password only, and store only its hash', async () => {
    const db = openDatabase(':memory:');
    const accounts = new Accounts(db);
    await accounts.add({ email: 'i@x.org', password: PASSWORD });
    expect(await accounts.login('i@x.org', 'wrong password', '1.2.3.4')).toEqual({ refused: 'bad_credentials' });
    expect(await accounts.login('nobody@x.org', PASSWORD, '1.2.3.4')).toEqual({ refused: 'bad_credentials' });
    const r = await accounts.login(' I@X.org ', PASSWORD, '1.2.3.4');
    if (!('token' in r)) throw new Error('login failed');
    expect(r.token.length).toBeGreaterThanOrEqual(43); // 256 bits
    expect(accounts.staffFor(r.token)?.user.email).toBe('i@x.org');
    expect(accounts.staffFor(r.token + 'x')).toBeUndefined();
    const stored = db.select().from(logins).all();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).not.toBe(r.token);
    accounts.logout(r.token);
    expect(accounts.staffFor(r.token)).toBeUndefined();
  });

  it('expire logins after a week', async () => {
    let now = 1_000_000;
    const accounts = new Accounts(openDatabase(':memory:'), () => now);
    await accounts.add({ email: 'i@x.org', password: PASSWORD });
    const r = await accounts.login('i@x.org', PASSWORD, 'a');
    if (!('token' in r)) throw new Error('login failed');
    now += 7 * 86_400_000 - 1;
    expect(accounts.staffFor(r.token)).toBeDefined();
    now += 1;
    expect(accounts.staffFor(r.token)).toBeUndefined();
  });

  it('rate-limit failed logins per email, even for the right password, until the window passes', async () => {
    let now = 0;
    const accounts = new Accounts(openDatabase(':memory:'), () => now);
    await accounts.add({ email: 'i@x.org', password: PASSWORD });
    for (let i = 0; i < 5; i++) expect(await accounts.login('i@x.org', `guess ${i}`, `10.0.0.${i}`)).toEqual({ refused: 'bad_credentials' });
    const limited = await accounts.login('i@x.org', PASSWORD, '10.0.0.9');
    expect(limited).toMatchObject({ refused: 'rate_limited', retryAfter: 900 });
    now += 15 * 60_000 + 1;
    expect(await accounts.login('i@x.org', PASSWORD, '10.0.0.9')).toHaveProperty('token');
  });

  it('rate-limit one address guessing many emails', () => {
    const a = new RateLimit(20, 60_000, () => 0);
    for (let i = 0; i < 19; i++) a.hit('1.1.1.1');
    expect(a.retryAfter('1.1.1.1')).toBe(0);
    a.hit('1.1.1.1');
    expect(a.retryAfter('1.1.1.1')).toBe(60);
    expect(a.retryAfter('2.2.2.2')).toBe(0);
  });
});

const local = { incoming: { socket: { remoteAddress: '127.0.0.1' } } };

describe('sign-in pages', () => {
  it('set an HttpOnly, SameSite login cookie on the right password and say nothing useful on a wrong one', async () => {
    const t = testApp();
    await t.services.accounts.add({ email: 'i@x.org', password: PASSWORD });
    const post = (password: string) =>
      t.app.request('http://localhost/login', {
        method: 'POST',
        body: new URLSearchParams({ email: 'i@x.org', password, next: '/review' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
        redirect: 'manual',
      });
    const bad = await post('wrong password');
    expect(bad.status).toBe(401);
    expect(await bad.text()).toContain('邮箱或密码不对');
    const good = await post(PASSWORD);
    expect(good.status).toBe(303);
    expect(good.headers.get('location')).toBe('/review');
    expect(good.headers.get('set-cookie')).toMatch(/^login=[\w-]{43}; Max-Age=604800; Path=\/; HttpOnly; SameSite=Lax$/);
  });

  it('answer 429 with Retry-After once an email has failed five times', async () => {
    const t = testApp();
    await t.services.accounts.add({ email: 'i@x.org', password: PASSWORD });
    let res: Response | undefined;
    for (let i = 0; i < 6; i++) {
      res = await t.app.request('http://localhost/login?lang=en', {
        method: 'POST',
        body: new URLSearchParams({ email: 'i@x.org', password: 'not it at all' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      });
    }
    expect(res!.status).toBe(429);
    expect(Number(res!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await res!.text()).toContain('Too many failed sign-ins');
  });

  it('never send the browser to another site after signing in', async () => {
    const t = testApp();
    for (const next of ['//evil.example/x', 'https://evil.example', '/\\evil.example']) {
      const html = await (await t.app.request(`http://localhost/login?next=${encodeURIComponent(next)}`)).text();
      expect(html).toContain('name="next" value="/review"');
    }
  });

  it('sign out only with the CSRF token', async () => {
    const t = testApp();
    const me = await signIn(t);
    await me.req('POST', '/logout', {}, { csrf: false });
    expect(t.services.accounts.staffFor(me.cookie.replace('login=', ''))).toBeDefined();
    const out = await me.req('POST', '/logout', {});
    expect(out.status).toBe(303);
    expect(t.services.accounts.staffFor(me.cookie.replace('login=', ''))).toBeUndefined();
  });

  it('offer the setup page only on localhost and only while there is no account', async () => {
    const t = testApp();
    const get = (headers: Record<string, string>, env?: object) => t.app.request('http://localhost/setup', { headers }, env);
    expect((await get({ host: 'localhost:3000' })).status).toBe(404); // no socket: not provably local
    expect((await get({ host: 'localhost:3000' }, { incoming: { socket: { remoteAddress: '192.168.1.5' } } })).status).toBe(404);
    expect((await get({ host: 'localhost:3000', 'x-forwarded-for': '8.8.8.8' }, local)).status).toBe(404);
    expect((await get({ host: 'mianshi.example.com' }, local)).status).toBe(404);
    expect((await get({ host: 'localhost:3000' }, local)).status).toBe(200);

    const create = (password: string) =>
      t.app.request(
        'http://localhost/setup',
        {
          method: 'POST',
          body: new URLSearchParams({ email: 'first@x.org', name: 'First', password }),
          headers: { host: 'localhost', 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
          redirect: 'manual',
        },
        local,
      );
    const short = await create('short');
    expect(short.status).toBe(422);
    expect(await short.text()).toContain('at least 10 characters');
    const made = await create(PASSWORD);
    expect(made.status).toBe(303);
    expect(made.headers.get('set-cookie')).toMatch(/^login=/);
    expect(t.services.accounts.count()).toBe(1);
    expect((await get({ host: 'localhost:3000' }, local)).status).toBe(404);
  });
});

describe('npm run user:add', () => {
  it('adds an account with the password from stdin, and names the field it refuses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mianshi-user-'));
    const env = { ...process.env, DATABASE_PATH: join(dir, 'm.db') };
    const run = (args: string[], input: string) => spawnSync(process.execPath, ['--import', 'tsx', 'src/accounts/cli.ts', ...args], { cwd: ROOT, env, input, encoding: 'utf8' });
    const ok = run(['--email', 'lead@x.org', '--role', 'reviewer', '--name', 'Lead'], `${PASSWORD}\n`);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('added reviewer lead@x.org');
    const again = run(['--email', 'lead@x.org'], `${PASSWORD}\n`);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('email: there is already an account');
    const short = run(['--email', 'b@x.org'], 'short\n');
    expect(short.stderr).toContain('password: the password needs at least 10 characters');
    expect(run([], '').stderr).toContain('usage: npm run user:add -- --email');
    const db = openDatabase(env.DATABASE_PATH);
    const r = await new Accounts(db).login('lead@x.org', PASSWORD, 'x');
    expect(r).toHaveProperty('staff.user.role', 'reviewer');
  });
});

describe('behind a reverse proxy that terminates TLS', () => {
  it('marks the login cookie Secure and hands out https links, only when TRUST_PROXY says to believe the proxy', async () => {
    for (const [trust, secure] of [
      ['true', true],
      ['false', false],
    ] as const) {
      const t = testApp({ env: { TRUST_PROXY: trust } });
      await t.services.accounts.add({ email: 'i@x.org', password: PASSWORD });
      const res = await t.app.request('http://mianshi.example/login', {
        method: 'POST',
        body: new URLSearchParams({ email: 'i@x.org', password: PASSWORD }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://mianshi.example', 'x-forwarded-proto': 'https' },
        redirect: 'manual',
      });
      expect(res.headers.get('set-cookie')!.includes('; Secure'), `TRUST_PROXY=${trust}`).toBe(secure);
      const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
      const csrf = t.services.accounts.staffFor(cookie.replace('login=', ''))!.csrf;
      const created = await t.app.request('http://mianshi.example/interviews', {
        method: 'POST',
        body: new URLSearchParams({ candidate: 'X', question_id: 'q_22712696', _csrf: csrf }),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-proto': 'https' },
        redirect: 'manual',
      });
      const live = await t.app.request(`http://mianshi.example${created.headers.get('location')}`, {
        headers: { cookie: `${cookie}; ${created.headers.get('set-cookie')!.split(';')[0]}`, 'x-forwarded-proto': 'https' },
      });
      expect(await live.text()).toContain(`value="${secure ? 'https' : 'http'}://mianshi.example/s/`);
    }
  });
});
