// Signing in and out, the one-time setup page, and the guard every staff route sits behind.
//
// A login is an HttpOnly, SameSite=Lax cookie. Every state change a signed-in browser makes must
// also carry that login's CSRF token (form field _csrf, or the X-CSRF-Token header that app.js
// adds to htmx requests), on top of the Origin check the candidate pages already have.
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import type { Deps, Env } from '../app.tsx';
import { LOGIN_COOKIE, LOGIN_DAYS, sameSecret, type Role, type Staff } from '../accounts/accounts.ts';
import { LoginPage, SetupPage } from '../../views/accounts.tsx';

export type StaffEnv = Env & { Variables: Env['Variables'] & { staff: Staff } };

/** The socket's peer address, or undefined when there is no socket (app.request in tests without env). */
function peerAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

/**
 * The client's address, for rate limits. Behind a reverse proxy (TRUST_PROXY=true) that is the
 * last address in X-Forwarded-For — the one our own proxy appended; earlier entries are whatever
 * the client claimed.
 */
export function clientAddress(c: Context, trustProxy = false): string {
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
  return forwarded || peerAddress(c) || 'unknown';
}

/**
 * The site's address as its users see it: behind a reverse proxy that terminates TLS
 * (TRUST_PROXY=true) the scheme comes from X-Forwarded-Proto — for links we hand out and for
 * the cookie's Secure flag.
 */
export function publicOrigin(c: Context, trustProxy = false): string {
  const url = new URL(c.req.url);
  const proto = trustProxy ? c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() : undefined;
  if (proto === 'https' || proto === 'http') url.protocol = `${proto}:`;
  return url.origin;
}

/**
 * The setup page is for whoever sits at the machine: a request from the loopback address, to a
 * loopback Host, not relayed by a proxy (a reverse proxy on the same machine would otherwise make
 * every visitor look local).
 */
export function fromLocalhost(c: Context): boolean {
  const host = (c.req.header('host') ?? '').replace(/:\d+$/, '');
  return fromLoopback(c) && ['localhost', '127.0.0.1', '[::1]'].includes(host);
}

/** Sent from this machine and not relayed by a proxy on it. */
export function fromLoopback(c: Context): boolean {
  const loopback = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/.test(peerAddress(c) ?? '');
  const relayed = ['x-forwarded-for', 'forwarded', 'x-real-ip'].some((h) => c.req.header(h) !== undefined);
  return loopback && !relayed;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Is this state change carrying the login's CSRF token? */
async function csrfOk(c: Context, staff: Staff): Promise<boolean> {
  const header = c.req.header('x-csrf-token');
  if (header !== undefined) return sameSecret(header, staff.csrf);
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return false;
  const form = await c.req.parseBody();
  return typeof form._csrf === 'string' && sameSecret(form._csrf, staff.csrf);
}

/**
 * Staff only, with one of `roles`. Pages send a stranger to the login page; the JSON API and
 * fragments answer 401. A state change without the CSRF token gets 403.
 */
export function staffOnly(roles: readonly Role[] = ['interviewer', 'reviewer']): MiddlewareHandler<StaffEnv> {
  return async (c, next) => {
    const staff = c.get('page').staff;
    const api = c.req.path.startsWith('/api/');
    if (!staff) {
      if (api) return c.json({ error: 'unauthorized', message: 'sign in as an interviewer or reviewer' }, 401);
      if (c.req.method === 'GET' && !c.req.header('hx-request')) return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
      return c.text('sign in first', 401);
    }
    if (!roles.includes(staff.user.role)) {
      return api ? c.json({ error: 'forbidden', message: `this needs the ${roles.join(' or ')} role` }, 403) : c.text('forbidden', 403);
    }
    if (!SAFE.has(c.req.method) && !(await csrfOk(c, staff))) {
      return api ? c.json({ error: 'csrf', message: 'missing or wrong X-CSRF-Token' }, 403) : c.text('missing or wrong CSRF token; reload the page', 403);
    }
    c.set('staff', staff);
    await next();
  };
}

/** Where to go after signing in: only a path on this site, never another origin. */
const safeNext = (next: string | undefined) => (next && /^\/(?![/\\])/.test(next) ? next : '/review');

export function accountRoutes(deps: Deps) {
  const app = new Hono<Env>();
  const { accounts } = deps.services;
  app.use('/login', csrf());
  app.use('/setup', csrf());

  const signIn = (c: Context<Env>, token: string) =>
    setCookie(c, LOGIN_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Lax', maxAge: LOGIN_DAYS * 86_400, secure: publicOrigin(c, deps.config.TRUST_PROXY).startsWith('https:') });

  app.get('/login', (c) => c.html(<LoginPage ctx={c.get('page')} next={safeNext(c.req.query('next'))} setup={accounts.count() === 0 && fromLocalhost(c)} />));

  app.post('/login', async (c) => {
    const form = await c.req.parseBody();
    const email = typeof form.email === 'string' ? form.email : '';
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    const r = await accounts.login(email, typeof form.password === 'string' ? form.password : '', clientAddress(c, deps.config.TRUST_PROXY));
    const t = c.get('page').t;
    if ('refused' in r) {
      if (r.refused === 'rate_limited') c.header('Retry-After', String(r.retryAfter));
      const error = r.refused === 'rate_limited' ? t.loginRateLimited(Math.ceil(r.retryAfter / 60)) : t.loginFailed;
      return c.html(<LoginPage ctx={c.get('page')} next={next} email={email} error={error} />, r.refused === 'rate_limited' ? 429 : 401);
    }
    signIn(c, r.token);
    return c.redirect(next, 303);
  });

  app.post('/logout', async (c) => {
    const staff = c.get('page').staff;
    if (staff && (await csrfOk(c, staff))) accounts.logout(getCookie(c, LOGIN_COOKIE));
    deleteCookie(c, LOGIN_COOKIE, { path: '/' });
    return c.redirect('/', 303);
  });

  // The first account, made in the browser by whoever runs the service; gone once one exists.
  const setupAllowed = (c: Context) => accounts.count() === 0 && fromLocalhost(c);
  app.get('/setup', (c) => (setupAllowed(c) ? c.html(<SetupPage ctx={c.get('page')} />) : c.notFound()));
  app.post('/setup', async (c) => {
    if (!setupAllowed(c)) return c.notFound();
    const form = await c.req.parseBody();
    const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : '');
    const added = await accounts.add({ email: field('email'), name: field('name'), role: 'interviewer', password: field('password') });
    if ('refused' in added) return c.html(<SetupPage ctx={c.get('page')} email={field('email')} name={field('name')} error={added.message} />, 422);
    const r = await accounts.login(added.user.email, field('password'), clientAddress(c, deps.config.TRUST_PROXY));
    if ('token' in r) signIn(c, r.token);
    return c.redirect('/interviews', 303);
  });

  return app;
}
